//! Which stored events to select: the filters of `GET /__mock/events`, of the live stream and of
//! [`crate::Store::events_matching`].

use super::problem::Verdict;

/// Where a selection starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Events with a larger stored id.
    Id(u64),
    /// Events received at or after this time.
    Time(jiff::Timestamp),
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
}
