//! Selecting stored events: the filters of `GET /__mock/events` (and of the live stream and the
//! Rust handle), NDJSON streaming of the retained events, and waiting for events to arrive.

use std::sync::Arc;
use std::time::Duration;

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use crate::model::{StoredEvent, Verdict};
use crate::state::MockState;

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

/// Where a selection starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Events with a larger stored id.
    Id(u64),
    /// Events received at or after this time.
    Time(jiff::Timestamp),
}

impl Since {
    fn parse(s: &str) -> Result<Since, String> {
        if let Ok(id) = s.parse::<u64>() {
            return Ok(Since::Id(id));
        }
        s.parse::<jiff::Timestamp>()
            .map(Since::Time)
            .map_err(|_| format!("since must be a stored event id or an RFC 3339 time, got {s:?}"))
    }
}

/// Which stored events to select; every field set must match (`None` matches anything).
///
/// ```
/// use usermaven_mock::EventQuery;
/// let q = EventQuery::new().event_type("signed_up").user_id("u1").since_id(10).limit(5);
/// # let _ = q;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventQuery {
    /// `event_type` of the stored (enriched) event.
    pub event_type: Option<String>,
    /// `user.id`.
    pub user_id: Option<String>,
    /// `user.anonymous_id`.
    pub anonymous_id: Option<String>,
    /// `company.id`.
    pub company_id: Option<String>,
    /// The collector's event id (`eventn_ctx_event_id`).
    pub event_id: Option<String>,
    pub verdict: Option<Verdict>,
    /// Case-insensitive (ASCII) substring of the body as received.
    pub text: Option<String>,
    pub since: Option<Since>,
    /// At most this many events (the oldest matching ones).
    pub limit: Option<usize>,
}

impl EventQuery {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn event_type(mut self, v: impl Into<String>) -> Self {
        self.event_type = Some(v.into());
        self
    }

    pub fn user_id(mut self, v: impl Into<String>) -> Self {
        self.user_id = Some(v.into());
        self
    }

    pub fn anonymous_id(mut self, v: impl Into<String>) -> Self {
        self.anonymous_id = Some(v.into());
        self
    }

    pub fn company_id(mut self, v: impl Into<String>) -> Self {
        self.company_id = Some(v.into());
        self
    }

    pub fn event_id(mut self, v: impl Into<String>) -> Self {
        self.event_id = Some(v.into());
        self
    }

    pub fn verdict(mut self, v: Verdict) -> Self {
        self.verdict = Some(v);
        self
    }

    pub fn text(mut self, v: impl Into<String>) -> Self {
        self.text = Some(v.into());
        self
    }

    /// Events stored after the one with this id.
    pub fn since_id(mut self, id: u64) -> Self {
        self.since = Some(Since::Id(id));
        self
    }

    pub fn since_time(mut self, t: jiff::Timestamp) -> Self {
        self.since = Some(Since::Time(t));
        self
    }

    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// The query with the search text compiled once.
    pub(crate) fn compile(&self) -> Matcher<'_> {
        let text = self.text.as_deref().filter(|t| !t.is_empty()).map(|t| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build([t])
                // One literal pattern of bounded size always builds; if it somehow does not,
                // matching nothing is the honest answer.
                .ok()
        });
        Matcher { q: self, text }
    }
}

/// An [`EventQuery`] ready to test events against.
pub(crate) struct Matcher<'q> {
    q: &'q EventQuery,
    text: Option<Option<AhoCorasick>>,
}

impl Matcher<'_> {
    pub(crate) fn matches(&self, e: &StoredEvent) -> bool {
        let q = self.q;
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| got == Some(w))
        };
        let since_ok = match q.since {
            None => true,
            Some(Since::Id(id)) => e.id > id,
            Some(Since::Time(t)) => e
                .received_at
                .parse::<jiff::Timestamp>()
                .is_ok_and(|r| r >= t),
        };
        since_ok
            && eq(&q.event_type, e.event_type())
            && eq(&q.user_id, e.user_id())
            && eq(&q.anonymous_id, e.anonymous_id())
            && eq(&q.company_id, e.company_id())
            && eq(&q.event_id, e.event_id())
            && q.verdict.is_none_or(|v| e.verdict() == v)
            && match &self.text {
                None => true,
                Some(None) => false,
                Some(Some(ac)) => ac.is_match(body_text(e)),
            }
    }

    /// The first stored id that can match (events are kept in id order).
    fn first_id(&self) -> u64 {
        match self.q.since {
            Some(Since::Id(id)) => id.saturating_add(1),
            _ => 0,
        }
    }
}

