//! SIGINT and SIGTERM, for the whole run: the first asks the run to stop at its next safe
//! point (exit 130 or 143, nothing half-written); a second one exits at once. A run that
//! reaches no safe point within `GRACE` (a stage busy for longer than that) is ended by a
//! watchdog, unless it is renaming artifacts into place, which it finishes first: every
//! file is staged as a temp file, so ending it anywhere else leaves the old artifacts.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{fail, Kind};

static PENDING: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();

/// How long after the first signal the run may take to reach a safe point.
const GRACE: Duration = Duration::from_millis(1500);

/// Set while artifacts or the cache are renamed into place: the watchdog waits for it.
static COMMITTING: AtomicBool = AtomicBool::new(false);

/// Set by whoever prints the run's last line and exits, so only one does.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Installs the handlers; without this, signals keep their default effect.
pub fn install() {
    let pending = PENDING.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let as_flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // The order matters: the exit check runs before the flag is set, so only a
        // second signal finds it set.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&as_flag));
        let _ = signal_hook::flag::register(signal, as_flag);
        let _ = signal_hook::flag::register_usize(signal, Arc::clone(pending), signal as usize);
    }
    // A write past `ulimit -f` fails with EFBIG, to be reported with its path, instead of
    // the default SIGXFSZ killing the process.
    #[cfg(unix)]
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, Arc::new(AtomicBool::new(false)));
    std::thread::spawn(watchdog);
}

/// Ends the run `GRACE` after the first signal if it has not ended by itself.
fn watchdog() {
    let signal = loop {
        if let Some(signal) = pending() {
            break signal;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(GRACE);
    while COMMITTING.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    crate::store::lock::sweep_locked_dirs();
    crate::read::spool::sweep_spooled();
    let line = crate::style::error(&format!(
        "interrupted by signal {signal}; stopped before the run finished: no artifact or cache file is half-written"
    ));
    exit_with(128 + signal, Some(&line));
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

/// Runs `commit` with the watchdog held off: renames into place finish once begun.
pub fn while_committing<T>(commit: impl FnOnce() -> T) -> T {
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            COMMITTING.store(false, Ordering::SeqCst);
        }
    }
    COMMITTING.store(true, Ordering::SeqCst);
    let _done = Done;
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
            format!("interrupted by signal {signal}; {what_is_safe}"),
        ),
        None => Ok(()),
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
