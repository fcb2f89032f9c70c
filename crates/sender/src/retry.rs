//! Retry decisions, pure: which statuses are retried, how long to wait, `Retry-After`.
//!
//! The status rules are Segment's (`packages/core/src/errors.ts` and the retry handling of
//! its delivery pipeline): 2xx is delivered; 408, 423, 429 and every 5xx except 501 are
//! retried; every other status (other 4xx, 501, 1xx, 3xx) is final. Timeouts and connection
//! errors are retried too (see [`crate::SendError::is_retryable`]).
//!
//! Backoff is exponential with *full jitter*: the n-th delay (n = 0, 1, …) is uniform in
//! `[0, min(cap, initial · 2ⁿ)]`. The jitter comes from a seeded SplitMix64 generator, so a
//! given [`Backoff`] always yields the same delays. Nothing here sleeps or reads a clock
//! (except [`retry_after`], which takes `now` as an argument).

use std::time::{Duration, SystemTime};

use crate::rng::SplitMix64;

/// What to do with an HTTP response status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the event is delivered.
    Delivered,
    /// Temporary failure: try again after a delay.
    Retry,
    /// Final failure: never retried.
    Reject,
}

/// Classify a response status as Segment does.
pub fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 423 | 429 => Outcome::Retry,
        501 => Outcome::Reject,
        500..=599 => Outcome::Retry,
        _ => Outcome::Reject,
    }
}

/// Exponential backoff with full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first delay.
    pub initial: Duration,
    /// No delay is ever longer than this.
    pub cap: Duration,
    /// Attempts in total, the first included (so `max_attempts - 1` delays). 0 acts as 1.
    pub max_attempts: u32,
    /// Seed of the jitter generator.
    pub seed: u64,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial: Duration::from_millis(200),
            cap: Duration::from_secs(10),
            max_attempts: 5,
            seed: 0,
        }
    }
}

impl Backoff {
    /// The same backoff with a seed derived from `id`, so events retried together do not
    /// retry in lockstep (and the jitter of each stays reproducible).
    pub fn for_event(&self, id: u64) -> Backoff {
        let mut rng = SplitMix64::new(self.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Backoff {
            seed: rng.next_u64(),
            ..*self
        }
    }

    /// The ceiling of the n-th delay: `min(cap, initial · 2ⁿ)`, without jitter.
    pub fn ceiling(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.cap)
    }
}

/// The delays before attempts 2, 3, …, `max_attempts`: exactly `max_attempts - 1` items.
pub fn delays(backoff: &Backoff) -> impl Iterator<Item = Duration> {
    let b = *backoff;
    let mut rng = SplitMix64::new(b.seed);
    (0..b.max_attempts.saturating_sub(1)).map(move |n| {
        let ceiling = b.ceiling(n);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.below_inclusive(nanos))
    })
}

/// Parse a `Retry-After` value: delay-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, also the obsolete RFC 850 and asctime forms).
/// A date in the past gives zero. `None` when the value is neither.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long digit strings saturate rather than fail.
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests;
