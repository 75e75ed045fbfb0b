//! Exports cut into pieces read at once give exactly what reading them whole gives: the
//! same artifacts (runs.csv and its line numbers included), the same manifest digests, the
//! same skips, and the same first error. In process, through the one reading path
//! (`Replayer`) with a plan that cuts even small files, in any build; and through the
//! binary, whose debug builds cut small files into `MDL_FETCH_TEST_PIECES` pieces.

use crate::support;

use clap::Parser;
use mdl_fetch::config::cli::Cli;
use mdl_fetch::config::resolve::Env;
use mdl_fetch::config::settings::Settings;
use mdl_fetch::read::parallel::ReadPlan;
use mdl_fetch::read::replay::Replayer;
use mdl_fetch::runs_csv_sink::RunsCsvSink;
use mdl_fetch::store::staging::Staging;
use support::*;

const HEADER: &str = "\"Name\",\"l0_norm\",\"l2_loss\"";

/// A seed-like export of `rows` runs, whose names say no layer (the file's `LAYER=` gives
/// it); `quirk` shapes row `i`.
fn export(rows: usize, line_end: &str, quirk: impl Fn(usize) -> Option<String>) -> String {
    let mut text = format!("{HEADER}{line_end}");
    for i in 0..rows {
        let row = quirk(i).unwrap_or_else(|| {
            let activation = ["topk", "relu", "batchtopk"][i % 3];
            let l0 = 10 + (i * 37) % 500;
            let error = 0.001 + ((i * 7919) % 1000) as f64 * 1e-6;
            format!(
                "\"hook_resid_pre_12288_{activation}_{}_0.0\",\"{l0}\",\"{error}\"",
                16 << (i % 4)
            )
        });
        text.push_str(&row);
        text.push_str(line_end);
    }
    text
}

/// Exit code, stderr and every artifact's bytes (the manifest's time left out).
type Outcome = (Option<i32>, String, Vec<(String, Vec<u8>)>);

fn outcome(work: &Workdir, files: &[&str], pieces: usize) -> Outcome {
    let out = format!("out-{pieces}");
    let mut command = work.command();
    for (layer, file) in files.iter().enumerate() {
        command.args(["--export", &format!("{}={file}", layer + 6)]);
    }
    command
        .args(["--out", &out, "-q"])
        .env("MDL_FETCH_TEST_PIECES", pieces.to_string());
    let output = command.output().unwrap();
    let mut artifacts = Vec::new();
    for name in TABLE_ARTIFACTS {
        if let Ok(bytes) = std::fs::read(work.join(&out).join(name)) {
            artifacts.push((name.to_string(), bytes));
        }
    }
    if let Ok(text) = std::fs::read_to_string(work.join(&out).join("manifest.json")) {
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let kept = serde_json::json!([manifest["inputs"], manifest["outputs"], manifest["skipped"]]);
        artifacts.push(("manifest".into(), kept.to_string().into_bytes()));
    }
    let stderr = stderr(&output).replace(&format!("out-{pieces}"), "out");
    (output.status.code(), stderr, artifacts)
}

/// What the one reading path gives for `files` under `plan`, in process: the groups, skips
/// and inputs (debug-printed), runs.csv's bytes, or the error line.
fn read_in_process(work: &Workdir, files: &[&str], plan: ReadPlan) -> Result<(String, Vec<u8>), String> {
    let mut args = vec!["mdl-fetch".to_string()];
    for (layer, file) in files.iter().enumerate() {
        let path = work.join(file);
        let path = if path.exists() {
            path.display().to_string()
        } else {
            file.to_string()
        };
        args.extend(["--export".to_string(), format!("{}={path}", layer + 6)]);
    }
    let cli = Cli::try_parse_from(args).unwrap();
    let settings = Settings::load(&cli.table, &Env::process()).unwrap();
    let staging = Staging::detached(&work.join("never-written")).unwrap();
    let runs_csv = RunsCsvSink { staging: &staging };
    let replay = Replayer::with_plan(settings.read_job(), &runs_csv, plan)
        .finish(&settings.inputs.exports)
        .map_err(|e| format!("{e:#}"))?;
    let runs_csv = replay
        .runs_csv
        .as_ref()
        .map(|(file, _)| std::fs::read(file.path()).unwrap())
        .unwrap_or_default();
    let summary = format!("{:?}\n{:?}\n{:?}", replay.groups, replay.skips, replay.files);
    Ok((summary, runs_csv))
}

/// In process, in any build: 2, 3, 5, 16 and 64 pieces of any size give what one whole read
/// gives (jobs = 1, the sequential path).
fn assert_same_in_process(work: &Workdir, files: &[&str], expect_ok: bool) {
    let whole = read_in_process(
        work,
        files,
        ReadPlan {
            jobs: 1,
            min_piece_bytes: u64::MAX,
        },
    );
    assert_eq!(whole.is_ok(), expect_ok, "{files:?}: {whole:?}");
    for jobs in [2, 3, 5, 16, 64] {
        let cut = read_in_process(
            work,
            files,
            ReadPlan {
                jobs,
                min_piece_bytes: 1,
            },
        );
        assert!(
            cut == whole,
            "{files:?} in {jobs} pieces: {cut:?}\nwhole: {whole:?}"
        );
    }
}

