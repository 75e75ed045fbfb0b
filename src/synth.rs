//! Synthetic SAE sweeps in the W&B export format, for fixtures, tests and benchmarks.

use std::io::{self, Write};

/// The k values the seed's sweep trained.
pub const K_VALUES: [i64; 9] = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];
/// The topafa sweep's afa coefficients (1/128 ... 1/16).
pub const AFA_COEFFS: [f64; 5] = [0.0078125, 0.015625, 0.03125, 0.041666666666666664, 0.0625];

/// What to generate.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    pub layer: i64,
    /// Runs in the export; the seed's full grid (23 runs) when `None`.
    pub runs: Option<usize>,
    pub dict_size: u64,
    pub seed: u64,
    /// Fraction of runs whose error is `NaN`, and of runs whose error is empty.
    pub nan_rate: f64,
    pub empty_rate: f64,
    /// Fraction of runs with a rare activation (`jumprelu`).
    pub rare_rate: f64,
}

impl SweepSpec {
    pub fn seed_like(layer: i64, seed: u64) -> SweepSpec {
        SweepSpec {
            layer,
            runs: None,
            dict_size: 12288,
            seed,
            nan_rate: 0.0,
            empty_rate: 0.0,
            rare_rate: 0.0,
        }
    }
}

/// One generated run.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthRun {
    pub name: String,
    pub l0: f64,
    /// `None` for an empty cell.
    pub error: Option<f64>,
    pub afa_coeff: f64,
}

/// A run of the given activation and k with plausible metrics: error falls with k, L0
/// saturates near 2960 (k stops binding), topafa's L0 grows with its coefficient.
fn make_run(spec: &SweepSpec, rng: &mut fastrand::Rng, activation: &str, k: i64, afa: f64) -> SynthRun {
    let name = format!(
        "blocks.{}.hook_resid_pre_{}_{activation}_{k}_{}",
        spec.layer,
        spec.dict_size,
        if activation == "topafa" {
            afa.to_string()
        } else {
            "0.0".into()
        }
    );
    let jitter = 1.0 + (rng.f64() - 0.5) * 0.1;
    let (l0, error) = if activation == "topafa" {
        let l0 = 300.0 + 34000.0 * afa * jitter;
        (l0, 0.06 * (300.0 / l0).powf(1.6) * jitter)
    } else {
        let l0 = (k as f64).min(2960.0 * jitter) * if activation == "topk" { 0.999 } else { 1.0 };
        (l0, 0.065 * (32.0 / l0).powf(1.05) * jitter)
    };
    let roll = rng.f64();
    let error = if roll < spec.nan_rate {
        Some(f64::NAN)
    } else if roll < spec.nan_rate + spec.empty_rate {
        None
    } else {
        Some(error)
    };
    SynthRun {
        name,
        l0,
        error,
        afa_coeff: afa,
    }
}

/// The runs of one layer's sweep, in a shuffled (but seeded) order.
pub fn generate(spec: &SweepSpec) -> Vec<SynthRun> {
    let mut rng = fastrand::Rng::with_seed(spec.seed ^ (spec.layer as u64).wrapping_mul(0x9e37_79b9));
    let mut runs = Vec::new();
    match spec.runs {
        None => {
            for activation in ["topk", "batchtopk"] {
                for k in K_VALUES {
                    runs.push(make_run(spec, &mut rng, activation, k, 0.0));
                }
            }
            for afa in AFA_COEFFS {
                runs.push(make_run(spec, &mut rng, "topafa", 0, afa));
            }
            rng.shuffle(&mut runs);
        }
        Some(count) => {
            runs.reserve(count);
            for _ in 0..count {
                let activation = if rng.f64() < spec.rare_rate {
                    "jumprelu"
                } else {
                    ["topk", "batchtopk", "topafa"][rng.usize(0..3)]
                };
                let (k, afa) = if activation == "topafa" {
                    (0, AFA_COEFFS[rng.usize(0..AFA_COEFFS.len())])
                } else {
                    (K_VALUES[rng.usize(0..K_VALUES.len())], 0.0)
                };
                runs.push(make_run(spec, &mut rng, activation, k, afa));
            }
        }
    }
    runs
}

/// Writes runs as the W&B web page exports them: every field quoted, no trailing newline.
pub fn write_export(runs: &[SynthRun], out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\"Name\",\"l0_norm\",\"l2_loss\",\"afa_coeff\",\"_wandb\"")?;
    for run in runs {
        let error = match run.error {
            Some(e) if e.is_nan() => "NaN".to_string(),
            Some(e) => e.to_string(),
            None => String::new(),
        };
        write!(
            out,
            "\n\"{}\",\"{}\",\"{error}\",\"{}\",\"\"",
            run.name, run.l0, run.afa_coeff
        )?;
    }
    Ok(())
}
