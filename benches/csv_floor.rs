//! The floor for the offline benchmark: one pass of the `csv` crate's `ByteRecord` reader
//! over the exports, doing nothing else with the fields.
//!
//! `cargo bench --bench csv_floor` times passes over `target/bench-data/1000000/layer-{6,7,8}.csv`
//! (write them with `cargo run --release --example gen_sweep -- target/bench-data/1000000 1000000`)
//! and prints the median throughput; `csv_floor FILE...` (the built bench binary, as
//! `scripts/bench_offline.sh` runs it) makes one pass over the named files and prints the
//! row count, for timing from outside.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One pass over one file: the rows read (header included).
fn pass(path: &Path) -> u64 {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while reader.read_byte_record(&mut record).expect("a CSV export") {
        rows += 1;
    }
    rows
}

fn main() {
    // `cargo bench` passes `--bench`; anything not a flag is a file to read.
    let files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if !files.is_empty() {
        let rows: u64 = files.iter().map(|f| pass(f)).sum();
        println!("{rows} rows");
        return;
    }
    let dir =
        PathBuf::from(std::env::var("MDL_BENCH_DATA").unwrap_or_else(|_| "target/bench-data/1000000".into()));
    let files: Vec<PathBuf> = [6, 7, 8]
        .iter()
        .map(|layer| dir.join(format!("layer-{layer}.csv")))
        .collect();
    if !files.iter().all(|f| f.exists()) {
        eprintln!(
            "csv_floor: no data in {}; run `cargo run --release --example gen_sweep -- {} 1000000`",
            dir.display(),
            dir.display()
        );
        return;
    }
    let bytes: u64 = files
        .iter()
        .map(|f| f.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..7 {
        let start = Instant::now();
        rows = files.iter().map(|f| pass(f)).sum();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "csv floor: {rows} rows, {:.1} MB in {:.3} s median of {} ({:.0} MB/s, {:.1} M rows/s)",
        bytes as f64 / 1e6,
        median,
        times.len(),
        bytes as f64 / 1e6 / median,
        rows as f64 / 1e6 / median
    );
}