fn assert_same_in_pieces(work: &Workdir, files: &[&str], expect_ok: bool) {
    assert_same_in_process(work, files, expect_ok);
    let whole = outcome(work, files, 1);
    assert_eq!(whole.0 == Some(0), expect_ok, "{files:?}: {}", whole.1);
    for pieces in [2, 3, 5, 16, 64] {
        let cut = outcome(work, files, pieces);
        assert_eq!(cut.0, whole.0, "{files:?} in {pieces} pieces: {}", cut.1);
        assert_eq!(cut.1, whole.1, "{files:?} in {pieces} pieces: messages differ");
        assert_eq!(cut.2.len(), whole.2.len(), "{files:?} in {pieces} pieces");
        for ((name, a), (_, b)) in cut.2.iter().zip(&whole.2) {
            assert!(a == b, "{files:?} in {pieces} pieces: {name} differs");
        }
    }
}

#[test]
fn pieces_give_what_the_whole_file_gives() {
    let work = Workdir::new();
    work.write("plain.csv", export(400, "\n", |_| None));
    work.write(
        "crlf-bom.csv",
        format!("\u{feff}{}", export(300, "\r\n", |_| None)),
    );
    // Names with line breaks (and quotes) in them: cuts land inside quoted fields.
    work.write(
        "newlines.csv",
        export(300, "\n", |i| {
            (i % 4 == 1).then(|| {
                format!(
                    "\"block-6.x\n\n\"\"q\"\"_12288_topk_{}_0.0\",\"{}\",\"0.00{}\"",
                    32 + i,
                    20 + i,
                    100 + i
                )
            })
        }),
    );
    // Unparseable names and a missing layer: skipped, and reported in order.
    work.write(
        "skips.csv",
        export(300, "\n", |i| {
            (i % 29 == 3).then(|| format!("\"bad-name-{i}\",\"5\",\"0.1\""))
        }),
    );
    let fixtures = root().join("fixtures/sae-sweeps");
    let fixture = |layer: i32| fixtures.join(format!("layer-{layer}.csv")).display().to_string();
    assert_same_in_pieces(&work, &["plain.csv"], true);
    assert_same_in_pieces(&work, &["crlf-bom.csv", "plain.csv"], true);
    assert_same_in_pieces(&work, &["newlines.csv"], true);
    assert_same_in_pieces(&work, &["skips.csv", "newlines.csv", "crlf-bom.csv"], true);
    assert_same_in_pieces(&work, &[&fixture(6), &fixture(7), &fixture(8)], true);
}

#[test]
fn pieces_report_the_first_error_a_whole_read_reports() {
    let work = Workdir::new();
    let bad_at = |at: usize| {
        move |i: usize| (i == at).then(|| "\"blocks.6.x_12288_topk_32_0.0\",\"many\",\"0.1\"".to_string())
    };
    work.write("bad-early.csv", export(300, "\n", bad_at(5)));
    work.write("bad-late.csv", export(300, "\n", bad_at(290)));
    work.write(
        "two-bad.csv",
        export(300, "\n", |i| bad_at(120)(i).or_else(|| bad_at(250)(i))),
    );
    work.write(
        "short-row.csv",
        export(300, "\n", |i| (i == 200).then(|| "\"a_topk_1_0\",\"1\"".into())),
    );
    let mut unclosed = export(200, "\n", |_| None);
    unclosed.push_str("\"blocks.6.x_12288_topk_32_0.0\",\"5\",\"0.1\n\"b\",\"2\",\"3\"\n");
    work.write("unclosed.csv", unclosed);
    for files in [
        &["bad-early.csv"][..],
        &["bad-late.csv"],
        &["two-bad.csv"],
        &["short-row.csv"],
        &["unclosed.csv"],
        &["bad-late.csv", "bad-early.csv"],
    ] {
        assert_same_in_pieces(&work, files, false);
    }
}

/// A reader thread that panics ends the run with the panic; the digest waiting for the
/// piece it was reading does not wait for ever.
#[test]
fn a_panic_in_a_first_piece_ends_the_run_instead_of_hanging() {
    if !has_test_hooks("a_panic_in_a_first_piece_ends_the_run_instead_of_hanging") {
        return;
    }
    let work = Workdir::new();
    work.write("a.csv", export(300, "\n", |_| None));
    let mut child = work
        .command()
        .args(["--export", "6=a.csv", "--out", "out", "-q", "--log", "runs.log"])
        .env("MDL_FETCH_TEST_PIECES", "2")
        .env("MDL_FETCH_TEST_PANIC_FIRST_PIECE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("mdl-fetch still runs a minute after its reader panicked");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(101), "{stderr}");
    assert!(stderr.contains("a first piece panicked"), "{stderr}");
    assert!(!work.join("out").join("mdl-table.md").exists());
    // A scheduler's log says it too, with the same exit code.
    let log = String::from_utf8(read(work.join("runs.log"))).unwrap();
    assert!(
        log.contains(" exit 101: panic (a bug; please report it)"),
        "{log}"
    );
}
