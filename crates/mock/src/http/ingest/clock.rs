//! Receipt times in the collector's `_timestamp` layout.

use std::cell::RefCell;

thread_local! {
    /// The last second formatted on this thread: `(unix second, "2006-01-02T15:04:05.")`.
    static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// Now, as `2006-01-02T15:04:05.000000Z`. The date and time of day are formatted once per second
/// per thread (the profile showed the calendar conversion on every request); only the
/// microseconds are written each time.
pub(super) fn now_rfc3339() -> String {
    let ts = jiff::Timestamp::now();
    let second = ts.as_second();
    let micros = ts.subsec_microsecond().unsigned_abs();
    SECOND.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != second {
            let full = go_timestamp(ts);
            cached.1.clear();
            cached.1.push_str(&full[..full.len() - 7]);
            cached.0 = second;
        }
        let mut out = String::with_capacity(cached.1.len() + 7);
        out.push_str(&cached.1);
        let mut digits = [b'0'; 6];
        let mut m = micros;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (m % 10) as u8;
            m /= 10;
        }
        out.extend(digits.iter().map(|&d| d as char));
        out.push('Z');
        out
    })
}

/// `2006-01-02T15:04:05.000000Z` (the collector's `_timestamp` layout).
pub(super) fn go_timestamp(ts: jiff::Timestamp) -> String {
    let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_form_equals_the_full_format() {
        for _ in 0..3 {
            let a = now_rfc3339();
            let parsed: jiff::Timestamp = a.parse().expect("RFC 3339");
            assert_eq!(go_timestamp(parsed), a);
            assert_eq!(a.len(), 27);
        }
    }
}
