//! Exports that can be read only once: a named pipe, `-` (stdin) and `/dev/stdin` fed by a
//! pipe give the table a regular file gives, and messages and artifacts name the input as
//! the user gave it.

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// Long enough for a debug build on a busy machine; a hang fails instead of blocking.
const DEADLINE: Duration = Duration::from_secs(20);

/// Waits for `child` at most `DEADLINE`; past it, kills it (and `helper`, if any) and fails.
fn wait_bounded(mut child: Child, helper: Option<&mut Child>) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            if let Some(helper) = helper {
                let _ = helper.kill();
                let _ = helper.wait();
            }
            let output = child.wait_with_output().unwrap();
            panic!("still running after {DEADLINE:?}: {}", stderr(&output));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The binary in `work` on `args`, quiet, writing to `out`; stdout and stderr captured.
fn table_command(work: &Workdir, out: &str, args: &[&str]) -> Command {
    let mut command = work.command();
    command
        .args(["-q", "--out", out])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The binary on `args` with `bytes` written to its stdin (a pipe) by a thread of its own.
fn run_with_piped_stdin(work: &Workdir, out: &str, args: &[&str], bytes: Vec<u8>) -> Output {
    let mut child = table_command(work, out, args)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // The binary may fail before reading it all: a broken pipe is its error to report.
        let _ = stdin.write_all(&bytes);
    });
    let output = wait_bounded(child, None);
    writer.join().unwrap();
    output
}

/// The table of `base` read as a regular file, as layer 6, into `work/regular/`.
fn regular_table(work: &Workdir, base: &Path) -> Vec<u8> {
    let spec = format!("6={}", base.display());
    let output = table_command(work, "regular", &["--export", &spec])
        .output()
        .unwrap();
    assert_success(&output);
    read(work.join("regular/mdl-table.md"))
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        stderr(output)
    );
}

/// The `file` of each input manifest.json in `dir` lists.
fn manifest_inputs(dir: &Path) -> Vec<String> {
    let manifest: serde_json::Value = serde_json::from_slice(&read(dir.join("manifest.json"))).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    inputs
        .iter()
        .map(|input| input["file"].as_str().unwrap().to_string())
        .collect()
}

/// The distinct values of runs.csv's `file` column in `dir`.
fn runs_csv_files(dir: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "file")
        .unwrap();
    let mut files: Vec<String> = reader
        .records()
        .map(|row| row.unwrap()[column].to_string())
        .collect();
    files.dedup();
    files
}

fn base_export() -> Option<PathBuf> {
    seed_exports().map(|[layer6, ..]| layer6)
}

#[test]
fn a_named_pipe_export_gives_the_table_its_file_gives() {
    let Some(base) = base_export() else { return };
    let work = Workdir::new();
    let expected = regular_table(&work, &base);
    let fifo = work.join("layer6.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let mut writer = Command::new("sh")
        .args(["-c", "cat \"$1\" > \"$2\"", "sh"])
        .arg(&base)
        .arg(&fifo)
        .spawn()
        .unwrap();
    let spec = format!("6={}", fifo.display());
    let child = table_command(&work, "piped", &["--export", &spec])
        .spawn()
        .unwrap();
    let output = wait_bounded(child, Some(&mut writer));
    let _ = writer.kill();
    let _ = writer.wait();
    assert_success(&output);
    assert_eq!(read(work.join("piped/mdl-table.md")), expected);
    let shown = fifo.display().to_string();
    assert_eq!(manifest_inputs(&work.join("piped")), std::slice::from_ref(&shown));
    assert_eq!(runs_csv_files(&work.join("piped")), [shown]);
}

#[test]
fn an_export_of_dash_is_read_from_stdin_and_named_stdin() {
    let Some(base) = base_export() else { return };
    let work = Workdir::new();
    let expected = regular_table(&work, &base);
    let output = run_with_piped_stdin(&work, "stdin", &["--export", "6=-"], read(&base));
    assert_success(&output);
    assert_eq!(read(work.join("stdin/mdl-table.md")), expected);
    assert_eq!(manifest_inputs(&work.join("stdin")), ["stdin"]);
    assert_eq!(runs_csv_files(&work.join("stdin")), ["stdin"]);
}

#[test]
fn dev_stdin_fed_by_a_pipe_gives_the_table_its_file_gives() {
    let Some(base) = base_export() else { return };
    let work = Workdir::new();
    let expected = regular_table(&work, &base);
    let output = run_with_piped_stdin(&work, "devstdin", &["--export", "6=/dev/stdin"], read(&base));
    assert_success(&output);
    assert_eq!(read(work.join("devstdin/mdl-table.md")), expected);
    assert_eq!(manifest_inputs(&work.join("devstdin")), ["/dev/stdin"]);
}

#[test]
fn an_empty_stdin_is_named_stdin_in_the_error() {
    let work = Workdir::new();
    let output = run_with_piped_stdin(&work, "empty", &["--export", "6=-"], Vec::new());
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("stdin:1: the file is empty"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stdin_given_twice_is_a_usage_error() {
    let work = Workdir::new();
    let args = ["--export", "6=-", "--export", "7=-"];
    let output = run_with_piped_stdin(&work, "twice", &args, b"Name\n".to_vec());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("stdin"), "{}", stderr(&output));
    assert!(!work.join("twice").exists(), "a usage error wrote artifacts");
}

/// An endless stream of random bytes (line breaks here and there) is copied only to the end
/// of its first line, which is not text: reading refuses it at once, instead of copying
/// the stream until the temp folder fills.
#[test]
fn an_endless_stream_that_is_not_text_is_refused_at_its_header() {
    let work = Workdir::new();
    let child = table_command(&work, "out", &["--export", "6=/dev/urandom"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let output = wait_bounded(child, None);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("/dev/urandom"), "{}", stderr(&output));
}
