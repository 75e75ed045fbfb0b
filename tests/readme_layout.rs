//! The README's table of how the code is laid out stays true: every file and folder of
//! `src/` is in it, and every file or folder it names exists where it says.

use crate::support::root;

/// The table's rows: (first column, second column).
fn layout_rows() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## How the code is laid out")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a code layout section");
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            (cells[0].to_string(), cells.get(1).unwrap_or(&"").to_string())
        })
        .collect()
}

/// The backquoted names in a cell (`a.rs`, `b/`).
fn named(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(String::from).collect()
}

/// Every file under `dir`, by file name.
fn file_names_under(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => names.extend(file_names_under(&path)),
            false => names.push(entry.file_name().to_string_lossy().into_owned()),
        }
    }
    names
}

#[test]
fn every_part_of_src_is_in_the_layout_table_and_every_name_in_it_exists() {
    let src = root().join("src");
    let rows = layout_rows();
    let listed: Vec<String> = rows.iter().flat_map(|(first, _)| named(first)).collect();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let shown = match entry.path().is_dir() {
            true => format!("{name}/"),
            false => name,
        };
        assert!(
            listed.contains(&shown),
            "src/{shown} is not in the README's layout table"
        );
    }
    for (first, second) in &rows {
        for part in named(first) {
            assert!(
                src.join(&part).exists(),
                "the layout table names src/{part}, which does not exist"
            );
            if !part.ends_with('/') {
                continue;
            }
            let files = file_names_under(&src.join(&part));
            for file in named(second).into_iter().filter(|name| name.ends_with(".rs")) {
                assert!(
                    files.contains(&file),
                    "the layout table names {file} in src/{part}, which has none"
                );
            }
        }
    }
}
