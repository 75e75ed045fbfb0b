//! A synthetic SAELens-style sweep: W&B's random run names (`icy-pine-1245`), the SAE's
//! layout in config keys (`hook_layer`, `hook_name`, `architecture`, `d_sae`, `k` for TopK
//! only, `lr`), SAELens' summary keys (`metrics/l0`, `losses/mse_loss`, ...), and runs
//! finished, crashed or still running. The same runs serve a fake W&B server (their config
//! and summary as JSON) and a web-page export (`write_export`), so that tests can compare
//! a fetch with an export; `fixtures/saelens-sweep/` holds the export of `fixture()`.

use std::io::{self, Write};

use serde_json::{json, Value};

/// The seed and run count of the committed fixture.
pub const FIXTURE_SEED: u64 = 2026;
pub const FIXTURE_RUNS: usize = 300;

/// The layers the sweep trained, the architectures and dictionary sizes it mixed, the k
/// of its TopK SAEs and its learning rates.
pub const LAYERS: std::ops::RangeInclusive<i64> = 4..=10;
pub const ARCHITECTURES: [&str; 3] = ["topk", "jumprelu", "standard"];
pub const D_SAE: [u64; 2] = [16384, 24576];
pub const K_VALUES: [i64; 4] = [32, 64, 128, 256];
const LEARNING_RATES: [f64; 3] = [5e-5, 1e-4, 3e-4];

/// The config keys in the export's column order (W&B's: sorted), then the summary keys.
pub const CONFIG_KEYS: [&str; 6] = ["architecture", "d_sae", "hook_layer", "hook_name", "k", "lr"];
pub const SUMMARY_KEYS: [&str; 5] = [
    "_runtime",
    "_step",
    "losses/mse_loss",
    "metrics/explained_variance",
    "metrics/l0",
];

/// The web page's metadata columns before the config and summary columns.
const METADATA: [&str; 9] = [
    "Name", "ID", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep",
];

/// The sweep's id, as its runs' `Sweep` column names it.
pub const SWEEP_ID: &str = "k3x9qv2m";

/// The first run's creation time, seconds since the epoch (2025-04-01T09:00:00Z).
const FIRST_CREATED: u64 = 1_743_498_000;

/// Steps a finished run trained.
const TRAINING_STEPS: i64 = 48_828;

const ADJECTIVES: [&str; 16] = [
    "icy", "warm", "dark", "old", "cool", "pure", "lone", "wild", "bright", "quiet", "misty", "swift",
    "golden", "silver", "rosy", "deep",
];
const NOUNS: [&str; 16] = [
    "pine", "sun", "sea", "moon", "fog", "sky", "oak", "elk", "river", "field", "star", "wave", "frost",
    "leaf", "cloud", "dune",
];

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SaelensRun {
    /// The 8-character run id.
    pub id: String,
    /// The random display name, e.g. `icy-pine-1245`.
    pub name: String,
    /// `finished`, `crashed` or `running`.
    pub state: &'static str,
    /// W&B's creation time, UTC without a zone (`2025-04-01T09:00:00`).
    pub created_at: String,
    pub layer: i64,
    pub architecture: &'static str,
    pub d_sae: u64,
    /// Only TopK SAEs have one.
    pub k: Option<i64>,
    pub lr: f64,
    /// `None` for a run that crashed before it logged its metrics.
    pub metrics: Option<Metrics>,
    pub step: i64,
    pub runtime: f64,
}

/// The summary metrics a run logged, rounded to `f32` as logged from float32 tensors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub l0: f64,
    pub mse: f64,
    pub explained_variance: f64,
}

impl SaelensRun {
    /// The run's config as key and plain value (W&B wraps each in `{"value": ...}` itself).
    pub fn config(&self) -> Vec<(&'static str, Value)> {
        let mut config = vec![
            ("architecture", json!(self.architecture)),
            ("d_sae", json!(self.d_sae)),
            ("hook_layer", json!(self.layer)),
            (
                "hook_name",
                json!(format!("blocks.{}.hook_resid_pre", self.layer)),
            ),
        ];
        if let Some(k) = self.k {
            config.push(("k", json!(k)));
        }
        config.push(("lr", json!(self.lr)));
        config
    }

