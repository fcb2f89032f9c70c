//! The in-memory event store: the newest `max_events` accepted events, oldest first.
//!
//! Events are kept behind `Arc`, so a snapshot, a notice or a query answer shares them instead of
//! copying; ids are sequential and increase with insertion, so lookups by id are binary searches.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::model::StoredEvent;

/// Retained events in arrival (= id) order, evicting the oldest beyond the retention limit.
pub(super) struct EventStore {
    events: VecDeque<Arc<StoredEvent>>,
    max: usize,
    evicted: u64,
}

impl EventStore {
    pub(crate) fn new(max: usize) -> Self {
        EventStore {
            events: VecDeque::new(),
            max: max.max(1),
            evicted: 0,
        }
    }

    /// Appends an event (its id must exceed every retained id), evicting the oldest if full.
    /// Adds `event`; returns the one retention evicted, for the caller to drop after it lets go
    /// of the lock.
    #[must_use]
    pub(crate) fn push(&mut self, event: Arc<StoredEvent>) -> Option<Arc<StoredEvent>> {
        let evicted = if self.events.len() >= self.max {
            self.evicted += 1;
            self.events.pop_front()
        } else {
            None
        };
        self.events.push_back(event);
        evicted
    }

    pub(crate) fn clear(&mut self) {
        self.events.clear();
        self.evicted = 0;
    }

    /// Retained events, oldest first.
    pub(crate) fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = &Arc<StoredEvent>> + ExactSizeIterator {
        self.events.iter()
    }

    /// Retained events with an id greater than `id`, oldest first.
    pub(crate) fn since(&self, id: u64) -> impl DoubleEndedIterator<Item = &Arc<StoredEvent>> {
        let start = self.events.partition_point(|e| e.id <= id);
        self.events.range(start..)
    }

    /// The retained event with stored id `id`.
    pub(crate) fn get(&self, id: u64) -> Option<&Arc<StoredEvent>> {
        let i = self.events.binary_search_by_key(&id, |e| e.id).ok()?;
        self.events.get(i)
    }

    /// How many events are retained.
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// Events evicted since start (or the last reset).
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }
}
