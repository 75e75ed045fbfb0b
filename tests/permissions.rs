//! Artifacts get the permissions any file the user writes gets (0666 less the umask), not a
//! temp file's owner-only 0600: a team, a web server or a CI job reading them must be able to.
#![cfg(unix)]

use crate::support;

use std::os::unix::fs::PermissionsExt;

use support::*;

fn modes_under_umask(umask: &str) -> Vec<(String, u32)> {
    let work = Workdir::new();
    let fixtures = root().join("fixtures/sae-sweeps");
    // The binary, run through `sh` to set the umask, in the harness's scrubbed environment.
    let binary = work.command();
    let mut shell = std::process::Command::new("sh");
    shell.current_dir(work.path());
    for (key, value) in binary.get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    shell
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(binary.get_program());
    for layer in [6, 7, 8] {
        shell.args([
            "--export",
            &format!(
                "{layer}={}",
                fixtures.join(format!("layer-{layer}.csv")).display()
            ),
        ]);
    }
    let output = shell.args(["--out", "out", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut modes: Vec<(String, u32)> = std::fs::read_dir(work.join("out"))
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            (entry.file_name().to_string_lossy().into_owned(), mode)
        })
        .collect();
    modes.sort();
    modes
}

#[test]
fn artifacts_are_as_readable_as_the_umask_allows() {
    let shared = modes_under_umask("022");
    assert!(shared.len() >= 8, "{shared:?}");
    for (name, mode) in &shared {
        assert_eq!(*mode, 0o644, "{name} under umask 022");
    }
    for (name, mode) in modes_under_umask("077") {
        assert_eq!(mode, 0o600, "{name} under umask 077");
    }
}