    /// The run's summary as key and value; a run that crashed early has only `_runtime`
    /// and `_step`.
    pub fn summary(&self) -> Vec<(&'static str, Value)> {
        let mut summary = vec![("_runtime", json!(self.runtime)), ("_step", json!(self.step))];
        if let Some(metrics) = self.metrics {
            summary.push(("losses/mse_loss", json!(metrics.mse)));
            summary.push(("metrics/explained_variance", json!(metrics.explained_variance)));
            summary.push(("metrics/l0", json!(metrics.l0)));
        }
        summary
    }
}

/// The committed fixture's runs.
pub fn fixture() -> Vec<SaelensRun> {
    sweep(FIXTURE_SEED, FIXTURE_RUNS)
}

/// `runs` runs drawn with `seed`, in creation order (several may share a second, as a
/// sweep's agents start them).
pub fn sweep(seed: u64, runs: usize) -> Vec<SaelensRun> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut created = FIRST_CREATED;
    (0..runs)
        .map(|index| {
            created += rng.u64(0..3);
            make_run(&mut rng, index, created)
        })
        .collect()
}

fn make_run(rng: &mut fastrand::Rng, index: usize, created: u64) -> SaelensRun {
    let layer = rng.i64(LAYERS);
    let architecture = ARCHITECTURES[rng.usize(0..ARCHITECTURES.len())];
    let d_sae = D_SAE[rng.usize(0..D_SAE.len())];
    let k = (architecture == "topk").then(|| K_VALUES[rng.usize(0..K_VALUES.len())]);
    let lr = LEARNING_RATES[rng.usize(0..LEARNING_RATES.len())];
    let state = match rng.f64() {
        roll if roll < 0.84 => "finished",
        roll if roll < 0.94 => "crashed",
        _ => "running",
    };
    let done = match state {
        "finished" => 1.0,
        _ => 0.1 + 0.8 * rng.f64(),
    };
    let logged = state != "crashed" || rng.bool();
    let metrics = logged.then(|| metrics(rng, layer, architecture, d_sae, k));
    SaelensRun {
        id: run_id(rng),
        name: format!(
            "{}-{}-{}",
            ADJECTIVES[rng.usize(0..ADJECTIVES.len())],
            NOUNS[rng.usize(0..NOUNS.len())],
            1200 + index
        ),
        state,
        created_at: wandb_time(created),
        layer,
        architecture,
        d_sae,
        k,
        lr,
        metrics,
        step: (TRAINING_STEPS as f64 * done) as i64,
        runtime: f32_of(5400.0 * done * (0.9 + 0.2 * rng.f64())),
    }
}

/// Plausible metrics: L0 near k for TopK, spread for the others; the error falls with L0
/// and the dictionary size, and rises with depth.
fn metrics(rng: &mut fastrand::Rng, layer: i64, architecture: &str, d_sae: u64, k: Option<i64>) -> Metrics {
    let l0 = match k {
        Some(k) => k as f64 * (0.97 + 0.03 * rng.f64()),
        None if architecture == "jumprelu" => 20.0 + 280.0 * rng.f64(),
        None => 40.0 + 360.0 * rng.f64(),
    };
    let depth = 1.0 + 0.08 * (layer - LAYERS.start()) as f64;
    let width = (16384.0 / d_sae as f64).powf(0.3);
    let jitter = 0.9 + 0.2 * rng.f64();
    let mse = 0.02 * (32.0 / l0).powf(0.8) * width * depth * jitter;
    Metrics {
        l0: f32_of(l0),
        mse: f32_of(mse),
        explained_variance: f32_of(1.0 - 12.0 * mse),
    }
}

fn f32_of(value: f64) -> f64 {
    value as f32 as f64
}

fn run_id(rng: &mut fastrand::Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..8)
        .map(|_| ALPHABET[rng.usize(0..ALPHABET.len())] as char)
        .collect()
}

