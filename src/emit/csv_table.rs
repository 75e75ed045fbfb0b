//! `mdl-table.csv`: the table with full-precision floats and the selected run beside each
//! row, with its id, state and W&B page.

use super::Emitter;
use crate::emit::identity;
use crate::emit::pyfmt::repr;
use crate::model::table::MdlTable;

pub struct CsvTable;

/// The columns before the run's identity (`identity::COLUMNS`).
pub const HEADER: [&str; 11] = [
    "layer",
    "activation",
    "tolerance",
    "MDL(tolerance)",
    "run",
    "k",
    "l0",
    "dict_size",
    "bits",
    "code",
    "dense_bits",
];

impl Emitter for CsvTable {
    fn file_name(&self) -> &'static str {
        "mdl-table.csv"
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        let dense = repr(table.dense_bits());
        let header = HEADER.iter().chain(&identity::COLUMNS);
        let mut rows = vec![header.map(|name| name.to_string()).collect::<Vec<_>>()];
        for (group, best) in table.best_rows() {
            let run = &best.run;
            rows.push(vec![
                group.layer.to_string(),
                group.activation.clone(),
                repr(run.error),
                repr(best.dl_bits),
                run.name.clone(),
                run.k.to_string(),
                repr(run.l0),
                best.dict_size.to_string(),
                repr(table.pricing.bits),
                table.pricing.code.name().to_string(),
                dense.clone(),
            ]);
            rows.last_mut().expect("just pushed").extend(identity::cells(run));
        }
        for row in rows {
            out.write_record(&row).expect("writing CSV to memory cannot fail");
        }
        String::from_utf8(out.into_inner().expect("in-memory writer")).expect("CSV of UTF-8 fields")
    }
}
