//! A seeded generator of SAE sweeps in the seed's naming grammar, and the web UI's CSV
//! export of them, so tests can compare an online fetch with an offline replay.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::json;

use super::dataset::{format_timestamp, parse_timestamp, Dataset, FakeRun, DEFAULT_START};
use super::values::{float_display, SummaryValue};

/// What `Dataset::sweep` generates.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    pub runs: usize,
    /// Runs go to these layers round-robin (or at random, seeded, with `round_robin: false`).
    pub layers: Vec<i64>,
    pub round_robin: bool,
    /// Summary keys beyond the core ones: one nested `val_loss: {min, max}`, the rest
    /// `metrics/feature_density_{i}` floats.
    pub extra_summary_keys: usize,
    pub seed: u64,
    pub dict_size: u64,
    /// Chance that a run's `l2_loss` is NaN (and that a feature-density key is ±Infinity).
    pub nan_rate: f64,
    /// States drawn uniformly (repeat an entry to weight it).
    pub states: Vec<String>,
    /// created_at of the first run; later runs follow 1..=60 s apart.
    pub start: String,
    /// Runs started in the same second, as a sweep's agents start them together: every
    /// `burst` runs share a `createdAt` (1: each run its own second).
    pub burst: usize,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            runs: 69,
            layers: vec![6, 7, 8],
            round_robin: true,
            extra_summary_keys: 0,
            seed: 2025,
            dict_size: 12288,
            nan_rate: 0.0,
            states: vec!["finished".into()],
            start: DEFAULT_START.into(),
            burst: 1,
        }
    }
}

const AFA_COEFFS: [f64; 5] = [1.0 / 128.0, 1.0 / 64.0, 1.0 / 32.0, 1.0 / 24.0, 1.0 / 16.0];

/// The 23 (sae_type, top_k, afa_coeff) combinations of the seed's sweep.
fn combos() -> Vec<(&'static str, i64, f64)> {
    let ks = (5..=13).map(|p| 1i64 << p); // 32 ..= 8192
    let mut out: Vec<_> = ks.clone().map(|k| ("topk", k, 0.0)).collect();
    out.extend(ks.map(|k| ("batchtopk", k, 0.0)));
    out.extend(AFA_COEFFS.iter().map(|&a| ("topafa", 0, a)));
    out
}

/// The afa_coeff as run names spell it: `0.0`, or the shortest round-trip form.
fn afa_text(a: f64) -> String {
    if a == 0.0 {
        "0.0".into()
    } else {
        format!("{a}")
    }
}

impl Dataset {
    /// A deterministic synthetic sweep (same options, same runs).
    pub fn sweep(opts: SweepOptions) -> Dataset {
        let mut ds = Dataset::new();
        ds.add_sweep_runs(&opts);
        ds
    }

    /// Appends `opts.runs` generated runs; their `created_at` start at `opts.start` or one
    /// second after the latest timestamp already present, whichever is later.
    pub fn add_sweep_runs(&mut self, opts: &SweepOptions) -> Vec<String> {
        assert!(!opts.layers.is_empty(), "SweepOptions.layers is empty");
        let mut rng = fastrand::Rng::with_seed(opts.seed);
        let combos = combos();
        let start = parse_timestamp(&opts.start).expect("SweepOptions.start: YYYY-MM-DDTHH:MM:SS");
        let mut t = if self.clock >= start {
            self.clock + 1
        } else {
            start
        };
        let mut taken: HashSet<String> = self.runs.iter().map(|r| r.name.clone()).collect();
        let mut names = Vec::with_capacity(opts.runs);
        for i in 0..opts.runs {
            let layer = if opts.round_robin {
                opts.layers[i % opts.layers.len()]
            } else {
                opts.layers[rng.usize(..opts.layers.len())]
            };
            let name = loop {
                let n = run_id(&mut rng);
                if taken.insert(n.clone()) {
                    break n;
                }
            };
            let combo = combos[(i / opts.layers.len()) % combos.len()];
            let run = make_run(&mut rng, opts, layer, combo, &name, t);
            names.push(name);
            self.push(run);
            let gap = rng.i64(1..=60);
            if (i + 1) % opts.burst.max(1) == 0 {
                t += gap;
            }
        }
        names
    }

    /// Writes the runs of `layers` (created order) as a W&B web-UI CSV export with the header
    /// `"Name","State","Created","layer","dict_size","l0_norm","l2_loss"`.
    pub fn write_export(&self, path: impl AsRef<Path>, layers: &[i64]) -> std::io::Result<()> {
        std::fs::write(path, self.export_text(layers))
    }

