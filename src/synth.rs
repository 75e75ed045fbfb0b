//! Synthetic SAE sweeps in the W&B export format, for fixtures, tests and benchmarks: the
//! seed's shape here, a SAELens-style sweep in `saelens`, and the W&B SDK's run folders
//! in `run_folders`.

pub mod run_folders;
pub mod saelens;

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
    /// Round metrics to `f32`, as W&B summaries logged from float32 tensors are (the seed's
    /// exports hold values like `1023.493408203125`).
    pub float32: bool,
    /// Draw the error's noise independently of L0's. With one shared draw, every run whose k
    /// does not bind lies on one smooth error/DL trade-off curve, so the Pareto frontier holds
    /// a large fraction of all runs; real sweeps are noisier than that.
    pub independent_noise: bool,
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
            float32: false,
            independent_noise: false,
        }
    }

    /// A large random sweep for benchmarks: `runs` runs, 1 % NaN and 1 % empty errors,
    /// 0.05 % of a rare activation, float32 metrics.
    pub fn benchmark(layer: i64, runs: usize, seed: u64) -> SweepSpec {
        SweepSpec {
            runs: Some(runs),
            nan_rate: 0.01,
            empty_rate: 0.01,
            rare_rate: 0.0005,
            float32: true,
            independent_noise: true,
            ..SweepSpec::seed_like(layer, seed)
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
    let error_jitter = if spec.independent_noise {
        1.0 + (rng.f64() - 0.5) * 0.1
    } else {
        jitter
    };
    let (l0, error) = if activation == "topafa" {
        let l0 = 300.0 + 34000.0 * afa * jitter;
        (l0, 0.06 * (300.0 / l0).powf(1.6) * error_jitter)
    } else {
        let l0 = (k as f64).min(2960.0 * jitter) * if activation == "topk" { 0.999 } else { 1.0 };
        (l0, 0.065 * (32.0 / l0).powf(1.05) * error_jitter)
    };
    let (l0, error) = if spec.float32 {
        (l0 as f32 as f64, error as f32 as f64)
    } else {
        (l0, error)
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

fn rng_for(spec: &SweepSpec) -> fastrand::Rng {
    fastrand::Rng::with_seed(spec.seed ^ (spec.layer as u64).wrapping_mul(0x9e37_79b9))
}

/// The runs of one layer's sweep, in a shuffled (but seeded) order.
pub fn generate(spec: &SweepSpec) -> Vec<SynthRun> {
    match spec.runs {
        None => {
            let mut rng = rng_for(spec);
            let mut runs = Vec::new();
            for activation in ["topk", "batchtopk"] {
                for k in K_VALUES {
                    runs.push(make_run(spec, &mut rng, activation, k, 0.0));
                }
            }
            for afa in AFA_COEFFS {
                runs.push(make_run(spec, &mut rng, "topafa", 0, afa));
            }
            rng.shuffle(&mut runs);
            runs
        }
        Some(_) => random_runs(spec).collect(),
    }
}

/// A random sweep's runs one at a time (`spec.runs` of them, none when it is `None`), so
/// that millions of runs can be written without holding them.
pub fn random_runs(spec: &SweepSpec) -> impl Iterator<Item = SynthRun> + '_ {
    let mut rng = rng_for(spec);
    (0..spec.runs.unwrap_or(0)).map(move |_| {
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
        make_run(spec, &mut rng, activation, k, afa)
    })
}

/// Writes a sweep as an export; random sweeps are streamed, never held whole.
pub fn write_sweep(spec: &SweepSpec, out: &mut impl Write) -> io::Result<()> {
    match spec.runs {
        None => write_export(&generate(spec), out),
        Some(_) => write_runs(random_runs(spec), out),
    }
}

/// Writes runs as the W&B web page exports them: every field quoted, no trailing newline.
pub fn write_export(runs: &[SynthRun], out: &mut impl Write) -> io::Result<()> {
    write_runs(runs.iter().cloned(), out)
}

fn write_runs(runs: impl Iterator<Item = SynthRun>, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\"Name\",\"l0_norm\",\"l2_loss\",\"afa_coeff\",\"_wandb\"")?;
    for run in runs {
        write!(out, "\n\"{}\",\"{}\",\"", run.name, run.l0)?;
        match run.error {
            Some(e) if e.is_nan() => out.write_all(b"NaN")?,
            Some(e) => write!(out, "{e}")?,
            None => {}
        }
        write!(out, "\",\"{}\",\"\"", run.afa_coeff)?;
    }
    Ok(())
}
