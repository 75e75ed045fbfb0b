//! Writes a sweep of W&B run folders, as the SDK leaves them under `wandb/`:
//! `gen_run_folders DIR [RUNS] [online-older|online-newer|offline|mixed]` (default 100,
//! mixed: a third of each layout). For `scripts/bench_run_folders.sh` and by hand.

use std::path::PathBuf;

use mdl_fetch::synth::run_folders::{sweep, write_run_folder, Layout};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: gen_run_folders DIR [RUNS] [online-older|online-newer|offline|mixed]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let layouts: &[Layout] = match args.next().as_deref().unwrap_or("mixed") {
        "online-older" => &[Layout::OnlineOlder],
        "online-newer" => &[Layout::OnlineNewer],
        "offline" => &[Layout::Offline],
        _ => &[Layout::OnlineOlder, Layout::OnlineNewer, Layout::Offline],
    };
    for (i, mut spec) in sweep(runs, Layout::Offline, false).into_iter().enumerate() {
        spec.layout = layouts[i % layouts.len()];
        write_run_folder(&dir, &spec)?;
    }
    eprintln!("wrote {runs} run folders in {}", dir.display());
    Ok(())
}
