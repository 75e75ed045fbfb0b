//! Serves a generated sweep from the tests' fake W&B server until killed, for benchmarks
//! and for trying the official Python client against it:
//!
//! `cargo run --release --example fake_wandb -- --runs 30000 --layers 0-11 --extra-keys 40
//!  --latency-ms 50 --page-cap 1000 --key KEY --entity ENT --project PROJ --port 0`
//!
//! More flags: `--seed N`, `--nan-rate F`, `--no-gzip`, `--real` (every behaviour of the
//! real backend a kind fake hides: offset cursors, unstable ties, ...), `--serial` (one
//! request's latency and work at a time, as a server without parallel workers), `--scan-us
//! N` (each `runCount` takes N microseconds per run it counts, as a scan would), `--burst N` (runs
//! started N to a second), `--export-dir DIR` (also write the
//! web UI's CSV export of each layer there, as `layer-{L}.csv`), `--trace` (print each
//! request's query, variables, status and the start of the answer to stderr). Prints
//! `listening http://127.0.0.1:PORT` once it serves. `GET /__stats` answers the totals of
//! requests, runs pages, and bytes received and sent (body before and after gzip, and all
//! bytes on the wire) since start or the last `GET /__stats/reset`, as JSON.

use std::io::Write;
use std::time::Duration;

use fake_wandb::{Dataset, FakeConfig, FakeWandb, RealBackend, SweepOptions};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn usage(msg: &str) -> ! {
    eprintln!("fake_wandb: {msg}");
    eprintln!(
        "usage: fake_wandb [--runs N] [--layers A-B|A,B,..] [--extra-keys N] [--latency-ms N] \
         [--page-cap N] [--key KEY] [--entity E] [--project P] [--port N] [--seed N] \
         [--nan-rate F] [--no-gzip] [--real] [--serial] [--scan-us N] [--burst N] \
         [--export-dir DIR] [--trace]"
    );
    std::process::exit(2)
}

fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> T {
    let v = v.unwrap_or_else(|| usage(&format!("{flag} needs a value")));
    v.parse()
        .unwrap_or_else(|_| usage(&format!("{flag}: bad value {v:?}")))
}

fn layers(spec: &str) -> Vec<i64> {
    let bad = || usage(&format!("--layers: bad value {spec:?}"));
    if let Some((a, b)) = spec.split_once('-') {
        let (a, b): (i64, i64) = (
            a.parse().unwrap_or_else(|_| bad()),
            b.parse().unwrap_or_else(|_| bad()),
        );
        (a..=b).collect()
    } else {
        spec.split(',')
            .map(|l| l.trim().parse().unwrap_or_else(|_| bad()))
            .collect()
    }
}

fn main() {
    let mut opts = SweepOptions {
        runs: 3000,
        layers: (0..12).collect(),
        ..SweepOptions::default()
    };
    let mut config = FakeConfig {
        log_bodies: false,
        stats_endpoint: true,
        ..FakeConfig::default()
    };
    let mut port: u16 = 0;
    let mut export_dir: Option<String> = None;
    let mut trace = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--runs" => opts.runs = num(&flag, args.next()),
            "--layers" => {
                opts.layers = layers(&args.next().unwrap_or_else(|| usage("--layers needs a value")))
            }
            "--extra-keys" => opts.extra_summary_keys = num(&flag, args.next()),
            "--seed" => opts.seed = num(&flag, args.next()),
            "--nan-rate" => opts.nan_rate = num(&flag, args.next()),
            "--latency-ms" => config.latency = Duration::from_millis(num(&flag, args.next())),
            "--page-cap" => config.page_cap = num(&flag, args.next()),
            "--key" => config.api_key = num(&flag, args.next()),
            "--entity" => config.entity = num(&flag, args.next()),
            "--project" => config.projects = vec![num(&flag, args.next())],
            "--port" => port = num(&flag, args.next()),
            "--no-gzip" => config.gzip = false,
            "--real" => config.real = RealBackend::all(),
            "--serial" => config.serial.one_at_a_time = true,
            "--scan-us" => config.serial.scan_per_run = Duration::from_micros(num(&flag, args.next())),
            "--burst" => opts.burst = num(&flag, args.next()),
            "--trace" => trace = true,
            "--export-dir" => export_dir = Some(num(&flag, args.next())),
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown flag {other:?}")),
        }
    }
    let dataset = Dataset::sweep(opts.clone());
    if let Some(dir) = export_dir {
        std::fs::create_dir_all(&dir).expect("create --export-dir");
        for layer in &opts.layers {
            let path = std::path::Path::new(&dir).join(format!("layer-{layer}.csv"));
            dataset.write_export(&path, &[*layer]).expect("write export");
        }
    }
    config.dataset = dataset;
    config.log_bodies = trace;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| usage(&format!("cannot bind 127.0.0.1:{port}: {e}")));
    let server = FakeWandb::serve(listener, config);
    let mut out = std::io::stdout();
    writeln!(out, "listening {}", server.base_url()).expect("stdout");
    out.flush().expect("stdout");
    let mut shown = 0;
    loop {
        if !trace {
            std::thread::park();
            continue;
        }
        std::thread::sleep(Duration::from_millis(100));
        let log = server.requests();
        for r in log
            .iter()
            .skip(shown)
            .filter(|r| r.status != 0 || r.fault.is_some())
        {
            let answer = r.response_text().unwrap_or_default();
            let answer: String = answer.chars().take(400).collect();
            eprintln!(
                "#{} {} {} -> {} fault={:?}\n  query: {}\n  variables: {}\n  answer: {answer}",
                r.seq,
                r.method,
                r.path,
                r.status,
                r.fault,
                r.query
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                r.variables
            );
            shown = r.seq + 1;
        }
    }
}
