//! `--offline` replays the project's cache; it falls back to the profile's bundled sample
//! exports only when no entity and no cache folder were named, and says so every time
//! (even with `--quiet`): a mistyped `--entity` or `--cache-dir` must not turn into a table
//! of sample runs with exit 0.

use crate::support;

use support::*;

fn offline(work: &Workdir, extra: &[&str]) -> std::process::Output {
    let config = root().join("config/sae-sweeps.toml");
    let mut args = vec!["--config", config.to_str().unwrap(), "--offline", "-q"];
    args.extend_from_slice(extra);
    work.run(&args)
}

#[test]
fn the_bundled_exports_are_replayed_only_when_nothing_was_named_and_it_is_said() {
    let work = Workdir::new();
    let output = offline(&work, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("note: no cache under cache: replaying the profile's bundled exports (")
            && err.contains("fixtures/sae-sweeps/layer-6.csv"),
        "{err}"
    );
    assert!(work.join("out/sae-sweeps/mdl-table.md").is_file());
}

#[test]
fn a_named_entity_or_cache_folder_without_a_cache_is_an_error() {
    for (extra, words) in [
        (
            &["--entity", "typo-lab"][..],
            &["for entity \"typo-lab\"", "under cache"][..],
        ),
        (&["--cache-dir", "elsewhere"], &["under elsewhere"]),
    ] {
        let work = Workdir::new();
        let output = offline(&work, extra);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(3), "{extra:?}: {err}");
        assert!(
            err.starts_with("error: no cache of project \"sae-sweeps\""),
            "{err}"
        );
        for word in words {
            assert!(err.contains(word), "{extra:?}: {err}");
        }
        assert!(!err.contains("bundled"), "{err}");
        assert!(!work.join("out/sae-sweeps/mdl-table.md").exists());
    }
    let work = Workdir::new();
    let output = work
        .command()
        .env("WANDB_ENTITY", "env-lab")
        .args([
            "--config",
            root().join("config/sae-sweeps.toml").to_str().unwrap(),
            "--offline",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}
