//! `local_tz_offset` exactly as `request-params.ts` computes it.
//!
//! The reference formats `now` in the zone with `toLocaleString('en-US', {timeZone,
//! hour12: false})`, parses that text back as a local (UTC) time and takes the difference in
//! minutes, rounded. Three consequences we reproduce:
//! - the offset is that of *now*, not of the event;
//! - ICU prints local midnight as hour `24`: at exactly `24:00:00` the parse lands a day
//!   later (offset − 1440); any other `24:mm:ss` is an Invalid Date, so the offset is `NaN`
//!   and serializes as `null`;
//! - zone names are resolved as ICU does (case-insensitive, links, a few legacy IDs), and an
//!   unknown zone is `RangeError: Invalid time zone specified: X`.

use jiff::{tz::TimeZone, Timestamp};

use crate::ActionError;

/// ICU's legacy three-letter zone IDs that are not in the IANA database.
const ICU_LEGACY: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

/// Resolve a zone name as V8/ICU does for `Intl.DateTimeFormat({timeZone})`.
pub fn resolve_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.trim() != name {
        return None;
    }
    if let Some((_, iana)) = ICU_LEGACY
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
    {
        return jiff::tz::db().get(iana).ok();
    }
    // Offsets and POSIX strings are not zone names for ICU.
    if name.starts_with(['+', '-']) || name.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    jiff::tz::db().get(name).ok()
}

/// The offset in minutes (`None` = `NaN`, serialized as `null`), or the reference's RangeError.
pub fn local_tz_offset(zone: &str, now: Timestamp) -> Result<Option<f64>, ActionError> {
    let tz = resolve_zone(zone).ok_or_else(|| {
        ActionError::new(
            "RangeError",
            format!("Invalid time zone specified: {}", v8_latin1(zone)),
        )
    })?;
    let local = now.to_zoned(tz).datetime();
    // The local wall time printed to whole seconds, re-read as UTC.
    let secs_utc = local
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .map_err(|e| ActionError::new("RangeError", e.to_string()))?;
    let mut local_ms = secs_utc as f64 * 1000.0;
    if local.hour() == 0 {
        if local.minute() == 0 && local.second() == 0 {
            // "M/D/YYYY, 24:00:00" parses as the next day's midnight.
            local_ms += 86_400_000.0;
        } else {
            return Ok(None);
        }
    }
    let now_ms = now.as_millisecond() as f64;
    let offset = (now_ms - local_ms) / 60_000.0;
    Ok(Some(js_round(offset)))
}

/// V8 builds this RangeError message from the zone's UTF-8 bytes read as Latin-1, with NUL
/// printed as a space: `"é"` (e + U+0301) reads `eÌ\u{81}`.
fn v8_latin1(zone: &str) -> String {
    zone.bytes()
        .map(|b| if b == 0 { ' ' } else { char::from(b) })
        .collect()
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
        local_tz_offset(zone, now.parse().unwrap())
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
    fn midnight_quirk() {
        assert_eq!(
            off("Europe/Amsterdam", "2025-01-14T23:00:00Z"),
            Ok(Some(-1500.0))
        );
        assert_eq!(off("Europe/Amsterdam", "2025-01-14T23:00:01Z"), Ok(None));
        assert_eq!(off("UTC", "2025-01-15T00:30:00Z"), Ok(None));
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
    fn invalid_zones() {
        for z in ["CEST", "GMT+5", "+05:30", " UTC", "330", "Mars/Olympus"] {
            let e = off(z, "2025-01-15T12:00:00Z").unwrap_err();
            assert_eq!(e.name, "RangeError");
            assert_eq!(e.message, format!("Invalid time zone specified: {z}"));
        }
    }
}
