//! `mdl-fetch schedule cron|systemd|github`, each unit through its own checker: the cron
//! line's command run once by `sh` as cron would (another folder, cron's PATH), writing its
//! log line; the systemd units through `systemd-analyze verify`; the workflow parsed as YAML
//! and its steps run. And `--log`'s line per run, however the run ends.

use crate::support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use support::*;

/// `--config` and `--export` for the bundled profile and its exports (no key, no server).
fn bundled() -> Vec<String> {
    let mut args = vec![
        "--config".to_string(),
        root().join("config/sae-sweeps.toml").display().to_string(),
    ];
    for layer in [6, 7, 8] {
        let export = root().join(format!("fixtures/sae-sweeps/layer-{layer}.csv"));
        args.extend(["--export".to_string(), format!("{layer}={}", export.display())]);
    }
    args
}

/// `mdl-fetch schedule ARGS` in `work` for the bundled exports, at 04:05.
fn schedule(work: &Workdir, args: &[&str]) -> Output {
    (work.command().arg("schedule").args(args))
        .args(bundled())
        .args(["--at", "04:05"])
        .output()
        .unwrap()
}

/// Whether a crontab time field is `*` or a whole number within `range`.
fn cron_field(field: &str, range: std::ops::RangeInclusive<u32>) -> bool {
    field == "*" || field.parse::<u32>().is_ok_and(|n| range.contains(&n))
}

/// The crontab line's schedule (five fields, checked) and command, as cron hands it to
/// `sh -c` (`\%` back to `%`).
fn parse_cron_line(line: &str) -> (Vec<String>, String) {
    let mut rest = line.trim_start();
    let mut fields = Vec::new();
    for _ in 0..5 {
        let (field, after) = rest.split_once(' ').expect("five time fields and a command");
        fields.push(field.to_string());
        rest = after.trim_start();
    }
    let ranges = [0..=59, 0..=23, 1..=31, 1..=12, 0..=7];
    for (field, range) in fields.iter().zip(ranges) {
        assert!(cron_field(field, range), "{field} in {line}");
    }
    (fields, rest.replace(r"\%", "%"))
}

/// The log's lines: each `TIME exit CODE: WHAT`, TIME in RFC 3339 (UTC, seconds).
fn log_lines(path: &Path) -> Vec<(i32, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    (text.lines())
        .map(|line| {
            let (time, rest) = line.split_once(" exit ").expect("TIME exit CODE: WHAT");
            assert!(
                humantime::parse_rfc3339(time).is_ok() && time.ends_with('Z'),
                "{line}"
            );
            let (code, what) = rest.split_once(": ").expect("CODE: WHAT");
            (code.parse().unwrap(), what.to_string())
        })
        .collect()
}

#[test]
fn the_cron_lines_command_runs_as_cron_runs_it_and_logs_a_line_per_run() {
    let work = Workdir::new();
    let output = schedule(&work, &["cron"]);
    ok(&output);
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|line| !line.starts_with('#'))
        .expect("a crontab line");
    let (fields, command) = parse_cron_line(line);
    assert_eq!(fields, ["5", "4", "*", "*", "*"]);
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_mdl-fetch")).unwrap();
    assert!(
        command.contains(&format!(" {} ", binary.display())),
        "by absolute path: {command}"
    );
    let here = work.path().display().to_string();
    let out = format!("{here}/out/sae-sweeps");
    for flag in [format!("--out {out} "), format!("--cache-dir {here}/cache ")] {
        assert!(command.contains(&flag), "{flag} in {command}");
    }
    // As cron runs it: sh -c, from the home folder, with cron's PATH and little else.
    let run = || {
        Command::new("/bin/sh")
            .args(["-c", &command])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", work.path())
            .current_dir("/")
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let ran = run();
        assert!(ran.status.success(), "{}", stderr(&ran));
        assert!(ran.stdout.is_empty(), "--quiet: {}", stdout(&ran));
    }
    assert!(work.join("out/sae-sweeps/mdl-table.md").is_file());
    let log = work.join("mdl-fetch.log");
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let wrote = |changed: usize| format!("wrote {out}/ (10 files, {changed} changed) from 69 runs in ");
    assert!(lines[0].0 == 0 && lines[0].1.starts_with(&wrote(10)), "{lines:?}");
    assert!(lines[1].0 == 0 && lines[1].1.starts_with(&wrote(0)), "{lines:?}");
    // A failing night logs its error line and exit code too.
    std::fs::remove_dir_all(work.join("out/sae-sweeps")).unwrap();
    work.write("out/sae-sweeps", "not a folder");
    assert_eq!(run().status.code(), Some(2));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[2].0, 2);
    assert!(
        lines[2].1.starts_with(&format!("error: --out {out} is a file")),
        "{lines:?}"
    );
}

