//! What a person at a terminal sees while a fetch runs: a spinner until W&B answers, a bar
//! per layer, a retry's wait said on its line, and one closing line; and, piped, only the
//! closing line.

use crate::support;

use std::time::Duration;

use fake_wandb::*;
use support::pty::{run_on_terminal, run_on_terminal_sized, strip_escapes, COLUMNS};
use support::*;

/// 60 runs over layers 6-8 at 7 runs a page; layer 6's second page answers 503 once.
fn flaky_server(latency: Duration) -> FakeWandb {
    FakeWandb::start(FakeConfig {
        page_cap: 7,
        latency,
        faults: vec![FaultRule::once(
            Fault::Status(503),
            Trigger::RunsPage {
                page: 2,
                layer: Some(6),
            },
        )],
        ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
            runs: 60,
            ..SweepOptions::default()
        }))
    })
}

const CLOSING: &str = "wrote out/fake-project/ (10 files, 10 changed) from 60 runs in ";

#[test]
fn a_terminal_sees_the_spinner_then_the_bar_a_retry_wait_and_the_closing_line() {
    let server = flaky_server(Duration::from_millis(150));
    let work = Workdir::new();
    let mut command = fetch_command(&work, &server);
    command.env("MDL_FETCH_BACKOFF_BASE_MS", "700");
    let run = run_on_terminal(command);
    let frames = run.frames();
    let shown = frames.join("\n");
    assert!(run.status.success(), "{shown}");
    assert!(
        String::from_utf8_lossy(&run.stdout).starts_with("|   layer |"),
        "the table on stdout"
    );

    let first = |pattern: &str| frames.iter().position(|line| line.contains(pattern));
    let (asking, counting) = (first("layer   6 ⠁ asking W&B 0."), first("/20 runs, "));
    assert!(
        asking.is_some() && counting.is_some() && asking < counting,
        "the spinner comes first: {shown}"
    );
    assert!(
        frames
            .iter()
            .all(|line| line.starts_with("layer ") || line.starts_with(CLOSING)),
        "every frame a layer's line: {shown}"
    );
    let eta = frames.iter().find(|line| line.contains(" runs/s, ETA "));
    assert!(eta.is_some_and(|line| line.ends_with(" s")), "{shown}");
    let waiting = first("runs, waiting ").expect("a frame of the wait");
    assert!(
        frames[waiting].ends_with(" 7/20 runs, waiting 1 s: HTTP 503, attempt 2/8"),
        "{}",
        frames[waiting]
    );
    assert!(
        first("20/20 runs in ").is_some(),
        "finished bars say how long: {shown}"
    );
    let last = frames.last().unwrap();
    assert!(last.starts_with(CLOSING) && last.ends_with(" s"), "{last:?}");
}

#[test]
fn verbose_lines_print_above_the_bars_without_tearing_them() {
    let server = flaky_server(Duration::from_millis(20));
    let work = Workdir::new();
    let mut command = fetch_command(&work, &server);
    command.env("MDL_FETCH_BACKOFF_BASE_MS", "300").arg("-v");
    let run = run_on_terminal(command);
    // The screen as the terminal left it, once every cursor move and clear is applied.
    let mut terminal = vt100::Parser::new(40, COLUMNS, 0);
    terminal.process(&run.screen);
    let rows: Vec<String> = terminal
        .screen()
        .rows(0, COLUMNS)
        .map(|row| row.trim_end().to_string())
        .collect();
    let screen = rows.join("\n");
    assert!(run.status.success(), "{screen}");
    let lines: Vec<&str> = rows.iter().map(String::as_str).collect();
    let count = |start: &str| lines.iter().filter(|line| line.starts_with(start)).count();
    let retry: Vec<&&str> = lines
        .iter()
        .filter(|line| line.contains("retry 2/8 of "))
        .collect();
    assert!(
        retry.len() == 1
            && retry[0].starts_with("retry 2/8 of layer 6 page 2 in ")
            && retry[0].ends_with("s: HTTP 503"),
        "the retry said once, on a line of its own:\n{screen}"
    );
    for layer in ["layer   6 ", "layer   7 ", "layer   8 "] {
        assert_eq!(count(layer), 1, "one line per layer, none left behind:\n{screen}");
    }
    assert_eq!(count("fetching fake-entity/fake-project"), 1, "{screen}");
    assert!(lines.iter().any(|line| line.starts_with(CLOSING)), "{screen}");
}

#[test]
fn piped_stderr_gets_no_frames_only_the_closing_line() {
    let server = flaky_server(Duration::ZERO);
    let work = Workdir::new();
    let output = fetch_command(&work, &server)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "20")
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert_eq!(server.fault_count(&Fault::Status(503)), 1, "a retry happened");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(CLOSING), "{err}");
    // Off a terminal the closing line says when: a log of nightly runs has a time a line.
    let (_, time) = err
        .trim_end()
        .rsplit_once(" s at ")
        .expect("a time after the duration");
    assert!(
        humantime::parse_rfc3339(time).is_ok() && time.ends_with('Z'),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");

    // Replayed offline after two artifacts were spoilt: those two are changed, the rest
    // left alone; and --quiet says nothing at all.
    work.write("out/fake-project/mdl-table.md", "spoilt");
    work.write("out/fake-project/manifest.json", "spoilt");
    let again = fetch_command(&work, &server).arg("--offline").output().unwrap();
    let line = stderr(&again);
    assert!(
        line.starts_with("wrote out/fake-project/ (10 files, 2 changed) from 60 runs in "),
        "{line}"
    );
    let quiet = fetch_command(&work, &server).arg("-q").output().unwrap();
    assert!(
        quiet.status.success() && quiet.stderr.is_empty(),
        "{}",
        stderr(&quiet)
    );
}