/// The body as received for `e`.
pub(crate) fn body_text(e: &StoredEvent) -> &str {
    &e.body
}

/// Raw HTTP parameters of `GET /__mock/events` and `/__mock/stream` (strings, as sent; checked
/// by [`EventParams::query`]).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EventParams {
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
    pub(crate) timeout_ms: Option<String>,
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
            since: s(&self.since).as_deref().map(Since::parse).transpose()?,
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
pub(crate) const DEFAULT_WAIT_MS: u64 = 10_000;
/// The longest wait one request may ask for (10 minutes).
pub(crate) const MAX_WAIT_MS: u64 = 600_000;

/// Events with a stored id of at least `from`, in id order, at most `max`, that match.
/// Returns them and the id to continue from.
pub(crate) fn page(
    state: &MockState,
    m: &Matcher<'_>,
    from: u64,
    max: usize,
) -> (Vec<Arc<StoredEvent>>, Option<u64>) {
    state.with_events(|events| {
        let mut out = Vec::new();
        for e in events.since(from.saturating_sub(1)) {
            if out.len() == max {
                return (out, Some(e.id));
            }
            if m.matches(e) {
                out.push(e.clone());
            }
        }
        (out, None)
    })
}

/// Every matching event (up to the query's `limit`), oldest first.
pub(crate) fn select(state: &MockState, q: &EventQuery) -> Vec<Arc<StoredEvent>> {
    let m = q.compile();
    let max = q.limit.unwrap_or(usize::MAX);
    let (out, _) = page(state, &m, m.first_id(), max);
    out
}

/// The newest `n` matching events, oldest first (the live page's first screen).
pub(crate) fn newest(state: &MockState, q: &EventQuery, n: usize) -> Vec<Arc<StoredEvent>> {
    let m = q.compile();
    let mut out: Vec<Arc<StoredEvent>> = state.with_events(|events| {
        events
            .since(m.first_id().saturating_sub(1))
            .rev()
            .filter(|e| m.matches(e))
            .take(n)
            .cloned()
            .collect()
    });
    out.reverse();
    out
}

/// Counts matching events incrementally while more arrive (so a long wait does not rescan the
/// whole store on every new event).
struct Tally {
    /// Stored ids of the matches seen so far (ascending).
    ids: Vec<u64>,
    /// Next stored id to look at.
    next: u64,
}

impl Tally {
    fn update(&mut self, state: &MockState, m: &Matcher<'_>) {
        state.with_events(|events| {
            // Forget matches no longer retained (evicted, or the store was cleared).
            let oldest = events.iter().next().map_or(u64::MAX, |e| e.id);
            self.ids.retain(|id| *id >= oldest);
            for e in events.since(self.next.saturating_sub(1)) {
                if m.matches(e) {
                    self.ids.push(e.id);
                }
            }
            if let Some(last) = events.iter().next_back() {
                self.next = self.next.max(last.id + 1);
            }
        });
    }
}

/// What a wait that timed out had seen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("timed out after {timeout:?} waiting for {wanted} matching event(s); {} so far", events.len())]
pub struct WaitTimeout {
    pub wanted: usize,
    pub timeout: Duration,
    /// The matching events stored when the wait ended (up to the query's `limit`).
    pub events: Vec<Arc<StoredEvent>>,
}

/// Waits until at least `n` events match `q` or `timeout` passes. Woken by the store's change
/// notifications, never by polling.
pub(crate) async fn wait_for(
    state: &MockState,
    q: &EventQuery,
    n: usize,
    timeout: Duration,
) -> Result<Vec<Arc<StoredEvent>>, WaitTimeout> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut changes = state.changes().subscribe();
    let m = q.compile();
    let mut tally = Tally {
        ids: Vec::new(),
        next: m.first_id(),
    };
    loop {
        changes.borrow_and_update();
        tally.update(state, &m);
        if tally.ids.len() >= n {
            return Ok(select(state, q));
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            // Timed out, or the state is gone (cannot happen while `state` is borrowed).
            _ => {
                return Err(WaitTimeout {
                    wanted: n,
                    timeout,
                    events: select(state, q),
                })
            }
        }
    }
}
