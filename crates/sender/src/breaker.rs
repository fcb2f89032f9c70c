//! The circuit breaker: when the endpoint stops accepting connections, stop treating each
//! request alone.
//!
//! A refused connection never uses up one of a request's attempts (`max_attempts` counts
//! attempts that reached the endpoint, or failed in a way that says nothing about it): the
//! down-timeout bounds connection failures instead, so an endpoint that comes back within it
//! loses nothing.
//!
//! Closed (normal): every request is attempted and retried on its own. After
//! [`OPEN_AFTER`] connection failures in a row (refused, DNS, TLS, reset while connecting;
//! any HTTP response, whatever its status, is a working connection) the breaker opens:
//! requests wait instead of using up their attempts, and one of them at a time is let through
//! as a probe, at growing intervals ([`FIRST_PROBE`] doubling to [`MAX_PROBE`]). A probe that
//! gets a response closes the breaker and every waiting request goes on. When the failures
//! have lasted [`Breaker::down_timeout`] since the first of them, the endpoint is declared
//! down: every waiting and later request gives up at once ([`crate::SendError::Unreachable`])
//! and [`crate::Sender::run`] stops taking input. So from the endpoint dying to the run
//! ending takes about the down-timeout, whatever the number of requests left.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Connection failures in a row (across all requests) that open the breaker.
pub const OPEN_AFTER: u32 = 3;
/// The first probe interval once open; it doubles up to [`MAX_PROBE`].
pub const FIRST_PROBE: Duration = Duration::from_millis(200);
pub const MAX_PROBE: Duration = Duration::from_secs(2);

/// What an attempt says about the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// An HTTP response came back (any status).
    Connected,
    /// The connection could not be made.
    ConnectFailed,
    /// Neither (a timeout, an invalid request): says nothing about the endpoint.
    Unknown,
}

/// Permission to make one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permit {
    Normal,
    /// The breaker is open and this attempt is its probe: report it with [`Breaker::record`].
    Probe,
}

#[derive(Debug)]
struct State {
    failures_in_a_row: u32,
    /// When the current run of connection failures began.
    failing_since: Option<Instant>,
    open: bool,
    probing: bool,
    next_probe: Instant,
    probe_interval: Duration,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    down_timeout: Duration,
    state: Mutex<State>,
    changed: Notify,
    /// Cancelled once the endpoint is declared down.
    down: CancellationToken,
}

impl Breaker {
    pub(crate) fn new(down_timeout: Duration) -> Breaker {
        Breaker {
            down_timeout,
            state: Mutex::new(State {
                failures_in_a_row: 0,
                failing_since: None,
                open: false,
                probing: false,
                next_probe: Instant::now(),
                probe_interval: FIRST_PROBE,
            }),
            changed: Notify::new(),
            down: CancellationToken::new(),
        }
    }

    /// Cancelled when the endpoint is declared down.
    pub(crate) fn down(&self) -> &CancellationToken {
        &self.down
    }

    pub(crate) fn down_timeout(&self) -> Duration {
        self.down_timeout
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data, always left whole: a panic elsewhere does not spoil it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wait until an attempt may be made. `None`: the endpoint is down.
    pub(crate) async fn admit(&self) -> Option<Permit> {
        loop {
            let notified = self.changed.notified();
            let wake_at = {
                let mut s = self.lock();
                if self.down.is_cancelled() {
                    return None;
                }
                if !s.open {
                    return Some(Permit::Normal);
                }
                let now = Instant::now();
                let deadline = s.failing_since.map(|t| t + self.down_timeout);
                if deadline.is_some_and(|d| now >= d) {
                    self.declare_down();
                    return None;
                }
                if !s.probing && now >= s.next_probe {
                    s.probing = true;
                    return Some(Permit::Probe);
                }
                match (s.probing, deadline) {
                    (false, Some(d)) => s.next_probe.min(d),
                    (false, None) => s.next_probe,
                    (true, Some(d)) => d,
                    (true, None) => now + MAX_PROBE,
                }
            };
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(wake_at) => {}
                _ = self.down.cancelled() => return None,
            }
        }
    }

