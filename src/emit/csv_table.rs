//! `mdl-table.csv`: the table with full-precision floats and the selected run beside each row.

use super::Emitter;
use crate::pyfmt::repr;
use crate::table::MdlTable;

pub struct CsvTable;

pub const HEADER: [&str; 9] = [
    "layer",
    "activation",
    "tolerance",
    "MDL(tolerance)",
    "run",
    "k",
    "l0",
    "dict_size",
    "bits",
];

impl Emitter for CsvTable {
    fn file_name(&self) -> &'static str {
        "mdl-table.csv"
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(HEADER);
        for row in &table.rows {
            let run = &row.run;
            let _ = writer.write_record([
                run.layer.to_string(),
                run.activation.clone(),
                repr(run.error),
                repr(row.dl_bits),
                run.name.clone(),
                run.k.to_string(),
                repr(run.l0),
                row.dict_size.to_string(),
                repr(table.bits),
            ]);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}
