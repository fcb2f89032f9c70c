//! The request journal as kept in memory: the newest `max_requests` entries in request-id order,
//! each in a compact form that becomes a [`RequestRecord`] when somebody reads it.
//!
//! Why not keep `RequestRecord`s: one took about fifteen allocations (every header name and
//! value, the method, the outcome, ...), all made on the request path and freed again when the
//! entry was evicted, and a `BTreeMap` of them; the journal cost the mock 13% of its req/s
//! under wrk. An [`Entry`] keeps its texts in one string and its event ids as a range, and the
//! entries sit in a `VecDeque` (ids are given at arrival and entries are added when answered,
//! so a new entry goes at or near the back).

use std::collections::VecDeque;
use std::ops::Range;

use axum::http::Method;

use crate::model::{Fault, Outcome, RequestRecord};

/// One journal entry (texts already redacted).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) meta: Meta,
    /// Path, query, the header lines (`name: value\n` each) and the response body, one after
    /// the other; `ends` says where each stops.
    text: Box<str>,
    ends: [usize; 4],
}

/// The texts of an [`Entry`], as the request path has them.
pub(crate) struct Texts<'a> {
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    /// `name: value\n` per header (names never hold `:`, values never hold a line break).
    pub(crate) header_lines: &'a str,
    pub(crate) response_body: &'a str,
}

/// What an [`Entry`] holds besides its texts.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) id: u64,
    pub(crate) received_at: String,
    pub(crate) method: Method,
    pub(crate) body_len: usize,
    pub(crate) body: Option<String>,
    pub(crate) token_source: Option<&'static str>,
    pub(crate) workspace: Option<usize>,
    pub(crate) status: Option<u16>,
    pub(crate) outcome: Outcome,
    pub(crate) reason: Option<String>,
    /// Stored events get consecutive ids, so a request's are a range.
    pub(crate) event_ids: Range<u64>,
    pub(crate) fault: Option<Fault>,
    pub(crate) duration_us: u64,
}

impl Entry {
    pub(crate) fn new(meta: Meta, t: Texts<'_>) -> Self {
        let parts = [t.path, t.query, t.header_lines, t.response_body];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0; 4];
        for (end, p) in ends.iter_mut().zip(parts) {
            text.push_str(p);
            *end = text.len();
        }
        Entry {
            meta,
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    pub(crate) fn path(&self) -> &str {
        self.part(0)
    }

    pub(crate) fn query(&self) -> &str {
        self.part(1)
    }

    /// The headers, in the order received.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.part(2)
            .lines()
            .map(|line| line.split_once(": ").unwrap_or((line, "")))
    }

    pub(crate) fn response_body(&self) -> &str {
        self.part(3)
    }

    /// The public form.
    pub(crate) fn record(&self) -> RequestRecord {
        let m = &self.meta;
        RequestRecord {
            id: m.id,
            received_at: m.received_at.clone(),
            method: m.method.to_string(),
            path: self.path().to_owned(),
            query: self.query().to_owned(),
            headers: self
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            body_len: m.body_len,
            body: m.body.clone(),
            token_source: m.token_source.map(str::to_owned),
            workspace: m.workspace,
            status: m.status,
            response_body: self.response_body().to_owned(),
            outcome: m.outcome,
            reason: m.reason.clone(),
            event_ids: m.event_ids.clone().collect(),
            fault: m.fault.clone(),
            duration_us: m.duration_us,
        }
    }
}

/// The newest entries, in id order.
#[derive(Debug, Default)]
pub(super) struct Journal {
    entries: VecDeque<Entry>,
    max: usize,
}

impl Journal {
    pub(crate) fn new(max: usize) -> Self {
        Journal {
            entries: VecDeque::new(),
            max: max.max(1),
        }
    }

    /// Adds `entry` in id order; returns the entry evicted beyond the limit, for the caller to
    /// drop after it lets go of the lock.
    #[must_use]
    pub(crate) fn insert(&mut self, entry: Entry) -> Option<Entry> {
        // Usually the newest: found at once from the back.
        let at = self
            .entries
            .iter()
            .rposition(|e| e.meta.id < entry.meta.id)
            .map_or(0, |i| i + 1);
        self.entries.insert(at, entry);
        if self.entries.len() > self.max {
            return self.entries.pop_front();
        }
        None
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Entry> {
        let i = self.entries.partition_point(|e| e.meta.id < id);
        self.entries.get(i).filter(|e| e.meta.id == id)
    }

    /// Entries with an id greater than `id`, oldest first.
    pub(crate) fn since(&self, id: u64) -> impl DoubleEndedIterator<Item = &Entry> {
        let start = self.entries.partition_point(|e| e.meta.id <= id);
        self.entries.range(start..)
    }

    /// All entries, oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.entries.iter()
    }

    pub(crate) fn last_id(&self) -> Option<u64> {
        self.entries.back().map(|e| e.meta.id)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> Entry {
        Entry::new(
            Meta {
                id,
                received_at: "2026-01-01T00:00:00.000000Z".into(),
                method: Method::POST,
                body_len: 3,
                body: None,
                token_source: Some("query token"),
                workspace: Some(0),
                status: Some(200),
                outcome: Outcome::Accepted,
                reason: None,
                event_ids: 7..9,
                fault: None,
                duration_us: 5,
            },
            Texts {
                path: "/api/v1/s2s/event",
                query: "token=REDACTED",
                header_lines: "host: x\nx-empty: \ncontent-type: a: b\n",
                response_body: "{\"status\":\"ok\"}",
            },
        )
    }

    #[test]
    fn an_entry_reads_back_as_the_record_it_stands_for() {
        let r = entry(4).record();
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("POST", "/api/v1/s2s/event", "token=REDACTED")
        );
        let headers: Vec<(&str, &str)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            [("host", "x"), ("x-empty", ""), ("content-type", "a: b")]
        );
        assert_eq!(r.response_body, "{\"status\":\"ok\"}");
        assert_eq!(r.event_ids, [7, 8]);
        assert_eq!(
            (r.token_source.as_deref(), r.outcome),
            (Some("query token"), Outcome::Accepted)
        );
    }

    #[test]
    fn entries_keep_id_order_and_the_newest_max() {
        let mut j = Journal::new(3);
        for id in [2, 1, 4, 3] {
            assert!(j.insert(entry(id)).is_none());
            if j.len() == 3 {
                break;
            }
        }
        assert_eq!(j.iter().map(|e| e.meta.id).collect::<Vec<_>>(), [1, 2, 4]);
        let evicted = j.insert(entry(3)).expect("over the limit");
        assert_eq!(evicted.meta.id, 1);
        assert_eq!(j.iter().map(|e| e.meta.id).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(j.since(2).map(|e| e.meta.id).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(
            (j.get(3).map(|e| e.meta.id), j.get(1).map(|e| e.meta.id)),
            (Some(3), None)
        );
        assert_eq!(j.last_id(), Some(4));
    }
}
