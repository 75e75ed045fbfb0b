//! `mdl-table.json`: every row, the settings that produced it and its inputs (schema v1).
//!
//! The schema, stable within `mdl-fetch/mdl-table/v1` (fields may be added, never renamed):
//! - `schema`: `"mdl-fetch/mdl-table/v1"`
//! - `settings`: `code`, `bits`, `dict_size` (D for runs without their own), `fixed_dict_size`,
//!   `d_model`, `dense_bits`, `layers`, `tolerances`
//! - `inputs`: per export `file`, `layer` (or null), `rows`, `runs`, `skipped`
//! - `skipped`: `count` and the first few `examples` (`file:line: run "name": reason`)
//! - `data_notes`: what the rows do not show (skipped runs, groups without a usable error,
//!   asked-for layers without runs, rows whose run is not finished), one line each; empty
//!   when there is nothing to say
//! - `groups`: per (layer, activation): `layer`, `activation`, `runs`, `best` (the seed's row:
//!   the smallest-error run, or null), `at_tolerance` (per ε: `tolerance` and `run` or null),
//!   `frontier` (runs by error ascending)
//! - a run: `name`, `k`, `l0`, `error`, `dict_size`, `dict_size_source` (`run` or
//!   `default`), `dl_bits`, `file`, `line`, `run_id`,
//!   `state` (both empty when the export has no ID or State column), `url`, `entity`,
//!   `project` (null when unknown)
//!
//! Non-finite numbers (a NaN L0) are written as `null`.

use serde::{Deserialize, Serialize};

use super::Emitter;
use crate::model::frontier::Priced;
use crate::model::skips::Skips;
use crate::model::table::{InputFile, MdlTable};

pub const SCHEMA: &str = "mdl-fetch/mdl-table/v1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonTable {
    pub schema: String,
    pub settings: JsonSettings,
    /// Without their digest, which the manifest keeps.
    pub inputs: Vec<InputFile>,
    pub skipped: Skips,
    #[serde(default)]
    pub data_notes: Vec<String>,
    pub groups: Vec<JsonGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonSettings {
    pub code: String,
    pub bits: f64,
    pub dict_size: u64,
    pub fixed_dict_size: bool,
    pub d_model: u64,
    pub dense_bits: f64,
    pub layers: Vec<i64>,
    pub tolerances: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonGroup {
    pub layer: i64,
    pub activation: String,
    pub runs: u64,
    pub best: Option<JsonRun>,
    pub at_tolerance: Vec<JsonAtTolerance>,
    pub frontier: Vec<JsonRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonAtTolerance {
    pub tolerance: f64,
    pub run: Option<JsonRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonRun {
    pub name: String,
    pub k: i64,
    pub l0: Option<f64>,
    pub error: Option<f64>,
    pub dict_size: u64,
    /// Where D came from: `run` (its config or name) or `default` (the profile's or
    /// `--dict-size`, for a run that gives none, or for every run with `--fixed-dict-size`).
    pub dict_size_source: String,
    pub dl_bits: Option<f64>,
    pub file: String,
    pub line: u64,
    /// The run's W&B id, state and page; empty (or null) where the inputs do not say.
    pub run_id: String,
    pub state: String,
    pub url: Option<String>,
    pub entity: Option<String>,
    pub project: Option<String>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl From<&Priced> for JsonRun {
    fn from(priced: &Priced) -> JsonRun {
        let run = &priced.run;
        JsonRun {
            name: run.name.clone(),
            k: run.k,
            l0: finite(run.l0),
            error: finite(run.error),
            dict_size: priced.dict_size,
            dict_size_source: match priced.priced_by_own_dict_size() {
                true => "run".into(),
                false => "default".into(),
            },
            dl_bits: finite(priced.dl_bits),
            file: run.origin.file.to_string(),
            line: run.origin.line,
            run_id: run.id.clone(),
            state: run.state.clone(),
            url: run.url(),
            entity: run.origin.project.as_ref().and_then(|p| p.entity.clone()),
            project: run.origin.project.as_ref().map(|p| p.project.clone()),
        }
    }
}

pub struct Json;

impl Json {
    pub fn document(table: &MdlTable) -> JsonTable {
        let pricing = &table.pricing;
        JsonTable {
            schema: SCHEMA.into(),
            settings: JsonSettings {
                code: pricing.code.name().into(),
                bits: pricing.bits,
                dict_size: pricing.dict_size,
                fixed_dict_size: pricing.fixed_dict_size,
                d_model: table.d_model,
                dense_bits: table.dense_bits(),
                layers: table.layers_shown(),
                tolerances: table.tolerances.clone(),
            },
            inputs: table
                .inputs
                .iter()
                .map(|input| InputFile {
                    blake3: String::new(),
                    ..input.clone()
                })
                .collect(),
            skipped: table.skips.clone(),
            data_notes: table.notes.clone(),
            groups: table
                .groups
                .iter()
                .map(|group| JsonGroup {
                    layer: group.layer,
                    activation: group.activation.clone(),
                    runs: group.runs,
                    best: group.best.as_ref().map(JsonRun::from),
                    at_tolerance: table
                        .tolerances
                        .iter()
                        .zip(&group.at_tolerance)
                        .map(|(eps, run)| JsonAtTolerance {
                            tolerance: *eps,
                            run: run.as_ref().map(JsonRun::from),
                        })
                        .collect(),
                    frontier: group.frontier.iter().map(JsonRun::from).collect(),
                })
                .collect(),
        }
    }
}

impl Emitter for Json {
    fn file_name(&self) -> &'static str {
        "mdl-table.json"
    }

    fn render(&self, table: &MdlTable) -> String {
        serde_json::to_string_pretty(&Json::document(table)).expect("plain data serializes") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mdl::Pricing;

    fn table() -> MdlTable {
        MdlTable {
            groups: Vec::new(),
            pricing: Pricing::seed(),
            d_model: 768,
            tolerances: Vec::new(),
            layers: crate::model::layers::LayerSet::Only(vec![6]),
            left_out: Default::default(),
            dict_size_like: None,
            inputs: vec![InputFile::example()],
            skips: Skips {
                count: 1,
                examples: vec!["layer-6.csv:3: run \"x\": no k".into()],
            },
            notes: vec!["skipped 1 run(s); layer-6.csv:3: run \"x\": no k".into()],
        }
    }

    #[test]
    fn inputs_and_skips_keep_their_v1_fields_without_the_digest() {
        let text = Json.render(&table());
        let expected = r#"  "inputs": [
    {
      "file": "layer-6.csv",
      "layer": 6,
      "rows": 3,
      "runs": 2,
      "skipped": 1
    }
  ],
  "skipped": {
    "count": 1,
    "examples": [
      "layer-6.csv:3: run \"x\": no k"
    ]
  },
"#;
        assert!(text.contains(expected), "{text}");
        let parsed: JsonTable = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, Json::document(&table()));
    }
}
