//! The finished tables every emitter formats: one entry per (layer, activation) group.

use serde::{Deserialize, Serialize};

use crate::model::frontier::Priced;
use crate::model::mdl::dense_bits;
use crate::model::mdl::Pricing;
use crate::model::select::GroupResult;
use crate::model::skips::Skips;

/// One export that went into the table, as `manifest.json` and `mdl-table.json` list it
/// (fields in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    pub file: String,
    /// The layer given with it, if any.
    pub layer: Option<i64>,
    /// Hex BLAKE3 digest of the bytes read (`b3sum` prints the same); empty when not kept,
    /// and then not written (the manifest has it, `mdl-table.json` leaves it to the
    /// manifest).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub blake3: String,
    pub rows: u64,
    pub runs: u64,
    pub skipped: u64,
    /// Rows left out by `--state`, `--tag`, `--sweep` or `--group` (not written when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub filtered_out: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// Lower-case hex of some bytes: how a digest is written (`InputFile::blake3`, the
/// manifest's outputs).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, b| {
            let _ = write!(text, "{b:02x}");
            text
        })
}

#[cfg(test)]
impl InputFile {
    /// An input for the tests of how it is written.
    pub(crate) fn example() -> InputFile {
        InputFile {
            file: "layer-6.csv".into(),
            layer: Some(6),
            rows: 3,
            runs: 2,
            skipped: 1,
            filtered_out: 0,
            blake3: "ab12".into(),
        }
    }
}

/// Everything selection found, with the settings that priced it; emitters never compute.
#[derive(Debug, Clone, PartialEq)]
pub struct MdlTable {
    /// Groups by layer, then activation.
    pub groups: Vec<GroupResult>,
    pub pricing: Pricing,
    /// The model's width, for the dense baseline.
    pub d_model: u64,
    /// The ε values of `--tolerance`, in the order given.
    pub tolerances: Vec<f64>,
    /// The layers that reach the table.
    pub layers: crate::model::layers::LayerSet,
    /// Runs read of layers the table leaves out, by layer.
    pub left_out: std::collections::BTreeMap<i64, u64>,
    /// A column of the inputs that looks like a dictionary size (`d_sae`), when the
    /// dictionary-size column is not among them.
    pub dict_size_like: Option<String>,
    pub inputs: Vec<InputFile>,
    pub skips: Skips,
    /// What the rows do not show (`DataNote::of`), as one line each.
    pub notes: Vec<String>,
}

impl MdlTable {
    /// The seed's table: each group's smallest-error run, for groups that have one.
    pub fn best_rows(&self) -> impl Iterator<Item = (&GroupResult, &Priced)> {
        self.groups
            .iter()
            .filter_map(|group| group.best.as_ref().map(|best| (group, best)))
    }

    /// Groups that had runs but none with a usable error.
    pub fn empty_groups(&self) -> impl Iterator<Item = &GroupResult> {
        self.groups.iter().filter(|group| group.best.is_none())
    }

    /// Bits to send the raw activations: d_model values at B bits each.
    pub fn dense_bits(&self) -> f64 {
        dense_bits(self.d_model, self.pricing.bits)
    }

    /// The layers asked for, or with every layer, those the table's groups are in.
    pub fn layers_shown(&self) -> Vec<i64> {
        match self.layers.listed() {
            Some(layers) => layers.to_vec(),
            None => {
                let mut layers: Vec<i64> = self.groups.iter().map(|group| group.layer).collect();
                layers.dedup();
                layers
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.best_rows().next().is_none()
    }
}
