//! `local_tz_offset` exactly as `request-params.ts` computes it, on the reference's own
//! time-zone data.
//!
//! The reference formats an instant in the zone with `toLocaleString('en-US', {timeZone,
//! hour12: false})`, parses that text back as a local (UTC) time and takes the difference in
//! minutes, rounded. Consequences we reproduce:
//! - the offset is that of *now*, not of the event (`Fixes::tz_offset_at_event_time` fixes it);
//! - ICU prints local midnight as hour `24`: at exactly `24:00:00` (milliseconds ignored) the
//!   parse lands a day later (offset − 1440); any other `24:mm:ss` is an Invalid Date, so the
//!   offset is `NaN` and serializes as `null` (`Fixes::fix_tz_midnight` fixes it);
//! - the text holds whole seconds, so the offset is `round((now − floor_s(now + utc_offset)) /
//!   60 s)`: an offset with seconds (local mean time, e.g. +0:19:32) rounds on the instant's
//!   milliseconds;
//! - zone names are resolved as V8 does ([`canonicalize`], then an exact ICU ID), and an
//!   unknown zone is `RangeError: Invalid time zone specified: X`.
//!
//!
//! The zone data is [`usermaven_tz`]'s (ICU as the reference has it).

use jiff::Timestamp;
use usermaven_tz::resolve_zone;

use crate::{ActionError, Options};

/// The offset in minutes (`None` = `NaN`, serialized as `null`), or the reference's RangeError.
///
/// `at` is the instant formatted (the reference uses *now*). With `fix_midnight`, local
/// midnight reads as hour 0 (what `hourCycle: 'h23'` would print) instead of the reference's
/// `24:00:00` day shift and `24:mm:ss` Invalid Date.
pub fn local_tz_offset(
    zone: &str,
    at: Timestamp,
    fix_midnight: bool,
) -> Result<Option<f64>, ActionError> {
    let z = resolve_zone(zone)
        .ok_or_else(|| ActionError::new("RangeError", usermaven_tz::invalid_zone_message(zone)))?;
    let at_ms = at.as_millisecond();
    let offset = i64::from(z.offset_at(at_ms.div_euclid(1000)));
    // The local wall time as printed (whole seconds), re-read as a UTC time.
    let local_s = (at_ms.div_euclid(1000)) + offset;
    let mut local_ms = local_s as f64 * 1000.0;
    if !fix_midnight && local_s.rem_euclid(86_400) < 3_600 {
        // Hour 0 prints as "24".
        if local_s.rem_euclid(86_400) == 0 {
            // "M/D/YYYY, 24:00:00" parses as the next day's midnight.
            local_ms += 86_400_000.0;
        } else {
            return Ok(None);
        }
    }
    let offset = (at_ms as f64 - local_ms) / 60_000.0;
    Ok(Some(js_round(offset)))
}

/// The instant the offset is computed at: *now*, as the reference does, or with
/// [`Fixes::tz_offset_at_event_time`] the event's time (`utc_time`) when it is an RFC 3339
/// date-time.
pub fn offset_instant(
    options: &Options,
    event_time: impl FnOnce() -> Option<String>,
    now: Timestamp,
) -> Timestamp {
    if !options.fixes.tz_offset_at_event_time {
        return now;
    }
    event_time()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or(now)
}

