//! Exact counters over the whole run (`/__mock/stats`): they count every accepted event and
//! every request, including those retention has since evicted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Outcome;

/// Distinct `by_type` keys kept; later new types are counted under [`OTHER_TYPES`], so a client
/// sending a new event type per event cannot grow the map without bound.
const MAX_TYPES: usize = 1_000;
/// The `by_type` key for types beyond [`MAX_TYPES`].
pub(super) const OTHER_TYPES: &str = "(other types)";

/// What `/__mock/stats` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Accepted events.
    pub events: u64,
    /// Accepted events per `event_type` (`""` when absent).
    pub by_type: BTreeMap<String, u64>,
    /// Ingestion-side requests recorded in the journal.
    pub requests: u64,
    /// Requests per outcome.
    pub by_outcome: BTreeMap<Outcome, u64>,
    /// Requests per status sent (`none` when the connection was dropped).
    pub by_status: BTreeMap<String, u64>,
    /// Faults injected.
    pub faults_injected: u64,
    /// Events in memory now.
    pub retained_events: usize,
    /// Events evicted by retention.
    pub evicted_events: u64,
    /// Requests in the journal now.
    pub retained_requests: usize,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

impl Stats {
    pub(super) fn count_event(&mut self, event_type: Option<&str>) {
        self.events += 1;
        let key = event_type.unwrap_or("");
        if self.by_type.len() >= MAX_TYPES && !self.by_type.contains_key(key) {
            bump(&mut self.by_type, OTHER_TYPES);
        } else {
            bump(&mut self.by_type, key);
        }
    }

    pub(super) fn count_request(&mut self, outcome: Outcome, status: Option<u16>) {
        self.requests += 1;
        *self.by_outcome.entry(outcome).or_default() += 1;
        match status {
            Some(s) => bump(&mut self.by_status, itoa::Buffer::new().format(s)),
            None => bump(&mut self.by_status, "none"),
        }
    }

    pub(super) fn count_fault(&mut self) {
        self.faults_injected += 1;
    }

    /// Requests with `outcome` (0 when none).
    pub fn outcome(&self, outcome: Outcome) -> u64 {
        self.by_outcome.get(&outcome).copied().unwrap_or(0)
    }
}
