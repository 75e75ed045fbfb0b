//! SIGINT and SIGTERM, for the whole run: the first asks the run to stop at its next safe
//! point (exit 130 or 143, nothing half-written); a second one exits at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::{fail, Kind};

static PENDING: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();

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
