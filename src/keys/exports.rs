//! `keys` and `init` offline: the columns of W&B web-page exports counted. An export does
//! not say which columns were config and which summary: all are columns, but W&B's own
//! (`Name`, `State`, `Created`, ...) are told apart by name. Each cell's type is read from
//! its text, as the web page wrote it from the value.

use std::io::Read;

use serde_json::Value;

use super::census::{Census, Place};
use crate::config::export_spec::ExportSpec;
use crate::error::{fail, Error, Kind};

/// The columns the web page's export adds of its own, besides config and summary keys.
pub const WANDB_COLUMNS: [&str; 20] = [
    "Name",
    "ID",
    "State",
    "Notes",
    "User",
    "Tags",
    "Created",
    "Runtime",
    "Sweep",
    "Group",
    "Job Type",
    "Updated",
    "End Time",
    "Hostname",
    "Description",
    "Commit",
    "GitHub",
    "GPU Count",
    "GPU Type",
    "Heartbeat",
];

/// Every run of `exports` counted.
pub fn census_of_exports(exports: &[ExportSpec]) -> anyhow::Result<Census> {
    let mut census = Census::default();
    for spec in exports {
        let label = spec.label();
        match spec.is_stdin() {
            true => add_export(&mut census, std::io::stdin().lock(), &label)?,
            false => {
                let file = std::fs::File::open(&spec.path)
                    .map_err(|e| Error::new(Kind::Input, format!("{label}: cannot read the export: {e}")))?;
                add_export(&mut census, std::io::BufReader::new(file), &label)?;
            }
        }
    }
    Ok(census)
}

/// Counts the runs of one export.
fn add_export(census: &mut Census, input: impl Read, label: &str) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header: Vec<String> = match reader.byte_headers() {
        Ok(header) => header
            .iter()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect(),
        Err(e) => return fail(Kind::Input, format!("{label}:1: cannot read the header: {e}")),
    };
    if header.iter().all(String::is_empty) {
        return fail(
            Kind::Input,
            format!("{label}:1: no header; export the runs table from the W&B web page"),
        );
    }
    let state = header.iter().position(|name| name == "State");
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                let line = e.position().map_or(0, |position| position.line());
                return fail(Kind::Input, format!("{label}:{line}: not a CSV row: {e}"));
            }
        }
        let text = |index: usize| String::from_utf8_lossy(record.get(index).unwrap_or_default()).into_owned();
        census.add_run(state.map(text).as_deref());
        for (index, name) in header.iter().enumerate() {
            let cell = text(index);
            if cell.is_empty() {
                continue;
            }
            let place = match WANDB_COLUMNS.contains(&name.as_str()) {
                true => Place::Metadata,
                false => Place::Column,
            };
            census.observe(place, name, &value_of(&cell));
        }
    }
}

/// A cell's value as the web page wrote it: `true`/`false`, a whole number, a number
/// (`NaN` and the infinities too), a JSON object or array, else text.
pub fn value_of(cell: &str) -> Value {
    match cell {
        "true" | "True" => return Value::Bool(true),
        "false" | "False" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(whole) = cell.parse::<i64>() {
        return Value::from(whole);
    }
    if let Ok(float) = cell.parse::<f64>() {
        return match serde_json::Number::from_f64(float) {
            Some(number) => Value::Number(number),
            None if float.is_nan() => Value::from("NaN"),
            None if float > 0.0 => Value::from("Infinity"),
            None => Value::from("-Infinity"),
        };
    }
    if cell.starts_with(['{', '[']) {
        if let Ok(value) = serde_json::from_str::<Value>(cell) {
            return value;
        }
    }
    Value::from(cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::census::Kind as ValueKind;

    #[test]
    fn cells_are_typed_from_their_text() {
        let kinds: Vec<&str> = [
            "6",
            "6.5",
            "1e3",
            "NaN",
            "-inf",
            "true",
            "topk",
            "{\"min\": 1}",
            "[1, 2]",
            "{x",
        ]
        .iter()
        .map(|cell| ValueKind::of(&value_of(cell)).as_str())
        .collect();
        assert_eq!(
            kinds,
            [
                "integer", "number", "number", "number", "number", "bool", "string", "object", "array",
                "string"
            ]
        );
    }

    #[test]
    fn wandb_columns_are_told_apart_and_empty_cells_carry_nothing() {
        let text = "\"Name\",\"State\",\"k\",\"metrics/l0\"\n\"a\",\"finished\",\"32\",\"31.5\"\n\"b\",\"crashed\",\"\",\"40\"\n";
        let mut census = Census::default();
        add_export(&mut census, text.as_bytes(), "a.csv").unwrap();
        assert_eq!(census.runs, 2);
        assert_eq!(census.states.get("finished"), Some(&1));
        assert_eq!(census.find("Name", &[Place::Metadata]).unwrap().runs, 2);
        assert_eq!(census.find("k", &[Place::Column]).unwrap().runs, 1);
        let l0 = census.find("metrics/l0", &[Place::Column]).unwrap();
        assert_eq!(l0.kinds_text(), "integer/number");
        assert!(l0.numeric());
    }
}
