//! `cargo bench --bench reader`: where the offline pipeline's time goes, in one process, on
//! `target/bench-data/1000000/layer-{6,7,8}.csv` (see `benches/csv_floor.rs`), one thread,
//! medians of 5 passes over the three files:
//!
//! - `csv floor`: the `csv` crate's `ByteRecord` reader alone;
//! - `read`: mdl-fetch's export reader (fields, floats, names, the BLAKE3 digest of the bytes) into
//!   a sink that drops every run;
//! - `read+select`: the same into the `Selector` (the table, ε-MDL and the frontier);
//! - `read+select+runs.csv`: also formatting every run's runs.csv row (to `io::sink`).
//!
//! The `mdl-fetch` binary adds the second core (each file cut in pieces), writing runs.csv
//! to a file and digesting it, the other artifacts and the manifest;
//! `scripts/bench_offline.sh` times that end to end.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use mdl_fetch::config::cli::Cli;
use mdl_fetch::config::export_spec::ExportSpec;
use mdl_fetch::config::settings::Settings;
use mdl_fetch::emit::runs_csv::RunsCsv;
use mdl_fetch::model::record::{RecordSink, RunRef};
use mdl_fetch::model::select::Selector;
use mdl_fetch::read::pieces::read_whole;

struct Drop;

impl RecordSink for Drop {
    fn accept(&mut self, _run: &RunRef<'_>) -> anyhow::Result<()> {
        Ok(())
    }
}

struct Both<'a>(&'a mut Selector, &'a mut RunsCsv<std::io::Sink>);

impl RecordSink for Both<'_> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.0.accept(run)?;
        self.1.accept(run)
    }
}

fn floor(files: &[ExportSpec]) {
    for spec in files {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&spec.path)
            .unwrap();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {}
    }
}

fn median(label: &str, bytes: u64, mut pass: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let m = times[2];
    println!("{label:<24} {m:>7.3} s  {:>6.0} MB/s", bytes as f64 / 1e6 / m);
    m
}

fn main() {
    let dir =
        PathBuf::from(std::env::var("MDL_BENCH_DATA").unwrap_or_else(|_| "target/bench-data/1000000".into()));
    let paths: Vec<PathBuf> = (6..=8).map(|l| dir.join(format!("layer-{l}.csv"))).collect();
    if !paths.iter().all(|p| p.exists()) {
        eprintln!(
            "reader: no data in {0}; run `cargo run --release --example gen_sweep -- {0} 1000000`",
            dir.display()
        );
        return;
    }
    let mut args = vec!["mdl-fetch".to_string()];
    for (layer, path) in (6..=8).zip(&paths) {
        args.push("--export".into());
        args.push(format!("{layer}={}", path.display()));
    }
    let cli = Cli::try_parse_from(&args).unwrap();
    let settings: Settings = Settings::load(&cli.table, &mdl_fetch::config::resolve::Env::process()).unwrap();
    let exports = settings.inputs.exports.clone();
    let bytes: u64 = paths.iter().map(|p| p.metadata().unwrap().len()).sum();
    let pricing = settings.table.pricing;
    let new_selector = || Selector::new(&settings.table.layers, &settings.table.tolerances, pricing);

    let base = median("csv floor", bytes, || floor(&exports));
    let read = median("read", bytes, || {
        for (i, spec) in exports.iter().enumerate() {
            read_whole(spec, i as u32, &settings.rules, &mut Drop).unwrap();
        }
    });
    let select = median("read+select", bytes, || {
        let mut selector = new_selector();
        for (i, spec) in exports.iter().enumerate() {
            read_whole(spec, i as u32, &settings.rules, &mut selector).unwrap();
        }
    });
    let all = median("read+select+runs.csv", bytes, || {
        let mut selector = new_selector();
        let mut runs = RunsCsv::new(std::io::sink()).unwrap();
        for (i, spec) in exports.iter().enumerate() {
            read_whole(
                spec,
                i as u32,
                &settings.rules,
                &mut Both(&mut selector, &mut runs),
            )
            .unwrap();
        }
        runs.finish().unwrap();
    });
    println!(
        "x floor: read {:.2}, read+select {:.2}, read+select+runs.csv {:.2}",
        read / base,
        select / base,
        all / base
    );
}
