//! Writes synthetic sweeps in the W&B export format: `gen_sweep OUT_DIR [RUNS_PER_LAYER] [SEED]`.
//!
//! Without RUNS_PER_LAYER it writes the seed's grid (23 runs per layer, as `fixtures/` holds);
//! with it, random sweeps with NaN and empty errors and a rare activation (for benchmarks).

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use mdl_fetch::synth::{generate, write_export, SweepSpec};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "fixtures/sae-sweeps".into()));
    let runs: Option<usize> = args.next().and_then(|n| n.parse().ok());
    let seed: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2025);
    std::fs::create_dir_all(&out)?;
    for layer in [6, 7, 8] {
        let mut spec = SweepSpec::seed_like(layer, seed);
        if runs.is_some() {
            spec.runs = runs;
            spec.nan_rate = 0.01;
            spec.empty_rate = 0.01;
            spec.rare_rate = 0.0005;
        }
        let path = out.join(format!("layer-{layer}.csv"));
        let mut file = BufWriter::new(File::create(&path)?);
        write_export(&generate(&spec), &mut file)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
