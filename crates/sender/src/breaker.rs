//! The circuit breaker: when the endpoint stops serving — it refuses connections, leaves
//! requests without an answer, or answers nothing but "try again later" — stop treating each
//! request alone.
//!
//! Three kinds of failure say the endpoint may be down ([`DownCause`]):
//! - **refused**: the connection could not be made (refused, DNS, TLS, reset while
//!   connecting);
//! - **no answer**: the per-attempt timeout passed, or the server closed or reset the
//!   connection after the request was sent, before any response (a black hole: a firewall
//!   dropping packets, a hung server, a wrong port on a load balancer);
//! - **unavailable**: a retryable status (5xx but 501, 408, 423, 429: [`crate::classify`]).
//!
//! Any other response (2xx, a final 4xx, 501, …) is the endpoint serving: it ends a run of
//! failures. A refused connection always counts toward the run; the other two kinds count once
//! per request, so that one request that hangs the server or makes it fail (its body, its
//! size) cannot pass for an outage by failing alone again and again: they take
//! [`OPEN_AFTER`] different requests failing with nothing answered in between.
//!
//! Closed (normal): every request is attempted and retried on its own. After [`OPEN_AFTER`]
//! failures in a row the breaker opens — at once when a connection was refused, otherwise
//! once nothing has been answered for [`SILENT_FOR`] (a timeout counts from when its attempt
//! was sent), so that a server failing some requests at random, which goes on answering
//! others, does not open it: requests wait instead of spending their attempts, and
//! one of them at a time is let through as a probe, at growing intervals ([`FIRST_PROBE`]
//! doubling to [`MAX_PROBE`]; never sooner than a probe's `Retry-After` asks). A probe that
//! gets an answer closes the breaker and every waiting request goes on. When the failures have
//! lasted [`crate::SenderConfig::down_timeout`] since the first of them, the endpoint is
//! declared down: every waiting and later request gives up at once
//! ([`crate::SendError::Unreachable`]) and [`crate::Sender::run`] stops taking input. So from
//! the endpoint failing to the run ending takes about the down-timeout (plus, for timeouts,
//! the one attempt in flight then), whatever the number of requests left or what
//! `Retry-After` says.
//!
//! Attempts: a failure that is part of an outage (the breaker is open once it is recorded)
//! spends none of the request's `max_attempts`, so an endpoint that comes back within the
//! down-timeout loses nothing; refused connections never spend one. A failure recorded while
//! the breaker is still closed does spend one (the endpoint may be answering everyone else);
//! if it was the request's last, the request first waits, at most one per-attempt timeout (or
//! [`SILENT_FOR`] if longer), for the other requests under way to tell (`Breaker::settle`):
//! if the breaker opens meanwhile, the failure was the outage's and the request waits with the
//! others; if one of them is answered, or none is under way, it gives up.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Failures in a row (across requests, as counted above) that open the breaker.
pub const OPEN_AFTER: u32 = 3;
/// Timeouts, closes and retryable statuses open the breaker only once the run of failures has
/// lasted this long with nothing answered (a run of refused connections opens it at once): a
/// server failing some requests at random is still answering others within this time.
pub const SILENT_FOR: Duration = Duration::from_secs(1);
/// The first probe interval once open; it doubles up to [`MAX_PROBE`].
pub const FIRST_PROBE: Duration = Duration::from_millis(200);
pub const MAX_PROBE: Duration = Duration::from_secs(2);

/// Why the endpoint was declared down: the kind of the last failure before it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownCause {
    /// Every connection failed.
    Refused,
    /// Requests got no response: timeouts, connections closed or reset without an answer.
    NoAnswer,
    /// The endpoint answered only retryable statuses (this one last).
    Unavailable { status: u16 },
}

impl DownCause {
    /// How the endpoint is: `unreachable`, `not answering`, `unavailable`.
    pub fn state(&self) -> &'static str {
        match self {
            DownCause::Refused => "unreachable",
            DownCause::NoAnswer => "not answering",
            DownCause::Unavailable { .. } => "unavailable",
        }
    }
}