#[test]
fn a_usage_error_on_a_terminal_is_red_with_the_help_hint_and_plain_under_no_color() {
    let work = Workdir::new();
    let mut command = work.command();
    command.arg("--bogus");
    let run = run_on_terminal(command);
    let screen = String::from_utf8_lossy(&run.screen).replace('\r', "");
    assert_eq!(run.status.code(), Some(2), "{screen}");
    assert!(
        screen.starts_with("\x1b[1m\x1b[31merror:\x1b[0m unexpected argument '--bogus' found"),
        "{screen:?}"
    );
    let lines: Vec<&str> = screen.lines().filter(|line| !line.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{screen:?}");
    assert_eq!(strip_escapes(lines[1]), "For more information, try '--help'.");

    let mut plain = work.command();
    plain.env("NO_COLOR", "1").arg("--bogus");
    let run = run_on_terminal(plain);
    let screen = String::from_utf8_lossy(&run.screen).into_owned();
    assert!(screen.starts_with("error: unexpected argument"), "{screen:?}");
    assert!(!screen.contains('\x1b'), "{screen:?}");
}

/// The ε tables on stdout name each run without its page's address when stdout is a pipe
/// (or a terminal: a link is 80 columns of address in every row); the report keeps the
/// links, and so does stdout sent into a file, which is then a markdown document.
#[test]
fn tables_on_a_pipe_name_runs_without_links_which_the_report_and_a_file_keep() {
    let work = Workdir::new();
    let export = Dataset::sweep(SweepOptions::default()).export_text(&[6, 7, 8]);
    work.write("sweep.csv", export);
    let args = [
        "--export",
        "sweep.csv",
        "--project",
        "fake-project",
        "--entity",
        "fake-entity",
        "--out",
        "out",
        "--tolerance",
        "3e-3",
    ];
    let piped = work.command().args(args).output().unwrap();
    ok(&piped);
    let shown = stdout(&piped);
    assert!(shown.contains("## MDL at tolerance ε = 0.003"), "{shown}");
    assert!(
        shown.contains("| `blocks.6.hook_resid_pre_12288_"),
        "names as code: {shown}"
    );
    assert!(!shown.contains("]("), "no links on a pipe: {shown}");
    let page = "](https://wandb.test/fake-entity/fake-project/runs/";
    let report = String::from_utf8(read(work.join("out/mdl-report.md"))).unwrap();
    assert!(report.contains(page), "{report}");
    let file = std::fs::File::create(work.join("printed.md")).unwrap();
    let into_file = work.command().args(args).stdout(file).output().unwrap();
    ok(&into_file);
    let printed = String::from_utf8(read(work.join("printed.md"))).unwrap();
    assert!(printed.contains(page), "{printed}");
}

/// On a terminal 60 columns wide every layer's line fits, in every face (the bar takes what
/// the words leave, a retry's reason is cut to fit, the pace is left out); and with one
/// request at a time, the layers not yet started are listed as waiting from the start.
#[test]
fn bars_fit_a_narrow_terminal_and_every_layer_is_listed_from_the_start() {
    let server = flaky_server(Duration::from_millis(60));
    let work = Workdir::new();
    let mut command = fetch_command(&work, &server);
    command
        .env("MDL_FETCH_BACKOFF_BASE_MS", "700")
        .args(["--concurrency", "1"]);
    let run = run_on_terminal_sized(command, 60);
    let pieces = run.frames();
    let shown = pieces.join("\n");
    assert!(run.status.success(), "{shown}");
    // Cut where the terminal wraps: a bar line too wide would leave a piece that is no
    // layer's line before the closing line (which may wrap: it is plain text).
    let closing = pieces
        .iter()
        .rposition(|piece| piece.starts_with("wrote "))
        .unwrap();
    for piece in &pieces[..closing] {
        assert!(
            piece.starts_with("layer "),
            "a line wrapped: {piece:?} in\n{shown}"
        );
    }
    let first = |pattern: &str| pieces.iter().position(|piece| piece.contains(pattern));
    let waiting = first("runs, waiting ").expect("a frame of the retry's wait");
    assert!(
        pieces[waiting].contains(" 7/20 runs, waiting 1 s: HTTP 503"),
        "{}",
        pieces[waiting]
    );
    assert!(
        first("/20 runs").is_some() && first("runs/s").is_none(),
        "no pace at 60 columns: {shown}"
    );
    // Layer 8 is listed, waiting, before layer 6 has its first run, and says nothing else
    // until its turn.
    let listed = first("layer   8 · waiting").expect("layer 8 listed as waiting");
    let counting = first("layer   6 ").and_then(|_| first("/20 runs")).unwrap();
    assert!(listed < counting, "{shown}");
    let own = |line: &&String| line.starts_with("layer   8 ") && !line.contains("· waiting");
    let started = pieces.iter().position(|line| own(&line)).unwrap();
    assert!(listed < started, "{shown}");
    assert!(
        first("layer   6 ").unwrap() <= listed + 2,
        "listed in the first drawing: {shown}"
    );
}
