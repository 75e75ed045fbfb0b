//! SIGINT and SIGTERM, for the whole run: the first asks the run to stop at its next safe
//! point (exit 130 or 143, nothing half-written); the last safe point is just before the
//! renames of a commit, after its syncs. A run that reaches no safe point within `GRACE`
//! (a stage busy for longer than that), or that gets a second signal, is ended by a
//! watchdog, which removes its temp files and lock files first; unless it is renaming
//! artifacts into place, which it finishes first: every file is staged as a temp file, so
//! ending it anywhere else leaves the old artifacts.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::{fail, Kind};

static PENDING: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();

/// How many SIGINTs and SIGTERMs have arrived: a second one ends the run at once.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// How long after the first signal the run may take to reach a safe point.
const GRACE: Duration = Duration::from_millis(1500);

/// How often the watchdog looks for a signal.
const POLL: Duration = Duration::from_millis(10);

/// Shared by every commit while it renames files into place; the watchdog takes it whole
/// before ending the run, so it waits for renames begun and no new ones begin.
static COMMIT_GATE: RwLock<()> = RwLock::new(());

/// Set by whoever prints the run's last line and exits, so only one does.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Installs the handlers; without this, signals keep their default effect.
pub fn install() {
    let pending = PENDING.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_usize(signal, Arc::clone(pending), signal as usize);
        // SAFETY: the action only adds to an atomic counter, which is async-signal-safe.
        let _ = unsafe {
            signal_hook::low_level::register(signal, || {
                RECEIVED.fetch_add(1, Ordering::SeqCst);
            })
        };
    }
    // A write past `ulimit -f` fails with EFBIG, to be reported with its path, instead of
    // the default SIGXFSZ killing the process.
    #[cfg(unix)]
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, Arc::new(AtomicBool::new(false)));
    std::thread::spawn(watchdog);
}

/// Ends the run `GRACE` after the first signal, or at a second one, if it has not ended
/// by itself; never in the middle of a commit's renames.
fn watchdog() {
    let signal = loop {
        if let Some(signal) = pending() {
            break signal;
        }
        std::thread::sleep(POLL);
    };
    let first_seen = Instant::now();
    while first_seen.elapsed() < GRACE && RECEIVED.load(Ordering::SeqCst) < 2 {
        std::thread::sleep(POLL);
    }
    // Held until the process ends: no commit begins its renames after this.
    let _no_more_commits = COMMIT_GATE.write().unwrap_or_else(|e| e.into_inner());
    run_cleanups();
    let message = format!(
        "interrupted by {}; stopped before the run finished: no artifact or cache file is half-written",
        signal_name(signal)
    );
    let tellers = TELLERS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for tell in tellers {
        tell(128 + signal, &format!("error: {message}"));
    }
    exit_with(128 + signal, Some(&crate::style::error(&message)));
}

/// What a forced exit runs first, since it skips destructors: each part of the program
/// that leaves files behind until it ends registers its own sweep (`on_forced_exit`), so
/// this module needs to know none of them.
static CLEANUPS: std::sync::Mutex<Vec<fn()>> = std::sync::Mutex::new(Vec::new());

/// Registers `cleanup` to run, in registration order, before the watchdog ends the run.
pub fn on_forced_exit(cleanup: fn()) {
    let mut cleanups = CLEANUPS.lock().unwrap_or_else(|e| e.into_inner());
    if !cleanups.contains(&cleanup) {
        cleanups.push(cleanup);
    }
}

/// Who is told how a forced exit ends (its exit code and error line): the run's log.
static TELLERS: std::sync::Mutex<Vec<Tell>> = std::sync::Mutex::new(Vec::new());

/// A forced exit's code and error line, told.
type Tell = fn(i32, &str);

/// Registers `tell` to be given the exit code and error line of a forced exit.
pub fn on_forced_exit_tell(tell: Tell) {
    TELLERS.lock().unwrap_or_else(|e| e.into_inner()).push(tell);
}

fn run_cleanups() {
    let cleanups = CLEANUPS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for cleanup in cleanups {
        cleanup();
    }
}

/// Prints `line` (if any) on stderr and exits with `code`, unless another thread is
/// already doing so, in which case this one waits for the process to end.
pub fn exit_with(code: i32, line: Option<&str>) -> ! {
    if EXITING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    if let Some(line) = line {
        eprintln!("{line}");
    }
    std::process::exit(code)
}

/// Runs `commit` (renames into place, which finish once begun) with the watchdog held
/// off, after a last look for a signal: one that has arrived by then, even during the syncs
/// before, fails with `what_is_safe` instead, and nothing is renamed.
pub fn while_committing<T>(
    what_is_safe: &str,
    commit: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let _committing = COMMIT_GATE.read().unwrap_or_else(|e| e.into_inner());
    check(what_is_safe)?;
    commit()
}

/// The signal received, if any.
pub fn pending() -> Option<i32> {
    let signal = PENDING.get()?.load(Ordering::SeqCst);
    (signal != 0).then_some(signal as i32)
}

/// Fails with the interrupted exit code when a signal has arrived.
pub fn check(what_is_safe: &str) -> anyhow::Result<()> {
    match pending() {
        Some(signal) => fail(
            Kind::Interrupted(signal),
            format!("interrupted by {}; {what_is_safe}", signal_name(signal)),
        ),
        None => Ok(()),
    }
}

/// How messages name `signal`: `SIGINT` (Ctrl-C) and `SIGTERM` (a scheduler's stop) as
/// `kill -l` spells them, any other by its number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT".into(),
        signal_hook::consts::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// Resolves when a signal has arrived (polled: the handlers only set a flag).
pub async fn wait() -> i32 {
    loop {
        if let Some(signal) = pending() {
            return signal;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
