//! Matching stored events against an [`EventQuery`]: the search text compiled once, every
//! filter tested on the keys kept beside each event (no event is decoded).

use aho_corasick::AhoCorasick;

use crate::model::{EventQuery, Since, StoredEvent};

/// An [`EventQuery`] ready to test events against.
pub(super) struct Matcher<'q> {
    q: &'q EventQuery,
    text: Option<Option<AhoCorasick>>,
}

impl<'q> Matcher<'q> {
    /// The query with the search text compiled once.
    pub(crate) fn new(q: &'q EventQuery) -> Self {
        let text = q.text.as_deref().filter(|t| !t.is_empty()).map(|t| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build([t])
                // One literal pattern of bounded size always builds; if it somehow does not,
                // matching nothing is the honest answer.
                .ok()
        });
        Matcher { q, text }
    }

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
                Some(Some(ac)) => ac.is_match(&e.body),
            }
    }

    /// The first stored id that can match (events are kept in id order).
    pub(super) fn first_id(&self) -> u64 {
        match self.q.since {
            Some(Since::Id(id)) => id.saturating_add(1),
            _ => 0,
        }
    }
}
