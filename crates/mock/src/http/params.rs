//! The query parameters of `GET /__mock/events`, `/__mock/stream` and the page, read from text
//! into an [`EventQuery`] (or a 400's message).

use std::time::Duration;

use serde::Deserialize;

use crate::model::{EventQuery, Since, Verdict};

fn parse_verdict(s: &str) -> Result<Verdict, String> {
    match s {
        "ok" => Ok(Verdict::Ok),
        "advice" => Ok(Verdict::Advice),
        "error" => Ok(Verdict::Error),
        other => Err(format!(
            "verdict must be ok, advice or error, got {other:?}"
        )),
    }
}

/// A stored event id, or an RFC 3339 time.
fn parse_since(s: &str) -> Result<Since, String> {
    if let Ok(id) = s.parse::<u64>() {
        return Ok(Since::Id(id));
    }
    s.parse::<jiff::Timestamp>()
        .map(Since::Time)
        .map_err(|_| format!("since must be a stored event id or an RFC 3339 time, got {s:?}"))
}

/// Raw HTTP parameters of `GET /__mock/events` and `/__mock/stream` (strings, as sent; checked
/// by [`EventParams::query`]).
#[derive(Debug, Default, Deserialize)]
pub(super) struct EventParams {
    event_type: Option<String>,
    user_id: Option<String>,
    anonymous_id: Option<String>,
    company_id: Option<String>,
    event_id: Option<String>,
    verdict: Option<String>,
    q: Option<String>,
    since: Option<String>,
    limit: Option<String>,
    pub(crate) format: Option<String>,
    pub(crate) wait_for: Option<String>,
    pub(super) timeout_ms: Option<String>,
}

fn number<T: std::str::FromStr>(name: &str, v: &Option<String>) -> Result<Option<T>, String> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|_| format!("{name} must be a non-negative whole number, got {s:?}"))
        })
        .transpose()
}

impl EventParams {
    /// The filters; empty parameters (`?user_id=`) count as absent, as a form sends them.
    pub(crate) fn query(&self) -> Result<EventQuery, String> {
        let s = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Ok(EventQuery {
            event_type: s(&self.event_type),
            user_id: s(&self.user_id),
            anonymous_id: s(&self.anonymous_id),
            company_id: s(&self.company_id),
            event_id: s(&self.event_id),
            verdict: s(&self.verdict).as_deref().map(parse_verdict).transpose()?,
            text: s(&self.q),
            since: s(&self.since).as_deref().map(parse_since).transpose()?,
            limit: number("limit", &self.limit)?,
        })
    }

    pub(crate) fn wait_for(&self) -> Result<Option<usize>, String> {
        number("wait_for", &self.wait_for)
    }

    pub(crate) fn timeout(&self) -> Result<Duration, String> {
        let ms: Option<u64> = number("timeout_ms", &self.timeout_ms)?;
        Ok(Duration::from_millis(
            ms.unwrap_or(DEFAULT_WAIT_MS).min(MAX_WAIT_MS),
        ))
    }
}

/// `wait_for` without `timeout_ms` waits this long.
pub(super) const DEFAULT_WAIT_MS: u64 = 10_000;
/// The longest wait one request may ask for (10 minutes).
pub(super) const MAX_WAIT_MS: u64 = 600_000;