impl fmt::Display for DownCause {
    /// What the requests met, e.g. `every connection failed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownCause::Refused => f.write_str("every connection failed"),
            DownCause::NoAnswer => {
                f.write_str("no request got a response (timed out or closed without one)")
            }
            DownCause::Unavailable { status } => {
                write!(
                    f,
                    "every response was a retryable status (last HTTP {status})"
                )
            }
        }
    }
}

/// What an attempt says about the endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// A response that is not a retryable status: the endpoint is serving.
    Answered,
    /// The connection could not be made.
    Refused,
    /// No response within the timeout.
    TimedOut,
    /// The connection was closed or reset after the request was sent, before any response.
    Closed,
    /// A retryable status, with its `Retry-After` (already capped) if any.
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// None of those (an invalid request): says nothing about the endpoint.
    Unknown,
}

impl Signal {
    fn failure(self) -> Option<DownCause> {
        match self {
            Signal::Refused => Some(DownCause::Refused),
            Signal::TimedOut | Signal::Closed => Some(DownCause::NoAnswer),
            Signal::Unavailable { status, .. } => Some(DownCause::Unavailable { status }),
            Signal::Answered | Signal::Unknown => None,
        }
    }
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
    /// The requests whose no-answer or unavailable failures count in the current run (each
    /// counts once; at most [`OPEN_AFTER`] are kept, enough to open).
    failed_requests: Vec<u64>,
    /// When the current run of failures began: when its first failure was recorded, or for a
    /// timeout when the attempt that got no answer was sent.
    failing_since: Option<Instant>,
    /// A connection was refused during the run.
    refused: bool,
    /// The kind of the run's latest failure.
    last_failure: Option<DownCause>,
    open: bool,
    probing: bool,
    next_probe: Instant,
    probe_interval: Duration,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    down_timeout: Duration,
    state: Mutex<State>,
    /// Woken on every recorded attempt.
    changed: Notify,
    /// Deliveries under way (see [`Breaker::delivering`]).
    active: AtomicUsize,
    /// Cancelled once the endpoint is declared down.
    down: CancellationToken,
}

/// A delivery (a request and its retries) under way, counted while it lives.
pub(crate) struct Delivering<'a>(&'a Breaker);

