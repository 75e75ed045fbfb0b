//! Which place of a run wins, and what becomes of the others.

use super::*;

fn run(id: &str, time: Option<f64>) -> FolderRun {
    FolderRun {
        id: id.into(),
        summary_time: time,
        ..FolderRun::default()
    }
}

fn export(dir: &tempfile::TempDir, text: &str) -> ExportSpec {
    let path = dir.path().join("export.csv");
    std::fs::write(&path, text).unwrap();
    ExportSpec::parse(&path.display().to_string()).unwrap()
}

const EXPORT: &str = "\"Name\",\"ID\",\"_timestamp\",\"l2_loss\"\r\n\"a\",\"id-a\",\"100\",\"0.1\"\r\n\"b\",\"id-b\",\"200\",\"0.2\"\r\n\"c\",\"id-c\",\"\",\"0.3\"";

#[test]
fn the_newest_summary_wins_and_an_exports_losing_rows_become_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = vec![export(&dir, EXPORT)];
    let original = exports[0].label();
    let folders = vec![vec![
        run("id-a", Some(150.0)), // newer than the export's: the folder wins
        run("id-b", Some(150.0)), // older: the export wins
        run("id-c", Some(1.0)),   // the export says no time: the folder wins
        run("id-d", None),        // only here
    ]];
    let merged = merge(&mut exports, folders).unwrap();
    let kept: Vec<&str> = merged.kept[0].iter().map(|run| run.id.as_str()).collect();
    assert_eq!(kept, ["id-a", "id-c", "id-d"]);
    assert_eq!(exports[0].label(), original, "the copy is named as the export");
    let copy = std::fs::read_to_string(&exports[0].path).unwrap();
    assert_eq!(copy.len(), EXPORT.len());
    let lines: Vec<&str> = copy.split('\n').collect();
    assert_eq!(lines.len(), 4, "every row keeps its line: {copy:?}");
    assert!(lines[1].trim_matches('\r').is_empty(), "{copy:?}");
    assert_eq!(lines[2], "\"b\",\"id-b\",\"200\",\"0.2\"\r");
    assert!(lines[3].trim_matches('\r').is_empty(), "{copy:?}");
    let note = merged.notes.join("\n");
    assert!(note.contains("3 run(s) are in more than one place"), "{note}");
    assert!(
        note.contains("1 of them had a place that says no _timestamp"),
        "{note}"
    );
}

#[test]
fn equal_times_go_to_the_place_given_first_and_folders_are_matched_among_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = vec![export(&dir, EXPORT)];
    let folders = vec![
        vec![run("id-a", Some(100.0)), run("id-x", Some(5.0))],
        vec![run("id-x", Some(7.0)), run("id-y", None)],
        vec![run("id-y", None)],
    ];
    let merged = merge(&mut exports, folders).unwrap();
    let ids = |dir: usize| -> Vec<&str> { merged.kept[dir].iter().map(|r| r.id.as_str()).collect() };
    assert_eq!(
        ids(0),
        Vec::<&str>::new(),
        "id-a ties with the export, which was given first"
    );
    assert_eq!(
        ids(1),
        ["id-x", "id-y"],
        "id-x is newer here; id-y ties, the earlier folder wins"
    );
    assert_eq!(ids(2), Vec::<&str>::new());
    assert!(merged.copies.is_empty(), "the export keeps every row");
}

#[test]
fn an_export_without_ids_cannot_be_matched_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = vec![export(&dir, "\"Name\",\"l2_loss\"\n\"a\",\"0.1\"\n")];
    let merged = merge(&mut exports, vec![vec![run("id-a", None)]]).unwrap();
    assert_eq!(merged.kept[0].len(), 1);
    assert!(merged.notes[0].contains("has no ID column"), "{:?}", merged.notes);
}