/// Seconds since the epoch as W&B writes times: UTC, no zone.
fn wandb_time(seconds: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    let text = humantime::format_rfc3339_seconds(time).to_string();
    text.trim_end_matches('Z').to_string()
}

/// Writes the runs as the W&B web page exports them: metadata columns, then config and
/// summary keys; every field quoted, a missing value empty, no trailing newline.
pub fn write_export(runs: &[SaelensRun], out: &mut impl Write) -> io::Result<()> {
    let header: Vec<&str> = (METADATA.iter().chain(&CONFIG_KEYS).chain(&SUMMARY_KEYS))
        .copied()
        .collect();
    write_row(out, header.iter().map(|key| key.to_string()))?;
    for run in runs {
        out.write_all(b"\n")?;
        write_row(out, row(run))?;
    }
    Ok(())
}

/// A run's cells in the export's column order.
fn row(run: &SaelensRun) -> impl Iterator<Item = String> {
    let metadata = [
        run.name.clone(),
        run.id.clone(),
        run.state.to_string(),
        "-".into(),
        "lab-user".into(),
        String::new(),
        format!("{}.000Z", run.created_at),
        format!("{}", run.runtime.round() as i64),
        SWEEP_ID.into(),
    ];
    let config = run.config();
    let summary = run.summary();
    let cell = |values: &[(&str, Value)], key: &str| {
        let value = values.iter().find(|(name, _)| *name == key);
        value.map_or_else(String::new, |(_, value)| text_of(value))
    };
    let config_cells: Vec<String> = CONFIG_KEYS.iter().map(|key| cell(&config, key)).collect();
    let summary_cells: Vec<String> = SUMMARY_KEYS.iter().map(|key| cell(&summary, key)).collect();
    metadata.into_iter().chain(config_cells).chain(summary_cells)
}

/// A value as the export writes it: strings bare, numbers as their shortest text.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() => float.to_string(),
            _ => number.to_string(),
        },
        other => other.to_string(),
    }
}

fn write_row(out: &mut impl Write, cells: impl Iterator<Item = String>) -> io::Result<()> {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_topk_runs_have_k_and_every_layer_and_shape_is_drawn() {
        let runs = fixture();
        assert_eq!(runs.len(), FIXTURE_RUNS);
        for run in &runs {
            assert_eq!(run.k.is_some(), run.architecture == "topk", "{run:?}");
            let keys: Vec<&str> = run.config().iter().map(|(key, _)| *key).collect();
            assert_eq!(keys.contains(&"k"), run.k.is_some());
        }
        for layer in LAYERS {
            for architecture in ARCHITECTURES {
                let finished = (runs.iter())
                    .filter(|run| run.layer == layer && run.architecture == architecture)
                    .filter(|run| run.state == "finished")
                    .count();
                assert!(finished > 0, "layer {layer} {architecture}");
            }
        }
        for state in ["finished", "crashed", "running"] {
            assert!(runs.iter().any(|run| run.state == state), "{state}");
        }
        assert!(runs.iter().any(|run| run.metrics.is_none()));
        assert!(D_SAE.iter().all(|d| runs.iter().any(|run| run.d_sae == *d)));
    }

    #[test]
    fn the_export_has_a_quoted_header_and_a_row_per_run_with_k_empty_when_absent() {
        let runs = sweep(7, 12);
        let mut bytes = Vec::new();
        write_export(&runs, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.ends_with('\n'));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 13);
        assert!(lines[0].starts_with(r#""Name","ID","State","#), "{}", lines[0]);
        let k_column = 9 + CONFIG_KEYS.iter().position(|key| *key == "k").unwrap();
        for (run, line) in runs.iter().zip(&lines[1..]) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0], format!("\"{}\"", run.name));
            let k = run.k.map_or(String::new(), |k| k.to_string());
            assert_eq!(cells[k_column], format!("\"{k}\""));
        }
    }

    #[test]
    fn a_seed_gives_one_sweep() {
        assert_eq!(sweep(3, 20), sweep(3, 20));
        assert_ne!(sweep(3, 20), sweep(4, 20));
    }
}
