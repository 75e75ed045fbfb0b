//! Writes synthetic sweeps in the W&B export format: `gen_sweep OUT_DIR [RUNS_PER_LAYER] [SEED]`.
//!
//! Without RUNS_PER_LAYER it writes the seed's grid (23 runs per layer, as `fixtures/` holds);
//! with it, random sweeps for benchmarks (`SweepSpec::benchmark`: NaN and empty errors, a rare
//! activation, float32 metrics), `layer-6.csv` to `layer-8.csv`, one thread per layer,
//! streamed (1,000,000 runs per layer is about 100 MB per file).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use mdl_fetch::synth::{write_sweep, SweepSpec};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "fixtures/sae-sweeps".into()));
    let runs: Option<usize> = args.next().and_then(|n| n.parse().ok());
    let seed: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2025);
    std::fs::create_dir_all(&out)?;
    std::thread::scope(|scope| {
        let jobs: Vec<_> = [6, 7, 8]
            .into_iter()
            .map(|layer| {
                let out = &out;
                scope.spawn(move || -> std::io::Result<()> {
                    let spec = match runs {
                        Some(runs) => SweepSpec::benchmark(layer, runs, seed),
                        None => SweepSpec::seed_like(layer, seed),
                    };
                    let path = out.join(format!("layer-{layer}.csv"));
                    let mut file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
                    write_sweep(&spec, &mut file)?;
                    file.flush()?;
                    eprintln!("wrote {}", path.display());
                    Ok(())
                })
            })
            .collect();
        jobs.into_iter()
            .try_for_each(|job| job.join().expect("generator thread panicked"))
    })
}
