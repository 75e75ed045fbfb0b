//! What every request of a fetch passes through: at most `--concurrency` in flight at once,
//! and none while the server has asked the client to slow down (a 429, or a `Retry-After`):
//! one rate-limited request holds back the whole fetch, not only its own stream. It also
//! times each answer for the `Limiter`, whose estimate of the requests in flight worth
//! having tells a large layer's windows how far to spread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::limiter::{Answer, Limiter};

/// The requests in flight, and a pause the server asked for.
#[derive(Debug)]
pub struct Gate {
    permits: Semaphore,
    paused_until: Mutex<Option<Instant>>,
    in_flight: AtomicUsize,
    /// Requests let through so far.
    entered: AtomicUsize,
    limiter: Mutex<Limiter>,
    /// When the gate was made: what answers' times are told from.
    made: Instant,
}

/// A request let through: its slot is held until this drops.
pub struct Slot<'a> {
    gate: &'a Gate,
    _permit: SemaphorePermit<'a>,
    sent: Instant,
    /// Requests in flight when it went out, itself included.
    in_flight: usize,
    /// Requests let through before it, itself included.
    entered: usize,
}

impl Slot<'_> {
    /// The answer came in full: its time goes to the limiter.
    pub fn answered(self) {
        // Every request let through after it was out with it for a while.
        let since = self.gate.entered.load(Ordering::Relaxed) - self.entered;
        let answer = Answer {
            at: self.gate.made.elapsed(),
            took: self.sent.elapsed(),
            in_flight: self.in_flight + since,
        };
        lock(&self.gate.limiter).answered(answer);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.gate.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gate {
    /// A gate letting `in_flight` requests (at least one) through at once.
    pub fn new(in_flight: usize) -> Gate {
        Gate {
            permits: Semaphore::new(in_flight.max(1)),
            paused_until: Mutex::new(None),
            in_flight: AtomicUsize::new(0),
            entered: AtomicUsize::new(0),
            limiter: Mutex::new(Limiter::new(in_flight)),
            made: Instant::now(),
        }
    }

    /// Waits out any pause, then for a free slot; the slot is held until it drops.
    pub async fn enter(&self) -> Slot<'_> {
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
                let in_flight = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                let entered = self.entered.fetch_add(1, Ordering::Relaxed) + 1;
                return Slot {
                    gate: self,
                    _permit: permit,
                    sent: Instant::now(),
                    in_flight,
                    entered,
                };
            }
        }
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Requests in flight worth having now (the limiter's estimate), `None` before it has
    /// judged a round.
    pub fn worth(&self) -> Option<usize> {
        let limiter = lock(&self.limiter);
        limiter.judged().then(|| limiter.limit())
    }

    /// Holds every request not yet sent for `wait` from now (a longer pause already asked
    /// for stands).
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = lock(&self.paused_until);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    /// When the current pause ends; `None` when there is none.
    fn pause(&self) -> Option<Instant> {
        let paused = *lock(&self.paused_until);
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
            assert_eq!(gate.in_flight(), 2);
            let third = tokio::time::timeout(Duration::from_millis(50), gate.enter()).await;
            assert!(third.is_err(), "a third request got through a gate of two");
            drop(first);
            assert_eq!(gate.in_flight(), 1);
            let third = tokio::time::timeout(Duration::from_secs(5), gate.enter()).await;
            assert!(third.is_ok());
            assert_eq!(gate.worth(), None, "no answer yet");
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
