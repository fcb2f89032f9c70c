//! Receipt times in the collector's `_timestamp` layout.

pub(crate) fn now_rfc3339() -> String {
    go_timestamp(jiff::Timestamp::now())
}

/// `2006-01-02T15:04:05.000000Z` (the collector's `_timestamp` layout).
pub(crate) fn go_timestamp(ts: jiff::Timestamp) -> String {
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
