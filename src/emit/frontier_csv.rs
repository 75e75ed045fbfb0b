//! `frontier.csv`: per (layer, activation), the runs no other run beats on both error and DL.

use super::Emitter;
use crate::emit::identity;
use crate::emit::pyfmt::repr;
use crate::model::table::MdlTable;

pub struct FrontierCsv;

const HEADER: [&str; 9] = [
    "layer",
    "activation",
    "error",
    "dl_bits",
    "run",
    "k",
    "l0",
    "dict_size",
    "code",
];

impl Emitter for FrontierCsv {
    fn file_name(&self) -> &'static str {
        "frontier.csv"
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(HEADER.iter().chain(&identity::COLUMNS))
            .expect("in-memory writer");
        for group in &table.groups {
            for point in &group.frontier {
                let cells = [
                    group.layer.to_string(),
                    group.activation.clone(),
                    repr(point.run.error),
                    repr(point.dl_bits),
                    point.run.name.clone(),
                    point.run.k.to_string(),
                    repr(point.run.l0),
                    point.dict_size.to_string(),
                    table.pricing.code.name().to_string(),
                ];
                out.write_record(cells.into_iter().chain(identity::cells(&point.run)))
                    .expect("in-memory writer");
            }
        }
        String::from_utf8(out.into_inner().expect("in-memory writer")).expect("CSV of UTF-8 fields")
    }
}
