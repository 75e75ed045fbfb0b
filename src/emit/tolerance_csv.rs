//! `mdl-tolerance.csv`: MDL at each `--tolerance` ε in long form, one row per (layer,
//! activation, ε): the cheapest run with error ≤ ε, or empty cells when no run is that good.

use super::Emitter;
use crate::emit::identity;
use crate::emit::pyfmt::repr;
use crate::model::frontier::Priced;
use crate::model::table::MdlTable;

pub struct ToleranceCsv;

pub const FILE_NAME: &str = "mdl-tolerance.csv";

/// The columns before the run's identity (`identity::COLUMNS`).
pub const HEADER: [&str; 10] = [
    "layer",
    "activation",
    "epsilon",
    "MDL(epsilon)",
    "error",
    "run",
    "k",
    "l0",
    "dict_size",
    "code",
];

impl Emitter for ToleranceCsv {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    /// Only a run given `--tolerance` has ε rows; without, an earlier run's file goes.
    fn made_for(&self, table: &MdlTable) -> bool {
        !table.tolerances.is_empty()
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(HEADER.iter().chain(&identity::COLUMNS))
            .expect("in-memory writer");
        let code = table.pricing.code.name();
        for group in &table.groups {
            for (index, eps) in table.tolerances.iter().enumerate() {
                let within = group.at_tolerance.get(index).and_then(Option::as_ref);
                let mut row = vec![group.layer.to_string(), group.activation.clone(), repr(*eps)];
                row.extend(run_cells(within, code));
                out.write_record(&row).expect("in-memory writer");
            }
        }
        String::from_utf8(out.into_inner().expect("in-memory writer")).expect("CSV of UTF-8 fields")
    }
}

/// The cells from the MDL on: the run's, or empty ones (the code aside) when no run is
/// within ε.
fn run_cells(within: Option<&Priced>, code: &str) -> Vec<String> {
    let Some(priced) = within else {
        let mut cells = vec![String::new(); 6];
        cells.push(code.to_string());
        cells.extend(std::iter::repeat_n(String::new(), identity::COLUMNS.len()));
        return cells;
    };
    let run = &priced.run;
    let mut cells = vec![
        repr(priced.dl_bits),
        repr(run.error),
        run.name.clone(),
        run.k.to_string(),
        repr(run.l0),
        priced.dict_size.to_string(),
        code.to_string(),
    ];
    cells.extend(identity::cells(run));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::sample_table::table;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        (reader.records())
            .map(|record| record.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn one_row_per_group_and_epsilon_with_empty_cells_where_no_run_is_within() {
        let runs = [
            (6, "topk", 64, 40.0, 0.01),
            (6, "topk", 256, 200.0, 0.002),
            (7, "topafa", 0, 900.0, 0.003),
        ];
        let sample = table(&runs, &[0.005, 0.0025], 768);
        let text = ToleranceCsv.render(&sample);
        assert!(
            text.starts_with(
                "layer,activation,epsilon,MDL(epsilon),error,run,k,l0,dict_size,code,entity,project,run_id,state,url\n"
            ),
            "{text}"
        );
        let rows = rows(&text);
        let keys: Vec<(&str, &str, &str)> = (rows.iter())
            .map(|row| (row[0].as_str(), row[1].as_str(), row[2].as_str()))
            .collect();
        let expected_keys = [
            ("6", "topk", "0.005"),
            ("6", "topk", "0.0025"),
            ("7", "topafa", "0.005"),
            ("7", "topafa", "0.0025"),
        ];
        assert_eq!(keys, expected_keys);
        // Layer 6 topk at 0.005: only the k = 256 run (error 0.002) is within.
        let priced = sample.groups[0].at_tolerance[0].as_ref().unwrap();
        assert_eq!(rows[0][3], repr(priced.dl_bits));
        assert_eq!(
            rows[0][4..10],
            ["0.002", "run1", "256", "200.0", "12288", "naive"]
        );
        // Layer 7 topafa at 0.0025: its one run (error 0.003) is not; only the code is said.
        assert_eq!(
            rows[3][3..],
            ["", "", "", "", "", "", "naive", "", "", "", "", ""]
        );
        assert!(rows[2][3].parse::<f64>().is_ok(), "{:?}", rows[2]);
    }

    #[test]
    fn made_only_for_a_table_with_tolerances() {
        let runs = [(6, "topk", 64, 40.0, 0.01)];
        assert!(ToleranceCsv.made_for(&table(&runs, &[0.1], 768)));
        assert!(!ToleranceCsv.made_for(&table(&runs, &[], 768)));
    }
}