    /// The text `write_export` writes (every field quoted, no trailing newline).
    pub fn export_text(&self, layers: &[i64]) -> String {
        let mut runs: Vec<&FakeRun> = self.runs_of_layers(layers).collect();
        runs.sort_by(|a, b| (&a.created_at, &a.name).cmp(&(&b.created_at, &b.name)));
        let mut out =
            String::from(r#""Name","ID","State","Created","layer","dict_size","l0_norm","l2_loss""#);
        for run in runs {
            let cells = [
                run.display_name.clone(),
                run.name.clone(),
                run.state.clone(),
                run.created_at.clone(),
                config_text(run.config.get("layer")),
                config_text(run.config.get("dict_size")),
                run.summary
                    .get("l0_norm")
                    .map(|v| v.csv_text())
                    .unwrap_or_default(),
                run.summary
                    .get("l2_loss")
                    .map(|v| v.csv_text())
                    .unwrap_or_default(),
            ];
            out.push('\n');
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            }
        }
        out
    }
}

fn config_text(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => float_display(n.as_f64().unwrap_or(f64::NAN)),
        },
        Some(other) => other.to_string(),
    }
}

fn run_id(rng: &mut fastrand::Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..8)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

fn make_run(
    rng: &mut fastrand::Rng,
    opts: &SweepOptions,
    layer: i64,
    (sae_type, top_k, afa): (&str, i64, f64),
    name: &str,
    created: i64,
) -> FakeRun {
    let display = format!(
        "blocks.{layer}.hook_resid_pre_{}_{sae_type}_{top_k}_{}",
        opts.dict_size,
        afa_text(afa)
    );
    let created_at = format_timestamp(created);
    let mut run = FakeRun::new(name, &display, &created_at);
    run.state = opts.states[rng.usize(..opts.states.len().max(1))].clone();
    run.user = Some("fake-user".into());
    run.sweep_name = Some("sweep01".into());

    let lr = [3e-4, 1e-4, 5e-5][rng.usize(..3)];
    let config: BTreeMap<String, serde_json::Value> = [
        ("layer", json!(layer)),
        ("dict_size", json!(opts.dict_size)),
        ("sae_type", json!(sae_type)),
        ("top_k", json!(top_k)),
        ("afa_coeff", json!(afa)),
        ("hook_point", json!(format!("blocks.{layer}.hook_resid_pre"))),
        ("seed", json!(rng.i64(0..100_000))),
        ("lr", json!(lr)),
        (
            "_wandb",
            json!({"cli_version": "0.19.1", "python_version": "3.11.7"}),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    run.config = config;

    let noise = |rng: &mut fastrand::Rng| 0.9 + 0.2 * rng.f64();
    let l0 = match sae_type {
        "topk" => top_k as f64 * (1.0 - 0.002 * rng.f64()),
        "batchtopk" => top_k as f64,
        _ => 50.0 + 1450.0 * rng.f64(),
    };
    let l2 = if rng.f64() < opts.nan_rate {
        f64::NAN
    } else {
        0.07 * (32.0 / l0.max(1.0)).powf(0.8) * noise(rng)
    };
    let runtime = 3000.0 + 6000.0 * rng.f64();
    let s = &mut run.summary;
    s.insert("l0_norm".into(), l0.into());
    s.insert("l2_loss".into(), l2.into());
    s.insert("_step".into(), 20_000i64.into());
    s.insert("_runtime".into(), runtime.into());
    s.insert("_timestamp".into(), (created as f64 + runtime).into());
    s.insert(
        "_wandb".into(),
        SummaryValue::object([("runtime", SummaryValue::Int(runtime as i64))]),
    );
    if opts.extra_summary_keys > 0 {
        let lo = l2 * noise(rng);
        s.insert(
            "val_loss".into(),
            SummaryValue::object([("min", lo.into()), ("max", (lo * 3.0).into())]),
        );
    }
    for i in 1..opts.extra_summary_keys {
        let v = if rng.f64() < opts.nan_rate {
            [f64::INFINITY, f64::NEG_INFINITY][rng.usize(..2)]
        } else {
            rng.f64() * 1e-3
        };
        s.insert(format!("metrics/feature_density_{i}"), v.into());
    }
    // A finished run's record last changed when it ended.
    run.heartbeat_at = Some(format_timestamp(created + runtime as i64));
    run.updated_at = run.heartbeat_at.clone();
    run
}
