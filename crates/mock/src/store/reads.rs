//! Reading the store: matching events a page at a time, the newest ones, waiting for events to
//! arrive, the journal's rows for the live stream, and duplicate collector event ids.

use std::borrow::Borrow;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::journal::Entry;
use super::matching::Matcher;
use super::Store;
use crate::model::{EventQuery, StoredEvent};

/// The journal after a given request id, as the live stream sends it.
pub(crate) struct JournalSince<T> {
    /// The newest `max` of the entries after the id, oldest first, each made a row.
    pub(crate) rows: Vec<T>,
    /// Entries after the id left out beyond `max`.
    pub(crate) skipped: usize,
    /// The newest entry's id, if there is any after the id.
    pub(crate) last_id: Option<u64>,
    /// The run's request counter (it only goes down when the store is cleared).
    pub(crate) requests_counted: u64,
    /// The newest retained event's id.
    pub(crate) last_event_id: Option<u64>,
}

impl Store {
    /// Stored events matching `query`, oldest first, up to its `limit` (what `GET
    /// /__mock/events?…` answers).
    pub fn events_matching(&self, query: &EventQuery) -> Vec<Arc<StoredEvent>> {
        let m = Matcher::new(query);
        let max = query.limit.unwrap_or(usize::MAX);
        let (out, _) = self.page_with(&m, m.first_id(), max);
        out
    }

    /// Events with a stored id of at least `from`, in id order, at most `max`, that match.
    /// Returns them and the id to continue from.
    pub(crate) fn page(
        &self,
        query: &EventQuery,
        from: u64,
        max: usize,
    ) -> (Vec<Arc<StoredEvent>>, Option<u64>) {
        self.page_with(&Matcher::new(query), from, max)
    }

    fn page_with(
        &self,
        m: &Matcher<'_>,
        from: u64,
        max: usize,
    ) -> (Vec<Arc<StoredEvent>>, Option<u64>) {
        let inner = self.lock();
        let mut out = Vec::new();
        for e in inner.events.since(from.saturating_sub(1)) {
            if out.len() == max {
                return (out, Some(e.id));
            }
            if m.matches(e) {
                out.push(e.clone());
            }
        }
        (out, None)
    }

    /// The newest `n` matching events, oldest first (the live page's first screen).
    pub(crate) fn newest(&self, query: &EventQuery, n: usize) -> Vec<Arc<StoredEvent>> {
        let m = Matcher::new(query);
        let mut out: Vec<Arc<StoredEvent>> = self
            .lock()
            .events
            .since(m.first_id().saturating_sub(1))
            .rev()
            .filter(|e| m.matches(e))
            .take(n)
            .cloned()
            .collect();
        out.reverse();
        out
    }

    /// The newest `n` journal entries as rows, oldest first.
    pub(crate) fn newest_requests<T>(&self, n: usize, row: impl Fn(&Entry) -> T) -> Vec<T> {
        let mut rows: Vec<T> = self.lock().journal.iter().rev().take(n).map(row).collect();
        rows.reverse();
        rows
    }

    /// The journal entries after request `id` as rows (the newest `max` of them), with the
    /// counters a stream needs to know where it is.
    pub(crate) fn requests_since<T>(
        &self,
        id: u64,
        max: usize,
        row: impl Fn(&Entry) -> T,
    ) -> JournalSince<T> {
        let inner = self.lock();
        let new: Vec<&Entry> = inner.journal.since(id).collect();
        let skipped = new.len().saturating_sub(max);
        let since = JournalSince {
            rows: new[skipped..].iter().map(|e| row(e)).collect(),
            skipped,
            last_id: new.last().map(|e| e.meta.id),
            requests_counted: inner.stats.requests,
            last_event_id: inner.events.iter().next_back().map(|e| e.id),
        };
        since
    }

    /// The run's request counter, the newest retained event id and the newest journal id (0
    /// when none): where a stream starts.
    pub(crate) fn heads(&self) -> (u64, u64, u64) {
        let inner = self.lock();
        let heads = (
            inner.stats.requests,
            inner.events.iter().next_back().map_or(0, |e| e.id),
            inner.journal.last_id().unwrap_or(0),
        );
        heads
    }

    /// Groups of retained events that share a collector event id (`eventn_ctx_event_id`), in
    /// order of first appearance.
    pub fn duplicates(&self) -> Vec<Value> {
        duplicates_of(&self.events())
    }

    /// Waits until at least `n` stored events match `query` (woken as events are stored, no
    /// polling), then returns the matching ones; after `timeout`, the error holds those seen.
    ///
    /// ```no_run
    /// # async fn demo(mock: usermaven_mock::MockUsermaven) {
    /// use std::time::Duration;
    /// use usermaven_mock::EventQuery;
    /// let signups = mock
    ///     .wait_for(&EventQuery::new().event_type("signed_up"), 2, Duration::from_secs(5))
    ///     .await
    ///     .expect("two sign-ups");
    /// # let _ = signups;
    /// # }
    /// ```
    pub async fn wait_for(
        &self,
        query: &EventQuery,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Arc<StoredEvent>>, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.watch_changes();
        let m = Matcher::new(query);
        let mut tally = Tally {
            ids: Vec::new(),
            next: m.first_id(),
        };
        loop {
            changes.borrow_and_update();
            tally.update(self, &m);
            if tally.ids.len() >= n {
                return Ok(self.events_matching(query));
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                // Timed out, or the state is gone (cannot happen while `self` is borrowed).
                _ => {
                    return Err(WaitTimeout {
                        wanted: n,
                        timeout,
                        events: self.events_matching(query),
                    })
                }
            }
        }
    }

    /// Waits until at least `n` events are stored or `timeout` passes; returns the events.
    pub async fn wait_for_events(&self, n: usize, timeout: Duration) -> Vec<Arc<StoredEvent>> {
        match self.wait_for(&EventQuery::new(), n, timeout).await {
            Ok(events) => events,
            Err(t) => t.events,
        }
    }
}

/// Events sharing a collector event id, in order of first appearance.
fn duplicates_of<E: Borrow<StoredEvent>>(events: &[E]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
    for e in events {
        let e = e.borrow();
        let Some(id) = e.event_id() else { continue };
        match groups.iter_mut().find(|(k, _)| k == id) {
            Some((_, ids)) => ids.push(e.id),
            None => groups.push((id.to_owned(), vec![e.id])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(event_id, ids)| json!({ "event_id": event_id, "count": ids.len(), "ids": ids }))
        .collect()
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
    fn update(&mut self, store: &Store, m: &Matcher<'_>) {
        let inner = store.lock();
        let events = &inner.events;
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
        drop(inner);
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
