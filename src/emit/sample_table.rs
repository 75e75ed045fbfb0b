//! Small tables for the emitters' tests, selected from runs as the real pipeline selects them.

use std::sync::Arc;

use crate::model::mdl::Pricing;
use crate::model::record::{RecordSink, RunRef};
use crate::model::select::Selector;
use crate::model::table::MdlTable;

/// A run for a sample table: layer, activation, k, L0, error.
pub type Run<'a> = (i64, &'a str, i64, f64, f64);

/// The table of `runs` under the seed's pricing (naive code, B = 7, D = 12288), with
/// these tolerances and the dense baseline at `d_model` × 7 bits.
pub fn table(runs: &[Run<'_>], tolerances: &[f64], d_model: u64) -> MdlTable {
    let mut layers: Vec<i64> = runs.iter().map(|run| run.0).collect();
    layers.sort_unstable();
    layers.dedup();
    let layers = crate::model::layers::LayerSet::only(layers);
    let mut selector = Selector::new(&layers, tolerances, Pricing::seed());
    let file: Arc<str> = Arc::from("sample.csv");
    for (line, &(layer, activation, k, l0, error)) in runs.iter().enumerate() {
        let name = format!("run{line}");
        let run = RunRef {
            k,
            ..RunRef::plain(&name, &file, line as u64 + 2, layer, activation, l0, error)
        };
        selector.accept(&run).expect("a sample run");
    }
    MdlTable {
        groups: selector.finish(),
        pricing: Pricing::seed(),
        d_model,
        tolerances: tolerances.to_vec(),
        layers,
        left_out: Default::default(),
        dict_size_like: None,
        inputs: Vec::new(),
        skips: Default::default(),
        notes: Vec::new(),
    }
}
