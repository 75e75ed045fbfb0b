//! The finished MDL table: one row per selected run, with its description length.

use crate::mdl::naive_bits;
use crate::record::RunRecord;
use crate::select::Selection;

/// One row: the selected run and what it costs to describe.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The run with the smallest error in its (layer, activation) group.
    pub run: RunRecord,
    /// The dictionary size the DL was computed with.
    pub dict_size: u64,
    /// Description length in bits per activation vector.
    pub dl_bits: f64,
}

/// The table every emitter formats; emitters never compute.
#[derive(Debug, Clone, PartialEq)]
pub struct MdlTable {
    pub rows: Vec<TableRow>,
    /// B: bits per non-zero value.
    pub bits: f64,
    /// D used for every row.
    pub dict_size: u64,
}

impl MdlTable {
    /// Prices each selected run with the naive code at B bits and D features.
    pub fn build(selection: &Selection, bits: f64, dict_size: u64) -> MdlTable {
        let rows = selection
            .chosen
            .iter()
            .map(|run| TableRow {
                run: run.clone(),
                dict_size,
                dl_bits: naive_bits(run.l0, bits, dict_size),
            })
            .collect();
        MdlTable {
            rows,
            bits,
            dict_size,
        }
    }
}