/// `Math.round`: halves go towards +∞.
fn js_round(x: f64) -> f64 {
    let r = (x + 0.5).floor();
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off(zone: &str, now: &str) -> Result<Option<f64>, ActionError> {
        local_tz_offset(zone, now.parse().unwrap(), false)
    }

    fn fixed(zone: &str, now: &str) -> Result<Option<f64>, ActionError> {
        local_tz_offset(zone, now.parse().unwrap(), true)
    }

    #[test]
    fn offsets_at_now() {
        assert_eq!(
            off("Europe/Amsterdam", "2025-01-15T12:00:00.700Z"),
            Ok(Some(-60.0))
        );
        assert_eq!(
            off("europe/amsterdam", "2025-07-15T12:00:00Z"),
            Ok(Some(-120.0))
        );
        assert_eq!(
            off("Asia/Kolkata", "2025-07-15T12:00:00Z"),
            Ok(Some(-330.0))
        );
        assert_eq!(
            off("America/New_York", "2025-07-15T12:00:00Z"),
            Ok(Some(240.0))
        );
        assert_eq!(off("PST", "2025-01-15T12:00:00Z"), Ok(Some(480.0)));
    }

    #[test]
    fn icu_history_without_backzone() {
        // Amsterdam's 1930s summer time (+1:19:32) is in `backzone` only: ICU gives Brussels'.
        assert_eq!(
            off("Europe/Amsterdam", "1935-07-15T12:00:00Z"),
            Ok(Some(-60.0))
        );
        // Local mean time with seconds (+0:17:30) rounds on the instant.
        assert_eq!(
            off("Europe/Brussels", "1850-07-15T12:00:00Z"),
            Ok(Some(-17.0))
        );
        assert_eq!(
            off("Europe/Brussels", "1850-07-15T12:00:00.600Z"),
            Ok(Some(-17.0))
        );
    }

    #[test]
    fn midnight_quirk() {
        assert_eq!(
            off("Europe/Amsterdam", "2025-01-14T23:00:00Z"),
            Ok(Some(-1500.0))
        );
        assert_eq!(
            off("Europe/Amsterdam", "2025-01-14T23:00:00.999Z"),
            Ok(Some(-1500.0))
        );
        assert_eq!(off("Europe/Amsterdam", "2025-01-14T23:00:01Z"), Ok(None));
        assert_eq!(off("UTC", "2025-01-15T00:30:00Z"), Ok(None));
        assert_eq!(off("UTC", "1931-01-15T00:59:59Z"), Ok(None));
        assert_eq!(off("UTC", "1931-01-15T01:00:00Z"), Ok(Some(0.0)));
        // Before 1970 too, the printed time drops the milliseconds (floor, not truncation).
        assert_eq!(off("UTC", "1931-01-15T00:00:00.999Z"), Ok(Some(-1440.0)));
        assert_eq!(off("UTC", "1931-01-14T23:59:59.999Z"), Ok(Some(0.0)));
    }

    #[test]
    fn midnight_fix() {
        assert_eq!(
            fixed("Europe/Amsterdam", "2025-01-14T23:00:00Z"),
            Ok(Some(-60.0))
        );
        assert_eq!(
            fixed("Europe/Amsterdam", "2025-01-14T23:00:01Z"),
            Ok(Some(-60.0))
        );
        assert_eq!(fixed("UTC", "2025-01-15T00:30:00Z"), Ok(Some(0.0)));
        assert_eq!(
            fixed("Asia/Kolkata", "2025-07-15T12:00:00Z"),
            Ok(Some(-330.0))
        );
    }

    #[test]
    fn invalid_zone_message_reads_utf8_as_latin1() {
        let e = off("Europe/Z\u{fc}rich\u{0}", "2025-01-15T12:00:00Z").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid time zone specified: Europe/Z\u{c3}\u{bc}rich "
        );
    }

    #[test]
    fn a_lone_surrogate_reads_as_its_generalized_utf8() {
        // The reference's message for `"timezone": "\ude9c"` and `"a\udfff"`.
        let zone = format!("a{}", usermaven_json::lone_surrogate_char(0xDE9C));
        let e = off(&zone, "2025-01-15T12:00:00Z").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid time zone specified: a\u{ed}\u{ba}\u{9c}"
        );
        let zone = usermaven_json::lone_surrogate_char(0xDFFF).to_string();
        let e = off(&zone, "2025-01-15T12:00:00Z").unwrap_err();
        assert_eq!(e.message, "Invalid time zone specified: \u{ed}\u{bf}\u{bf}");
    }

    #[test]
    fn invalid_zones() {
        for z in [
            "CEST",
            "GMT+5",
            "+05:30",
            " UTC",
            "330",
            "Mars/Olympus",
            "Factory",
        ] {
            let e = off(z, "2025-01-15T12:00:00Z").unwrap_err();
            assert_eq!(e.name, "RangeError");
            assert_eq!(e.message, format!("Invalid time zone specified: {z}"));
        }
    }
}
