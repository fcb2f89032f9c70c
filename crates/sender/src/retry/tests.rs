use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;

#[test]
fn classify_table() {
    // Expected values: Segment's errors.ts (4xx final except 408/423/429; 5xx retried except 501).
    let table: &[(u16, Outcome)] = &[
        (100, Outcome::Reject),
        (200, Outcome::Delivered),
        (201, Outcome::Delivered),
        (202, Outcome::Delivered),
        (204, Outcome::Delivered),
        (299, Outcome::Delivered),
        (301, Outcome::Reject),
        (302, Outcome::Reject),
        (307, Outcome::Reject),
        (400, Outcome::Reject),
        (401, Outcome::Reject),
        (403, Outcome::Reject),
        (404, Outcome::Reject),
        (405, Outcome::Reject),
        (407, Outcome::Reject),
        (408, Outcome::Retry),
        (409, Outcome::Reject),
        (413, Outcome::Reject),
        (422, Outcome::Reject),
        (423, Outcome::Retry),
        (425, Outcome::Reject),
        (429, Outcome::Retry),
        (451, Outcome::Reject),
        (499, Outcome::Reject),
        (500, Outcome::Retry),
        (501, Outcome::Reject),
        (502, Outcome::Retry),
        (503, Outcome::Retry),
        (504, Outcome::Retry),
        (505, Outcome::Retry),
        (511, Outcome::Retry),
        (599, Outcome::Retry),
        (600, Outcome::Reject),
    ];
    for &(status, want) in table {
        assert_eq!(classify(status), want, "status {status}");
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn ceilings_double_then_cap() {
    let b = Backoff {
        initial: ms(100),
        cap: ms(1000),
        max_attempts: 8,
        seed: 1,
    };
    let table = [
        (0, 100),
        (1, 200),
        (2, 400),
        (3, 800),
        (4, 1000),
        (5, 1000),
        (31, 1000),
        (40, 1000),
    ];
    for (n, want) in table {
        assert_eq!(b.ceiling(n), ms(want), "n = {n}");
    }
    // Overflow saturates at the cap instead of panicking.
    let huge = Backoff {
        initial: Duration::from_secs(u64::MAX / 2),
        cap: ms(5),
        max_attempts: 3,
        seed: 0,
    };
    assert_eq!(huge.ceiling(30), ms(5));
}

#[test]
fn delays_count_is_attempts_minus_one() {
    for (attempts, want) in [(0, 0), (1, 0), (2, 1), (5, 4), (10, 9)] {
        let b = Backoff {
            max_attempts: attempts,
            ..Backoff::default()
        };
        assert_eq!(delays(&b).count(), want, "max_attempts = {attempts}");
    }
}

#[test]
fn delays_are_full_jitter_under_each_ceiling() {
    for seed in 0..200 {
        let b = Backoff {
            initial: ms(50),
            cap: ms(700),
            max_attempts: 7,
            seed,
        };
        for (n, d) in delays(&b).enumerate() {
            assert!(d <= b.ceiling(n as u32), "seed {seed}: delay {n} = {d:?}");
        }
    }
}

#[test]
fn delays_are_deterministic_per_seed() {
    let b = Backoff {
        initial: ms(100),
        cap: ms(10_000),
        max_attempts: 6,
        seed: 42,
    };
    let a: Vec<_> = delays(&b).collect();
    let again: Vec<_> = delays(&b).collect();
    assert_eq!(a, again);
    let other: Vec<_> = delays(&Backoff { seed: 43, ..b }).collect();
    assert_ne!(a, other);
}

#[test]
fn jitter_spreads_over_the_whole_range() {
    // Full jitter: over many seeds, the first delay averages half its ceiling and reaches
    // both ends of [0, ceiling].
    let mut sum = 0u128;
    let (mut low, mut high) = (false, false);
    let n = 10_000u64;
    for seed in 0..n {
        let b = Backoff {
            initial: ms(1000),
            cap: ms(1000),
            max_attempts: 2,
            seed,
        };
        let d = delays(&b).next().unwrap_or_default();
        sum += d.as_millis();
        low |= d < ms(50);
        high |= d > ms(950);
    }
    let mean = sum / u128::from(n);
    assert!((450..=550).contains(&mean), "mean {mean} ms");
    assert!(low && high);
}

#[test]
fn for_event_gives_distinct_reproducible_seeds() {
    let b = Backoff {
        seed: 7,
        ..Backoff::default()
    };
    assert_eq!(b.for_event(3), b.for_event(3));
    assert_ne!(b.for_event(3).seed, b.for_event(4).seed);
    assert_eq!(b.for_event(3).max_attempts, b.max_attempts);
}

#[test]
fn retry_after_forms() {
    let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
    let table: &[(&str, Option<Duration>)] = &[
        ("0", Some(Duration::ZERO)),
        ("3", Some(Duration::from_secs(3))),
        (" 120 ", Some(Duration::from_secs(120))),
        (
            "99999999999999999999999",
            Some(Duration::from_secs(u64::MAX)),
        ),
        (
            "Wed, 21 Oct 2015 07:28:07 GMT",
            Some(Duration::from_secs(7)),
        ),
        (
            "Wednesday, 21-Oct-15 07:28:30 GMT",
            Some(Duration::from_secs(30)),
        ),
        ("Wed Oct 21 07:29:00 2015", Some(Duration::from_secs(60))),
        ("Wed, 21 Oct 2015 07:27:00 GMT", Some(Duration::ZERO)),
        ("", None),
        ("-1", None),
        ("1.5", None),
        ("soon", None),
    ];
    for &(value, want) in table {
        assert_eq!(retry_after(value, now), want, "{value:?}");
    }
}

#[test]
fn retry_after_real_clock_date_in_future() {
    let at = SystemTime::now() + Duration::from_secs(30);
    let v = httpdate::fmt_http_date(at);
    let d = retry_after(&v, SystemTime::now()).unwrap_or_default();
    assert!(
        d > Duration::from_secs(28) && d <= Duration::from_secs(30),
        "{d:?}"
    );
}