impl Drop for Delivering<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Breaker {
    pub(crate) fn new(down_timeout: Duration) -> Breaker {
        Breaker {
            down_timeout,
            state: Mutex::new(State {
                failures_in_a_row: 0,
                failed_requests: Vec::new(),
                failing_since: None,
                refused: false,
                last_failure: None,
                open: false,
                probing: false,
                next_probe: Instant::now(),
                probe_interval: FIRST_PROBE,
            }),
            changed: Notify::new(),
            active: AtomicUsize::new(0),
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

    /// Why the endpoint was declared down (`None` while it is not).
    pub(crate) fn down_cause(&self) -> Option<DownCause> {
        if !self.down.is_cancelled() {
            return None;
        }
        Some(self.lock().last_failure.unwrap_or(DownCause::Refused))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data, always left whole: a panic elsewhere does not spoil it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Count a delivery as under way until the returned guard is dropped.
    pub(crate) fn delivering(&self) -> Delivering<'_> {
        self.active.fetch_add(1, Ordering::SeqCst);
        Delivering(self)
    }

    /// Open the breaker if the current run of failures calls for it.
    fn open_if_due(&self, s: &mut State, now: Instant) {
        let Some(since) = s.failing_since else { return };
        if !s.open && s.failures_in_a_row >= OPEN_AFTER && (s.refused || now >= since + SILENT_FOR)
        {
            s.open = true;
            s.next_probe = now + s.probe_interval;
        }
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
                let now = Instant::now();
                self.open_if_due(&mut s, now);
                if !s.open {
                    return Some(Permit::Normal);
                }
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

    /// Report an attempt of request `request` (any number that tells requests apart) that
    /// began at `started`. Returns whether the breaker is open afterwards: the failure is then
    /// the outage's, and the caller waits in [`Breaker::admit`] instead of spending one of its
    /// attempts.
    ///
    /// A response to an attempt that began before the current run of failures says nothing
    /// about the endpoint now (it was sent while the endpoint was still up, and answered just
    /// as it went down), so it does not end that run: otherwise a few such late answers,
    /// interleaved with the first failures, would keep the breaker closed while other requests
    /// use up their attempts.
    pub(crate) fn record(
        &self,
        signal: Signal,
        permit: Permit,
        started: Instant,
        request: u64,
    ) -> bool {
        let mut s = self.lock();
        let now = Instant::now();
        if permit == Permit::Probe {
            s.probing = false;
        }
        // What waiters act on; they are woken only when it changes (many requests may wait).
        let watched = |s: &State| {
            (
                s.open,
                s.failing_since.is_some(),
                s.failures_in_a_row >= OPEN_AFTER,
            )
        };
        let before = watched(&s);
        match (signal, signal.failure()) {
            (Signal::Answered, _) if s.failing_since.is_some_and(|since| started < since) => {}
            (Signal::Answered, _) => {
                s.failures_in_a_row = 0;
                s.failed_requests.clear();
                s.failing_since = None;
                s.refused = false;
                s.last_failure = None;
                s.open = false;
                s.probe_interval = FIRST_PROBE;
            }
            (_, Some(cause)) => {
                let counts = match signal {
                    Signal::Refused => true,
                    _ if s.failed_requests.contains(&request) => false,
                    _ => {
                        if s.failed_requests.len() < OPEN_AFTER as usize {
                            s.failed_requests.push(request);
                        }
                        true
                    }
                };
                if counts {
                    s.failures_in_a_row = s.failures_in_a_row.saturating_add(1);
                }
                s.last_failure = Some(cause);
                s.refused |= signal == Signal::Refused;
                // Silence since the attempt was sent, for a timeout; otherwise the failure is
                // news now.
                let began = if signal == Signal::TimedOut {
                    started
                } else {
                    now
                };
                let since = *s.failing_since.get_or_insert(began);
                self.open_if_due(&mut s, now);
                if permit == Permit::Probe {
                    let wait = match signal {
                        Signal::Unavailable {
                            retry_after: Some(r),
                            ..
                        } => r.max(s.probe_interval),
                        _ => s.probe_interval,
                    };
                    s.next_probe = now + wait;
                    s.probe_interval = (s.probe_interval * 2).min(MAX_PROBE);
                }
                if s.open && now >= since + self.down_timeout {
                    self.declare_down();
                }
            }
            _ => {
                if permit == Permit::Probe {
                    s.next_probe = now;
                }
            }
        }
        if permit == Permit::Probe || watched(&s) != before {
            self.changed.notify_waiters();
        }
        s.open
    }

    /// Resolves once the breaker is open (or the endpoint down): a request waiting to retry
    /// stops waiting then, and waits for a probe with the others instead. (A run of timeouts,
    /// closes or retryable statuses opens it [`SILENT_FOR`] after it began, even if every
    /// request is waiting meanwhile, e.g. for a long `Retry-After`.)
    pub(crate) async fn opened(&self) {
        loop {
            let notified = self.changed.notified();
            let wake_at = {
                let mut s = self.lock();
                let now = Instant::now();
                self.open_if_due(&mut s, now);
                if s.open || self.down.is_cancelled() {
                    return;
                }
                match s.failing_since {
                    Some(since)
                        if s.failures_in_a_row >= OPEN_AFTER && since + SILENT_FOR > now =>
                    {
                        Some(since + SILENT_FOR)
                    }
                    _ => None,
                }
            };
            match wake_at {
                Some(at) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// After a failure recorded with the breaker closed that used up a request's last attempt
    /// (the caller's delivery is counted in [`Breaker::delivering`]): wait, at most `within`,
    /// for the other deliveries under way to tell whether it was an outage. True: the breaker
    /// opened (or the endpoint is down), so the failure spends nothing and the request waits
    /// with the others. False: the endpoint answered meanwhile, no other delivery is under
    /// way, or nothing told in time.
    pub(crate) async fn settle(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let wake_at = {
                let mut s = self.lock();
                self.open_if_due(&mut s, Instant::now());
                if s.open || self.down.is_cancelled() {
                    return true;
                }
                let Some(since) = s.failing_since else {
                    return false;
                };
                if self.active.load(Ordering::SeqCst) <= 1 {
                    return false;
                }
                let silent_enough = since + SILENT_FOR;
                if silent_enough > Instant::now() {
                    deadline.min(silent_enough)
                } else {
                    deadline
                }
            };
            if Instant::now() >= deadline {
                return false;
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }

    fn declare_down(&self) {
        self.down.cancel();
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: fn() -> Instant = Instant::now;

    #[tokio::test(start_paused = true)]
    async fn opens_probes_closes_and_declares_down() {
        let b = Breaker::new(Duration::from_secs(5));
        for _ in 0..OPEN_AFTER - 1 {
            assert!(!b.record(Signal::Refused, Permit::Normal, NOW(), 1));
        }
        assert_eq!(b.admit().await, Some(Permit::Normal));
        assert!(b.record(Signal::Refused, Permit::Normal, NOW(), 1), "open");
        // Open: the next admission is a probe, after the first interval.
        let t = Instant::now();
        assert_eq!(b.admit().await, Some(Permit::Probe));
        assert_eq!(t.elapsed(), FIRST_PROBE);
        // The probe succeeds: closed, waiting requests go on.
        assert!(!b.record(Signal::Answered, Permit::Probe, NOW(), 1));
        assert_eq!(b.admit().await, Some(Permit::Normal));

        // Down for good: probes fail until the down-timeout, then everything gives up.
        let start = Instant::now();
        for _ in 0..OPEN_AFTER {
            b.record(Signal::Refused, Permit::Normal, NOW(), 1);
        }
        while let Some(p) = b.admit().await {
            assert_eq!(p, Permit::Probe);
            b.record(Signal::Refused, p, NOW(), 1);
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_secs(5) && took <= Duration::from_secs(5) + MAX_PROBE,
            "{took:?}"
        );
        assert!(b.down().is_cancelled());
        assert_eq!(b.down_cause(), Some(DownCause::Refused));
        assert_eq!(b.admit().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_response_of_any_status_resets_the_count() {
        let b = Breaker::new(Duration::from_secs(5));
        for i in 0..10 {
            b.record(Signal::Refused, Permit::Normal, NOW(), i);
            b.record(Signal::TimedOut, Permit::Normal, NOW(), i + 100);
            assert!(!b.record(Signal::Answered, Permit::Normal, NOW(), i));
            b.record(Signal::Unknown, Permit::Normal, NOW(), i);
        }
        assert_eq!(b.admit().await, Some(Permit::Normal));
        assert_eq!(b.down_cause(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_answer_to_an_earlier_attempt_does_not_close_it() {
        let b = Breaker::new(Duration::from_secs(5));
        let before = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        // The endpoint goes down: failures begin; an attempt sent before that is answered late.
        b.record(Signal::Refused, Permit::Normal, NOW(), 1);
        assert!(!b.record(Signal::Answered, Permit::Normal, before, 2));
        b.record(Signal::Refused, Permit::Normal, NOW(), 3);
        assert!(
            b.record(Signal::Refused, Permit::Normal, NOW(), 4),
            "three failures in a row open it, the late answer notwithstanding"
        );
        // An answer to an attempt begun since then does close it.
        tokio::time::advance(Duration::from_millis(10)).await;
        assert!(!b.record(Signal::Answered, Permit::Normal, NOW(), 5));
    }

    #[tokio::test(start_paused = true)]
    async fn timeouts_count_once_per_request() {
        let b = Breaker::new(Duration::from_secs(5));
        // One request failing again and again (its body hangs the server, say): not an outage.
        for _ in 0..10 {
            tokio::time::advance(Duration::from_secs(1)).await;
            assert!(!b.record(Signal::TimedOut, Permit::Normal, NOW(), 7));
        }
        assert_eq!(b.admit().await, Some(Permit::Normal));
        assert!(!b.down().is_cancelled(), "never declared down while closed");
        // Two more requests fail the same way: three different ones, it opens. The run began
        // with the first failure, over the down-timeout ago, so the endpoint is down at once.
        assert!(!b.record(Signal::TimedOut, Permit::Normal, NOW(), 8));
        assert!(b.record(Signal::TimedOut, Permit::Normal, NOW(), 9));
        assert_eq!(b.down_cause(), Some(DownCause::NoAnswer));
    }

    #[tokio::test(start_paused = true)]
    async fn unavailable_probes_wait_for_retry_after_but_not_past_the_down_timeout() {
        let b = Breaker::new(Duration::from_secs(5));
        let unavailable = Signal::Unavailable {
            status: 503,
            retry_after: Some(Duration::from_secs(2)),
        };
        let start = Instant::now();
        for i in 0..OPEN_AFTER as u64 {
            assert!(!b.record(unavailable, Permit::Normal, NOW(), i));
        }
        // Three requests failed at once: a server failing at random does that; it opens only
        // once nothing has been answered for SILENT_FOR.
        assert_eq!(b.admit().await, Some(Permit::Normal));
        tokio::time::advance(SILENT_FOR).await;
        let mut probes = Vec::new();
        while let Some(p) = b.admit().await {
            assert_eq!(p, Permit::Probe);
            probes.push(start.elapsed());
            b.record(unavailable, p, NOW(), 1);
        }
        // The first probe FIRST_PROBE after opening, the next one Retry-After (2 s) later, the
        // one after that would be past the down-timeout (5 s from the first failure).
        let ms: Vec<u128> = probes.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![1200, 3200]);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(b.down_cause(), Some(DownCause::Unavailable { status: 503 }));
    }

    #[tokio::test(start_paused = true)]
    async fn settle_waits_for_the_other_deliveries() {
        let b = std::sync::Arc::new(Breaker::new(Duration::from_secs(30)));
        let within = Duration::from_secs(2);
        let _this = b.delivering();
        // No other delivery under way: nothing can tell, no wait.
        b.record(Signal::TimedOut, Permit::Normal, NOW(), 1);
        let t = Instant::now();
        assert!(!b.settle(within).await);
        assert_eq!(t.elapsed(), Duration::ZERO);

        // Two other deliveries fail too: once nothing has been answered for SILENT_FOR the
        // breaker opens, and the first failure was the outage's.
        let others = (b.delivering(), b.delivering());
        let other = {
            let b = b.clone();
            tokio::spawn(async move {
                let started = NOW();
                tokio::time::sleep(Duration::from_millis(300)).await;
                b.record(Signal::TimedOut, Permit::Normal, started, 2);
                b.record(Signal::TimedOut, Permit::Normal, started, 3);
            })
        };
        assert!(b.settle(within).await);
        assert_eq!(t.elapsed(), SILENT_FOR);
        other.await.expect("task");

        // Closed again; a failure while another delivery gets an answer: its own.
        b.record(Signal::Answered, Permit::Probe, NOW(), 4);
        b.record(Signal::TimedOut, Permit::Normal, NOW(), 5);
        let other = {
            let b = b.clone();
            tokio::spawn(async move {
                let started = NOW();
                tokio::time::sleep(Duration::from_millis(300)).await;
                b.record(Signal::Answered, Permit::Normal, started, 6);
            })
        };
        let t = Instant::now();
        assert!(!b.settle(within).await);
        assert_eq!(t.elapsed(), Duration::from_millis(300));
        other.await.expect("task");
        drop(others);
    }
}