#[test]
fn the_systemd_units_pass_systemd_analyze_verify() {
    let work = Workdir::new();
    let output = schedule(&work, &["systemd", "--to", "units", "--incremental"]);
    ok(&output);
    let service = work.join("units/mdl-fetch-sae-sweeps.service");
    let timer = work.join("units/mdl-fetch-sae-sweeps.timer");
    let unit = String::from_utf8(read(&service)).unwrap();
    assert!(
        unit.contains(&format!("WorkingDirectory={}\n", work.path().display())),
        "{unit}"
    );
    assert!(
        unit.contains("\nExecStart=/"),
        "the binary by absolute path: {unit}"
    );
    assert!(unit.contains(" --incremental --out /"), "{unit}");
    assert!(String::from_utf8(read(&timer))
        .unwrap()
        .contains("OnCalendar=*-*-* 04:05:00\n"));
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "skipping systemd-analyze verify: systemd-analyze is not installed (apt-get install systemd)"
        );
        return;
    }
    let verify = |files: &[&Path]| {
        Command::new("systemd-analyze")
            .arg("verify")
            .args(files)
            .output()
            .unwrap()
    };
    let verified = verify(&[&timer, &service]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    // The checker does check: a unit whose binary is no absolute path fails it.
    let broken = work.write(
        "broken/mdl-fetch-sae-sweeps.service",
        unit.replace("\nExecStart=/", "\nExecStart="),
    );
    assert!(!verify(&[&broken]).status.success());
}

/// A step of the workflow with `key` equal to `value`.
fn step<'a>(steps: &'a [serde_yaml_ng::Value], key: &str, value: &str) -> &'a serde_yaml_ng::Value {
    (steps.iter())
        .find(|step| step[key].as_str().is_some_and(|text| text.starts_with(value)))
        .unwrap_or_else(|| panic!("no step with {key}: {value} in {steps:?}"))
}

#[test]
fn the_github_workflow_parses_and_its_steps_check_make_and_commit_the_tables() {
    let work = Workdir::new();
    std::fs::create_dir(work.join(".git")).unwrap();
    let output = schedule(&work, &["github", "--git", "https://example.org/mdl-fetch"]);
    ok(&output);
    let text = stdout(&output);
    let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(workflow["on"]["schedule"][0]["cron"], "5 4 * * *");
    assert_eq!(workflow["permissions"]["contents"], "write");
    let job = &workflow["jobs"]["tables"];
    assert_eq!(job["env"]["WANDB_API_KEY"], "${{ secrets.WANDB_API_KEY }}");
    let steps = job["steps"].as_sequence().unwrap();
    step(steps, "uses", "actions/checkout@");
    let install = step(steps, "name", "install mdl-fetch");
    let expected = "cargo install --locked --git https://example.org/mdl-fetch mdl-fetch";
    assert_eq!(install["run"], expected);
    let cache = step(steps, "uses", "actions/cache@");
    assert_eq!(cache["with"]["path"], "cache");
    let check = step(steps, "id", "check");
    let make = step(steps, "name", "make the tables");
    let commit = step(steps, "name", "commit the changed tables");
    assert_eq!(make["if"], "steps.check.outputs.status == '20'");
    assert_eq!(commit["if"], make["if"]);
    let commit_run = commit["run"].as_str().unwrap();
    assert!(commit_run.contains("git add -- out/sae-sweeps\n") && commit_run.contains("git push"));

    // The check and make steps, run as a runner would run them (bash, with mdl-fetch on
    // PATH): stale before the first tables (20), then up to date (0).
    let bin = work.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mdl-fetch"), bin.join("mdl-fetch")).unwrap();
    let run_step = |step: &serde_yaml_ng::Value| {
        let outputs = work.write("github-output", "");
        let ran = Command::new("bash")
            .args(["-e", "-c", step["run"].as_str().unwrap()])
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", work.path())
            .env("GITHUB_OUTPUT", &outputs)
            .current_dir(work.path())
            .output()
            .unwrap();
        assert!(ran.status.success(), "{}", stderr(&ran));
        String::from_utf8(read(&outputs)).unwrap()
    };
    assert_eq!(run_step(check), "status=20\n");
    run_step(make);
    assert!(work.join("out/sae-sweeps/mdl-table.md").is_file());
    assert_eq!(run_step(check), "status=0\n");
}

