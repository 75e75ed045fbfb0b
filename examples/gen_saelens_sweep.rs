//! Writes the synthetic SAELens-style sweep as a W&B web-page export:
//! `gen_saelens_sweep [OUT.csv] [RUNS] [SEED]`. Without arguments it writes the committed
//! fixture, `fixtures/saelens-sweep/export.csv` (`scripts/saelens_expected.py` then makes
//! its expected table with pandas).

use std::io::Write;
use std::path::PathBuf;

use mdl_fetch::synth::saelens::{sweep, write_export, FIXTURE_RUNS, FIXTURE_SEED};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "fixtures/saelens-sweep/export.csv".into()),
    );
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(FIXTURE_RUNS);
    let seed: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(FIXTURE_SEED);
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    write_export(&sweep(seed, runs), &mut file)?;
    file.flush()?;
    eprintln!("wrote {} ({runs} runs, seed {seed})", path.display());
    Ok(())
}
