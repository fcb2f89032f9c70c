//! The store: one [`Store`] holds everything the mock keeps and keeps its rules itself.
//!
//! - the retained events (`events.rs`: the newest `max_events`, by id), their ids given here, in
//!   arrival order, when a request's events are accepted;
//! - the bounded request journal (`journal.rs`: compact entries in id order);
//! - exact run counters (`counters.rs`), the NDJSON store file (`file.rs`);
//! - the armed faults and the injected-fault log (`faults.rs`);
//! - the change counter that wakes the live stream and `wait_for` (`changes.rs`), and the
//!   notices the CLI prints;
//! - reading: filters (`matching.rs`), pages, waiting for events (`reads.rs`).
//!
//! Request ids and strict mode are atomics, so a request takes the lock only to store and to
//! journal (and to draw a fault while faults are armed). Nothing here knows of HTTP: the
//! handlers call these methods.

mod changes;
mod counters;
mod events;
mod faults;
mod file;
pub(crate) mod journal;
mod matching;
mod reads;

pub use counters::Stats;
pub use reads::WaitTimeout;

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::model::config::{admin_token, redaction_secrets};
use crate::model::fault::{FaultPlan, FaultSpec};
use crate::model::{
    Fault, FaultRecord, MockConfig, MockError, Notice, RandomFaults, RequestRecord, StoredEvent,
    StrictMode, Workspace,
};
use changes::Changes;
use events::EventStore;
use faults::Faults;
use file::StoreFile;
use journal::{Entry, Journal};

/// The mock's state: events, request journal, counters, faults, store file. Cheap to clone (a
/// handle on shared state); pass it to [`crate::app`], or reach it through a running
/// [`crate::MockUsermaven`].
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    config: MockConfig,
    /// The strict mode, read by every request without the lock ([`StrictMode`] as `u8`).
    strict: AtomicU8,
    /// The next request id. Taken without the lock unless faults are armed (then under it, so
    /// that ids and fault draws keep one order).
    next_request_id: AtomicU64,
    /// Scripted or random faults may be pending: requests take the lock to draw one. Set under
    /// the lock when faults are armed, cleared under it when the last one is used up.
    faults_armed: AtomicBool,
    /// What redaction removes from the journal (see `http::ingest::redact`).
    secrets: Vec<String>,
    /// The token `/__mock/` asks for.
    admin_token: String,
    inner: Mutex<Inner>,
    notices: broadcast::Sender<Notice>,
    /// Bumped whenever events, the journal, strict mode or faults change.
    changes: Changes,
}

/// What the lock guards.
struct Inner {
    events: EventStore,
    journal: Journal,
    faults: Faults,
    stats: Stats,
    next_event_id: u64,
    file: Option<StoreFile>,
}

/// A retained event with what the page's detail view shows beside it.
pub(crate) struct EventDetail {
    pub(crate) event: Arc<StoredEvent>,
    /// Its request, when the journal still holds it.
    pub(crate) request: Option<RequestRecord>,
    /// Ids of the retained events with the same collector event id (itself included).
    pub(crate) same_event_id: Vec<u64>,
}