#[test]
fn the_github_workflow_can_install_with_pip_and_run_in_a_subfolder() {
    let work = Workdir::new();
    std::fs::create_dir(work.join(".git")).unwrap();
    std::fs::create_dir(work.join("paper")).unwrap();
    let output = work
        .command()
        .current_dir(work.join("paper"))
        .args([
            "schedule",
            "github",
            "--pip",
            "mdl-fetch @ git+https://example.org/mdl-fetch",
        ])
        .args(bundled())
        .output()
        .unwrap();
    ok(&output);
    let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&stdout(&output)).unwrap();
    let job = &workflow["jobs"]["tables"];
    assert_eq!(job["defaults"]["run"]["working-directory"], "paper");
    let steps = job["steps"].as_sequence().unwrap();
    step(steps, "uses", "actions/setup-python@");
    let install = step(steps, "name", "install mdl-fetch");
    assert_eq!(
        install["run"],
        "python -m pip install 'mdl-fetch @ git+https://example.org/mdl-fetch'"
    );
    // actions/cache names paths from the checkout's root, the steps from the subfolder.
    assert_eq!(
        step(steps, "uses", "actions/cache@")["with"]["path"],
        "paper/cache"
    );
    let make = step(steps, "name", "make the tables")["run"].as_str().unwrap();
    assert!(
        make.ends_with(" --out out/sae-sweeps --cache-dir cache"),
        "{make}"
    );
}

#[test]
fn a_log_that_cannot_be_opened_is_exit_4_naming_it_and_a_piped_closing_line_has_a_time() {
    let work = Workdir::new();
    let spec = one_run_export(&work);
    let failed = work.run(&["--export", &spec, "--out", "out", "--log", "no/such/folder/x.log"]);
    assert_eq!(failed.status.code(), Some(4));
    let said = stderr(&failed);
    assert!(
        said.starts_with("error: no/such/folder/x.log: cannot open the log: "),
        "{said}"
    );
    assert!(!work.join("out").exists(), "nothing was done: {said}");
    // Off a terminal, the closing line ends with the time; --check logs its verdict.
    let wrote = work.run(&["--export", &spec, "--out", "out", "--log", "runs.log"]);
    ok(&wrote);
    let line = stderr(&wrote);
    let (_, time) = line.trim_end().rsplit_once(" at ").expect("a time");
    assert!(
        line.starts_with("wrote out/ (") && humantime::parse_rfc3339(time).is_ok(),
        "{line}"
    );
    let checked = work.run(&[
        "--export", &spec, "--out", "out", "--check", "-q", "--log", "runs.log",
    ]);
    ok(&checked);
    assert!(checked.stderr.is_empty(), "{}", stderr(&checked));
    let lines = log_lines(&work.join("runs.log"));
    assert_eq!(lines[1], (0, "out: artifacts are up to date".to_string()));
    work.write("out/mdl-table.md", "spoilt");
    let stale = work.run(&[
        "--export", &spec, "--out", "out", "--check", "-q", "--log", "runs.log",
    ]);
    assert_eq!(stale.status.code(), Some(20));
    let lines = log_lines(&work.join("runs.log"));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2].0, 20);
    assert!(
        lines[2]
            .1
            .starts_with("error: 1 of the artifacts in out are out of date"),
        "{lines:?}"
    );
}
