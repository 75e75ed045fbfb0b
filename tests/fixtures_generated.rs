//! The bundled sae-sweeps exports must stay exactly what `cargo run --example gen_sweep` writes, and `--offline` must replay them into a full table.

use crate::support;

use mdl_fetch::synth::{generate, write_export, SweepSpec};
use support::*;

/// The seed `examples/gen_sweep.rs` uses when none is given.
const GEN_SWEEP_SEED: u64 = 2025;

fn generated(layer: i64) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_export(
        &generate(&SweepSpec::seed_like(layer, GEN_SWEEP_SEED)),
        &mut bytes,
    )
    .unwrap();
    bytes
}

#[test]
fn bundled_fixtures_are_what_gen_sweep_writes() {
    for layer in [6, 7, 8] {
        let path = root().join(format!("fixtures/sae-sweeps/layer-{layer}.csv"));
        let committed = std::fs::read(&path).unwrap();
        let fresh = generated(layer);
        assert!(
            committed == fresh,
            "{} differs from the generator's output; regenerate with `cargo run --example gen_sweep -- fixtures/sae-sweeps`",
            path.display()
        );
        // The seed grid: header plus 23 runs, no trailing newline, every run of this layer.
        let text = String::from_utf8(committed).unwrap();
        assert_eq!(text.lines().count(), 24, "layer {layer}");
        assert!(!text.ends_with('\n'));
        assert!(text
            .lines()
            .skip(1)
            .all(|line| line.starts_with(&format!("\"blocks.{layer}.hook_resid_pre_12288_"))));
    }
}

#[test]
fn generator_output_depends_on_layer_and_seed() {
    // Guards the comparison above against a generator that ignores its inputs.
    assert_ne!(generated(6), generated(7));
    let mut other = Vec::new();
    write_export(
        &generate(&SweepSpec::seed_like(6, GEN_SWEEP_SEED + 1)),
        &mut other,
    )
    .unwrap();
    assert_ne!(generated(6), other);
}

#[test]
fn offline_profile_replays_the_bundled_fixtures_into_nine_rows() {
    let work = Workdir::new();
    let config = root().join("config/sae-sweeps.toml");
    let out = work.join("tables");
    let output = work.run(&[
        "--project",
        "sae-sweeps",
        "--offline",
        "--config",
        &config.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let markdown = std::fs::read_to_string(out.join("mdl-table.md")).unwrap();
    assert_eq!(stdout(&output), markdown);
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(lines.len(), 2 + 9, "{markdown}");
    assert_eq!(
        lines[0],
        "|   layer | activation   |   tolerance |   MDL(tolerance) |"
    );
    let keys: Vec<(String, String)> = lines[2..]
        .iter()
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let mut expected = Vec::new();
    for layer in ["6", "7", "8"] {
        for activation in ["batchtopk", "topafa", "topk"] {
            expected.push((layer.to_string(), activation.to_string()));
        }
    }
    assert_eq!(keys, expected);
    let mut reader = csv::Reader::from_path(out.join("mdl-table.csv")).unwrap();
    assert_eq!(reader.records().count(), 9);
    assert!(out.join("runs.csv").is_file());
    // Nothing lands in the work dir (the default out/ or cache/) when --out is given,
    // but the lock file that keeps two regenerations of tables/ apart.
    let mut stray: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "tables" && name != ".tables.mdl-fetch.lock")
        .collect();
    stray.sort();
    assert!(stray.is_empty(), "left behind: {stray:?}");
}