impl Store {
    /// Builds the store, loading previously stored events when `config.store` is set.
    pub fn new(config: MockConfig) -> Result<Self, MockError> {
        let mut events = EventStore::new(config.max_events);
        let mut stats = Stats::default();
        let (mut next_event_id, mut next_request_id) = (1, 1);
        let mut file = None;
        if let Some(path) = &config.store {
            let loaded = StoreFile::load(path, config.max_events)?;
            events = loaded.events;
            stats = loaded.stats;
            next_event_id = loaded.max_event_id + 1;
            next_request_id = loaded.max_request_id + 1;
            file = Some(loaded.file);
        }
        let (notices, _) = broadcast::channel(1024);
        Ok(Self {
            shared: Arc::new(Shared {
                strict: AtomicU8::new(config.strict as u8),
                next_request_id: AtomicU64::new(next_request_id),
                faults_armed: AtomicBool::new(false),
                inner: Mutex::new(Inner {
                    events,
                    journal: Journal::new(config.max_requests),
                    faults: Faults::new(config.max_requests),
                    stats,
                    next_event_id,
                    file,
                }),
                admin_token: admin_token(config.admin_token.as_deref()),
                changes: Changes::default(),
                secrets: redaction_secrets(&config.workspaces),
                config,
                notices,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the data half-updated in a way that matters
        // for a mock; keep serving.
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    pub(crate) fn secrets(&self) -> &[String] {
        &self.shared.secrets
    }

    pub(crate) fn workspaces(&self) -> &[Workspace] {
        &self.shared.config.workspaces
    }

    /// The token `/__mock/` asks for (configured, or random per process).
    pub(crate) fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// Tells the live page and `wait_for` waiters that events, requests, strict mode or faults
    /// changed.
    fn changed(&self) {
        self.shared.changes.bump();
    }

    /// Watches the change counter.
    pub(crate) fn watch_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    pub(crate) fn notify(&self, notice: Notice) {
        let _ = self.shared.notices.send(notice);
    }

    /// Subscribes to accepted/rejected/fault notices (what the CLI prints).
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.shared.notices.subscribe()
    }

    /// The retained events, oldest first (shared, not copied).
    pub fn events(&self) -> Vec<Arc<StoredEvent>> {
        self.lock().events.iter().cloned().collect()
    }

    /// The retained event with stored id `id`.
    pub fn event(&self, id: u64) -> Option<Arc<StoredEvent>> {
        self.lock().events.get(id).cloned()
    }

    /// The summary of a retained event, with its request if the journal still holds it.
    pub fn event_summary(&self, id: u64) -> Option<crate::model::EventSummary> {
        let inner = self.lock();
        let e = inner.events.get(id)?;
        Some(e.summary(inner.journal.get(e.request_id).map(Entry::record).as_ref()))
    }

    /// A retained event, its request and the events sharing its collector event id.
    pub(crate) fn event_detail(&self, id: u64) -> Option<EventDetail> {
        let inner = self.lock();
        let event = inner.events.get(id).cloned()?;
        let request = inner.journal.get(event.request_id).map(Entry::record);
        let same_event_id = match event.event_id() {
            Some(eid) => inner
                .events
                .iter()
                .filter(|o| o.event_id() == Some(eid))
                .map(|o| o.id)
                .collect(),
            None => Vec::new(),
        };
        Some(EventDetail {
            event,
            request,
            same_event_id,
        })
    }

    /// The request journal, oldest first (tokens redacted; the newest `max_requests`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().journal.iter().map(Entry::record).collect()
    }

    /// A journal entry by request id.
    pub fn request(&self, id: u64) -> Option<RequestRecord> {
        self.lock().journal.get(id).map(Entry::record)
    }

    /// The injected faults still in the log (the newest `max_requests`).
    pub fn injected_faults(&self) -> Vec<FaultRecord> {
        self.lock().faults.logged().cloned().collect()
    }

    /// Exact counters over the run (evicted events and requests included).
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        let mut s = inner.stats.clone();
        s.retained_events = inner.events.len();
        s.evicted_events = inner.events.evicted();
        s.retained_requests = inner.journal.len();
        s
    }

    /// How many events and journal entries are retained now.
    pub(crate) fn retained(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.events.len(), inner.journal.len())
    }

    /// Forgets events, requests, the fault log and the counters (the store file is truncated
    /// too); faults stay armed and ids keep increasing.
    pub fn reset(&self) -> Result<(), MockError> {
        let mut inner = self.lock();
        inner.events.clear();
        inner.journal.clear();
        inner.faults.clear_log();
        inner.stats = Stats::default();
        if let Some(file) = &mut inner.file {
            file.truncate()?;
        }
        drop(inner);
        self.changed();
        Ok(())
    }

    pub fn strict(&self) -> StrictMode {
        match self.shared.strict.load(Ordering::Relaxed) {
            x if x == StrictMode::Off as u8 => StrictMode::Off,
            x if x == StrictMode::Warn as u8 => StrictMode::Warn,
            _ => StrictMode::Reject,
        }
    }

    pub fn set_strict(&self, mode: StrictMode) {
        self.shared.strict.store(mode as u8, Ordering::Relaxed);
        self.changed();
    }

    /// The id of a new ingestion request on `path` and the fault that hits it, if any (the
    /// script first, then the dice); an injected fault is logged, counted and announced. No lock
    /// while no fault is armed.
    pub(crate) fn next_request(&self, path: &str) -> (u64, Option<Fault>) {
        let shared = &self.shared;
        if !shared.faults_armed.load(Ordering::Acquire) {
            return (shared.next_request_id.fetch_add(1, Ordering::Relaxed), None);
        }
        let mut inner = self.lock();
        let request_id = shared.next_request_id.fetch_add(1, Ordering::Relaxed);
        let chosen = inner.faults.choose();
        if !inner.faults.armed() {
            shared.faults_armed.store(false, Ordering::Release);
        }
        let Some((fault, origin)) = chosen else {
            return (request_id, None);
        };
        let record = FaultRecord {
            request_id,
            path: path.to_owned(),
            fault: fault.clone(),
            origin,
        };
        inner.stats.count_fault();
        inner.faults.log(record.clone());
        drop(inner);
        self.notify(Notice::Fault(record));
        (request_id, Some(fault))
    }

    /// A new request id for a request that draws no fault (rejected before the fault step).
    pub(crate) fn next_request_id(&self) -> u64 {
        self.shared.next_request_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Stores a request's accepted events: gives them their ids (consecutive, in arrival
    /// order), appends them to the store file (before the caller answers 200), keeps them,
    /// counts them and announces each. Returns their ids.
    pub(crate) fn accept(&self, mut events: Vec<StoredEvent>) -> Result<Range<u64>, MockError> {
        let mut inner = self.lock();
        let first = inner.next_event_id;
        for (e, id) in events.iter_mut().zip(first..) {
            e.id = id;
        }
        if let Some(file) = &mut inner.file {
            file.append(&events)?;
        }
        let ids = first..first + events.len() as u64;
        inner.next_event_id = ids.end;
        let mut evicted = Vec::new();
        let kept: Vec<Arc<StoredEvent>> = events
            .into_iter()
            .map(|e| {
                inner.stats.count_event(e.event_type());
                let e = Arc::new(e);
                evicted.extend(inner.events.push(e.clone()));
                e
            })
            .collect();
        drop(inner);
        // Freeing is not free: after letting go of the lock.
        drop(evicted);
        for e in kept {
            self.notify(Notice::Accepted(e));
        }
        Ok(ids)
    }

    /// Adds a journal entry (and counts it); wakes the watchers.
    pub(crate) fn record(&self, entry: Entry) {
        let mut inner = self.lock();
        inner
            .stats
            .count_request(entry.meta.outcome, entry.meta.status);
        let evicted = inner.journal.insert(entry);
        drop(inner);
        drop(evicted);
        self.changed();
    }

    /// The next `n` ingestion requests get `status` without being processed.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.inject_n(Fault::status(status), n);
    }

    /// The next ingestion request gets `fault` (after any already scripted).
    pub fn inject(&self, fault: Fault) {
        self.inject_n(fault, 1);
    }

    /// The next `n` ingestion requests get `fault` (after any already scripted).
    pub fn inject_n(&self, fault: Fault, n: u32) {
        if n > 0 {
            self.arm(|faults| faults.script(fault, n));
        }
    }

    /// Random faults from a seeded generator, used when no scripted fault is pending.
    pub fn set_random_faults(&self, seed: u64, probs: RandomFaults) {
        self.arm(|faults| faults.set_random(seed, probs));
    }

    /// Arms faults with `f`, under the lock.
    fn arm(&self, f: impl FnOnce(&mut Faults)) {
        let mut inner = self.lock();
        f(&mut inner.faults);
        self.shared.faults_armed.store(true, Ordering::Release);
        drop(inner);
        self.changed();
    }

    /// Arms the faults of a JSON fault specification (the body `POST /__mock/faults` takes: one
    /// fault object, an array of them, or `{"faults":[…],"random":{"seed":…,…}}`).
    pub fn apply_faults_json(&self, json: &str) -> Result<(), String> {
        self.apply_faults(json.as_bytes())
    }

    /// [`Store::apply_faults_json`] of bytes.
    pub(crate) fn apply_faults(&self, text: &[u8]) -> Result<(), String> {
        let spec = FaultSpec::parse(text)?;
        for f in spec.faults {
            self.inject_n(f.fault, f.times);
        }
        if let Some(r) = spec.random {
            self.set_random_faults(r.seed, r.probs);
        }
        Ok(())
    }

    /// Disarms scripted and random faults.
    pub fn clear_faults(&self) {
        let mut inner = self.lock();
        inner.faults.disarm();
        self.shared.faults_armed.store(false, Ordering::Release);
        drop(inner);
        self.changed();
    }

    /// Whether seeded random faults are armed.
    pub fn random_faults_armed(&self) -> bool {
        self.lock().faults.random_armed()
    }

    /// Scripted faults still pending, with their remaining counts.
    pub fn pending_faults(&self) -> Vec<(Fault, u32)> {
        self.fault_plan()
            .pending
            .into_iter()
            .map(|s| (s.fault, s.times))
            .collect()
    }

    /// The armed faults (what `/__mock/faults` and the page show).
    pub(crate) fn fault_plan(&self) -> FaultPlan {
        self.lock().faults.plan()
    }
}
