//! What every request of a fetch passes through: at most `--concurrency` in flight at once,
//! and none while the server has asked the client to slow down (a 429, or a `Retry-After`):
//! one rate-limited request holds back the whole fetch, not only its own stream.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The requests in flight, and a pause the server asked for.
#[derive(Debug)]
pub struct Gate {
    permits: Semaphore,
    paused_until: Mutex<Option<Instant>>,
}

impl Gate {
    /// A gate letting `in_flight` requests (at least one) through at once.
    pub fn new(in_flight: usize) -> Gate {
        Gate {
            permits: Semaphore::new(in_flight.max(1)),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits out any pause, then for a free slot; the slot is held until the permit drops.
    pub async fn enter(&self) -> SemaphorePermit<'_> {
        loop {
            if let Some(until) = self.pause() {
                tokio::time::sleep_until(until).await;
                continue;
            }
            let permit = self
                .permits
                .acquire()
                .await
                .expect("the gate's semaphore is never closed");
            // A pause may have begun while this request waited for its slot.
            if self.pause().is_none() {
                return permit;
            }
        }
    }

    /// Holds every request not yet sent for `wait` from now (a longer pause already asked
    /// for stands).
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    /// When the current pause ends; `None` when there is none.
    fn pause(&self) -> Option<Instant> {
        let paused = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        paused.filter(|until| *until > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn no_more_than_the_slots_at_once() {
        runtime().block_on(async {
            let gate = Gate::new(2);
            let first = gate.enter().await;
            let _second = gate.enter().await;
            let third = tokio::time::timeout(Duration::from_millis(50), gate.enter()).await;
            assert!(third.is_err(), "a third request got through a gate of two");
            drop(first);
            let third = tokio::time::timeout(Duration::from_secs(5), gate.enter()).await;
            assert!(third.is_ok());
        });
    }

    #[test]
    fn a_pause_holds_back_every_request_until_it_ends() {
        runtime().block_on(async {
            let gate = Gate::new(8);
            let started = Instant::now();
            gate.pause_for(Duration::from_millis(300));
            gate.pause_for(Duration::from_millis(100)); // shorter: the longer pause stands
            let _permit = gate.enter().await;
            assert!(started.elapsed() >= Duration::from_millis(300));
            // Over: the next one goes at once.
            let again = Instant::now();
            let _other = gate.enter().await;
            assert!(again.elapsed() < Duration::from_millis(100));
        });
    }
}