    /// Report an attempt that began at `started`. Returns whether the breaker is open
    /// afterwards (the caller then waits in [`Breaker::admit`] instead of spending one of its
    /// attempts).
    ///
    /// A response to an attempt that began before the current run of connection failures says
    /// nothing about the endpoint now (it was sent while the endpoint was still up, and answered
    /// just as it went down), so it does not end that run: otherwise a few such late answers,
    /// interleaved with the first failures, would keep the breaker closed while other requests
    /// use up their attempts on refused connections.
    pub(crate) fn record(&self, signal: Signal, permit: Permit, started: Instant) -> bool {
        let mut s = self.lock();
        let now = Instant::now();
        if permit == Permit::Probe {
            s.probing = false;
        }
        match signal {
            Signal::Connected if s.failing_since.is_some_and(|since| started < since) => {}
            Signal::Connected => {
                let was_open = s.open;
                s.failures_in_a_row = 0;
                s.failing_since = None;
                s.open = false;
                s.probe_interval = FIRST_PROBE;
                if was_open {
                    self.changed.notify_waiters();
                }
            }
            Signal::ConnectFailed => {
                s.failures_in_a_row = s.failures_in_a_row.saturating_add(1);
                let since = *s.failing_since.get_or_insert(now);
                if !s.open && s.failures_in_a_row >= OPEN_AFTER {
                    s.open = true;
                    s.next_probe = now + s.probe_interval;
                }
                if permit == Permit::Probe {
                    s.next_probe = now + s.probe_interval;
                    s.probe_interval = (s.probe_interval * 2).min(MAX_PROBE);
                }
                if now >= since + self.down_timeout {
                    self.declare_down();
                }
            }
            Signal::Unknown => {
                if permit == Permit::Probe {
                    s.next_probe = now;
                    self.changed.notify_waiters();
                }
            }
        }
        s.open
    }

    fn declare_down(&self) {
        self.down.cancel();
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_probes_closes_and_declares_down() {
        let b = Breaker::new(Duration::from_secs(5));
        for _ in 0..OPEN_AFTER - 1 {
            assert!(!b.record(Signal::ConnectFailed, Permit::Normal, Instant::now()));
        }
        assert_eq!(b.admit().await, Some(Permit::Normal));
        assert!(
            b.record(Signal::ConnectFailed, Permit::Normal, Instant::now()),
            "open"
        );
        // Open: the next admission is a probe, after the first interval.
        let t = Instant::now();
        assert_eq!(b.admit().await, Some(Permit::Probe));
        assert_eq!(t.elapsed(), FIRST_PROBE);
        // The probe succeeds: closed, waiting requests go on.
        assert!(!b.record(Signal::Connected, Permit::Probe, Instant::now()));
        assert_eq!(b.admit().await, Some(Permit::Normal));

        // Down for good: probes fail until the down-timeout, then everything gives up.
        let start = Instant::now();
        for _ in 0..OPEN_AFTER {
            b.record(Signal::ConnectFailed, Permit::Normal, Instant::now());
        }
        while let Some(p) = b.admit().await {
            assert_eq!(p, Permit::Probe);
            b.record(Signal::ConnectFailed, p, Instant::now());
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_secs(5) && took <= Duration::from_secs(5) + MAX_PROBE,
            "{took:?}"
        );
        assert!(b.down().is_cancelled());
        assert_eq!(b.admit().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_response_of_any_status_resets_the_count() {
        let b = Breaker::new(Duration::from_secs(5));
        for _ in 0..10 {
            b.record(Signal::ConnectFailed, Permit::Normal, Instant::now());
            b.record(Signal::ConnectFailed, Permit::Normal, Instant::now());
            assert!(!b.record(Signal::Connected, Permit::Normal, Instant::now()));
            b.record(Signal::Unknown, Permit::Normal, Instant::now());
        }
        assert_eq!(b.admit().await, Some(Permit::Normal));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_answer_to_an_earlier_attempt_does_not_close_it() {
        let b = Breaker::new(Duration::from_secs(5));
        let before = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        // The endpoint goes down: failures begin; an attempt sent before that is answered late.
        b.record(Signal::ConnectFailed, Permit::Normal, Instant::now());
        assert!(!b.record(Signal::Connected, Permit::Normal, before));
        b.record(Signal::ConnectFailed, Permit::Normal, Instant::now());
        assert!(
            b.record(Signal::ConnectFailed, Permit::Normal, Instant::now()),
            "three failures in a row open it, the late answer notwithstanding"
        );
        // An answer to an attempt begun since then does close it.
        tokio::time::advance(Duration::from_millis(10)).await;
        assert!(!b.record(Signal::Connected, Permit::Normal, Instant::now()));
    }
}
