//! Shared server state: the event store, the bounded request journal, counters, scripted and
//! random faults, the store file.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::counters::Stats;
use crate::events::EventStore;
use crate::journal_store::Entry;
use crate::model::{
    EventSummary, Fault, FaultRecord, MockConfig, MockError, Notice, RandomFaults, RequestRecord,
    StoredEvent, StrictMode, Workspace,
};
use crate::store_file::StoreFile;

/// Handle to the mock's state; cheap to clone. Pass it to [`crate::app`].
#[derive(Clone)]
pub struct MockState {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    /// The strict mode, read by every request without the lock ([`StrictMode`] as `u8`).
    strict: AtomicU8,
    /// The next request id. Taken without the lock unless faults are armed (then under it, so
    /// that ids and fault draws keep one order).
    next_request_id: AtomicU64,
    /// Scripted or random faults may be pending: requests take the lock to draw one. Set under
    /// the lock when faults are armed, cleared under it when the last one is used up.
    faults_armed: AtomicBool,
    /// What redaction removes from the journal (see `ingest::redact`).
    secrets: Vec<String>,
    pub(crate) inner: Mutex<Inner>,
    pub(crate) notices: broadcast::Sender<Notice>,
    /// Who may use `/__mock/` (the admin token).
    pub(crate) admin: crate::admin_token::AdminGuard,
    /// Bumped whenever events or the request log change (the live page and `wait_for` wait on it).
    pub(crate) changes: crate::live::Changes,
}

pub(crate) struct Inner {
    pub(crate) events: EventStore,
    /// The journal by request id (ids are given before processing, records are added after, so
    /// a map keeps them in id order); the smallest ids are evicted beyond `max_requests`.
    pub(crate) requests: crate::journal_store::Journal,
    pub(crate) faults_log: VecDeque<FaultRecord>,
    pub(crate) stats: Stats,
    pub(crate) next_event_id: u64,
    pub(crate) script: VecDeque<(Fault, u32)>,
    pub(crate) random: Option<(SplitMix64, RandomFaults)>,
    pub(crate) store: Option<StoreFile>,
    max_requests: usize,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same fault sequence.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Which fault (if any) hits a request, and where it came from.
pub(crate) struct Chosen {
    pub(crate) fault: Fault,
    pub(crate) origin: &'static str,
}

impl MockState {
    /// Builds the state, loading previously stored events when `config.store` is set.
    pub fn new(config: MockConfig) -> Result<Self, MockError> {
        let mut events = EventStore::new(config.max_events);
        let mut stats = Stats::default();
        let (mut next_event_id, mut next_request_id) = (1, 1);
        let mut store = None;
        if let Some(path) = &config.store {
            let loaded = StoreFile::load(path, config.max_events)?;
            events = loaded.events;
            stats = loaded.stats;
            next_event_id = loaded.max_event_id + 1;
            next_request_id = loaded.max_request_id + 1;
            store = Some(loaded.file);
        }
        let (notices, _) = broadcast::channel(1024);
        Ok(Self {
            shared: Arc::new(Shared {
                strict: AtomicU8::new(config.strict as u8),
                next_request_id: AtomicU64::new(next_request_id),
                faults_armed: AtomicBool::new(false),
                inner: Mutex::new(Inner {
                    events,
                    requests: crate::journal_store::Journal::new(config.max_requests),
                    faults_log: VecDeque::new(),
                    stats,
                    next_event_id,
                    script: VecDeque::new(),
                    random: None,
                    store,
                    max_requests: config.max_requests.max(1),
                }),
                admin: crate::admin_token::AdminGuard::new(
                    config.admin_token.clone(),
                    config.bind.ip().is_loopback(),
                ),
                changes: crate::live::Changes::default(),
                secrets: crate::ingest::workspace_secrets(&config.workspaces),
                config,
                notices,
            }),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
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

    pub(crate) fn admin(&self) -> &crate::admin_token::AdminGuard {
        &self.shared.admin
    }

    /// Tells the live page and `wait_for` waiters that events, requests, strict mode or faults
    /// changed.
    pub(crate) fn changed(&self) {
        self.shared.changes.bump();
    }

    pub(crate) fn changes(&self) -> &crate::live::Changes {
        &self.shared.changes
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

    /// Runs `f` on the event store under the lock: iterate, look up by id or `since` an id
    /// without taking a snapshot. Keep `f` short; ingestion waits for it.
    pub fn with_events<R>(&self, f: impl FnOnce(&EventStore) -> R) -> R {
        f(&self.lock().events)
    }

    /// The retained event with stored id `id`.
    pub fn event(&self, id: u64) -> Option<Arc<StoredEvent>> {
        self.lock().events.get(id).cloned()
    }

    /// The summary of a retained event, with its request if the journal still holds it.
    pub fn event_summary(&self, id: u64) -> Option<EventSummary> {
        let inner = self.lock();
        let e = inner.events.get(id)?;
        Some(e.summary(inner.requests.get(e.request_id).map(Entry::record).as_ref()))
    }

    /// The summary of `event` (looked up in the journal).
    pub fn summarize(&self, event: &StoredEvent) -> EventSummary {
        let request = self
            .lock()
            .requests
            .get(event.request_id)
            .map(Entry::record);
        event.summary(request.as_ref())
    }

    /// The request journal, oldest first (tokens redacted; the newest `max_requests`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.iter().map(Entry::record).collect()
    }

    /// A journal entry by request id.
    pub fn request(&self, id: u64) -> Option<RequestRecord> {
        self.lock().requests.get(id).map(Entry::record)
    }

    /// The injected faults still in the log (the newest `max_requests`).
    pub fn injected_faults(&self) -> Vec<FaultRecord> {
        self.lock().faults_log.iter().cloned().collect()
    }

    /// Exact counters over the run (evicted events and requests included).
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        let mut s = inner.stats.clone();
        s.retained_events = inner.events.len();
        s.evicted_events = inner.events.evicted();
        s.retained_requests = inner.requests.len();
        s
    }

    /// Forgets events, requests, the fault log and the counters (the store file is truncated
    /// too); faults stay armed and ids keep increasing.
    pub fn reset(&self) -> Result<(), MockError> {
        let mut inner = self.lock();
        inner.events.clear();
        inner.requests.clear();
        inner.faults_log.clear();
        inner.stats = Stats::default();
        if let Some(file) = &mut inner.store {
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

    /// The id of a new ingestion request and the fault that hits it, if any (the script first,
    /// then the dice). No lock while no fault is armed.
    pub(crate) fn next_request(&self) -> (u64, Option<Chosen>) {
        let shared = &self.shared;
        if !shared.faults_armed.load(Ordering::Acquire) {
            return (shared.next_request_id.fetch_add(1, Ordering::Relaxed), None);
        }
        let mut inner = self.lock();
        let id = shared.next_request_id.fetch_add(1, Ordering::Relaxed);
        let chosen = inner.choose_fault();
        if inner.script.is_empty() && inner.random.is_none() {
            shared.faults_armed.store(false, Ordering::Release);
        }
        (id, chosen)
    }

    /// A new request id for a request that draws no fault (rejected before the fault step).
    pub(crate) fn next_request_id(&self) -> u64 {
        self.shared.next_request_id.fetch_add(1, Ordering::Relaxed)
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
            let mut inner = self.lock();
            inner.script.push_back((fault, n));
            self.shared.faults_armed.store(true, Ordering::Release);
            drop(inner);
            self.changed();
        }
    }

    /// Random faults from a seeded generator, used when no scripted fault is pending.
    pub fn set_random_faults(&self, seed: u64, probs: RandomFaults) {
        let mut inner = self.lock();
        inner.random = Some((SplitMix64::new(seed), probs));
        self.shared.faults_armed.store(true, Ordering::Release);
        drop(inner);
        self.changed();
    }

    /// Arms the faults of a JSON fault specification (the body `POST /__mock/faults` takes: one
    /// fault object, an array of them, or `{"faults":[…],"random":{"seed":…,…}}`).
    pub fn apply_faults_json(&self, json: &str) -> Result<(), String> {
        crate::admin::apply_faults(self, json.as_bytes())
    }

    /// Disarms scripted and random faults.
    pub fn clear_faults(&self) {
        let mut inner = self.lock();
        inner.script.clear();
        inner.random = None;
        self.shared.faults_armed.store(false, Ordering::Release);
        drop(inner);
        self.changed();
    }

    /// Whether seeded random faults are armed.
    pub fn random_faults_armed(&self) -> bool {
        self.lock().random.is_some()
    }

    /// Scripted faults still pending, with their remaining counts.
    pub fn pending_faults(&self) -> Vec<(Fault, u32)> {
        self.lock().script.iter().cloned().collect()
    }
}

impl Inner {
    /// Picks the fault for the next ingestion request: the script first, then the dice.
    pub(crate) fn choose_fault(&mut self) -> Option<Chosen> {
        if let Some((fault, left)) = self.script.front_mut() {
            let fault = fault.clone();
            *left -= 1;
            if *left == 0 {
                self.script.pop_front();
            }
            return Some(Chosen {
                fault,
                origin: "script",
            });
        }
        let (rng, p) = self.random.as_mut()?;
        let roll = rng.next_f64();
        let pick = rng.next_u64();
        let mut acc = 0.0;
        let kinds: [(f64, &dyn Fn() -> Fault); 7] = [
            (p.status, &|| {
                let statuses = if p.statuses.is_empty() {
                    vec![503]
                } else {
                    p.statuses.clone()
                };
                let status = statuses[(pick % statuses.len() as u64) as usize];
                Fault::Status {
                    status,
                    retry_after: p.retry_after.clone(),
                    body: None,
                }
            }),
            (p.delay, &|| Fault::Delay { ms: p.delay_ms }),
            (p.drop, &|| Fault::Drop {
                after_processing: pick % 2 == 1,
            }),
            (p.partial, &|| Fault::Partial),
            (p.slow, &|| Fault::Slow {
                byte_delay_ms: p.slow_byte_delay_ms.max(1),
            }),
            (p.reset, &|| Fault::Reset),
            (p.partial_read, &|| Fault::PartialRead),
        ];
        for (prob, make) in kinds {
            acc += prob.clamp(0.0, 1.0);
            if roll < acc {
                return Some(Chosen {
                    fault: make(),
                    origin: "random",
                });
            }
        }
        None
    }

    /// Appends events to the store file (one write per line); called before the 200 is sent.
    pub(crate) fn persist(&mut self, events: &[StoredEvent]) -> Result<(), MockError> {
        match &mut self.store {
            Some(file) => file.append(events),
            None => Ok(()),
        }
    }

    /// Adds accepted events to the store and the counters. Returns them, and the events
    /// retention evicted (drop those after letting go of the lock: freeing is not free).
    pub(crate) fn keep(
        &mut self,
        events: Vec<StoredEvent>,
    ) -> (Vec<Arc<StoredEvent>>, Vec<Arc<StoredEvent>>) {
        let mut evicted = Vec::new();
        let kept = events
            .into_iter()
            .map(|e| {
                self.stats.count_event(e.event_type());
                let e = Arc::new(e);
                evicted.extend(self.events.push(e.clone()));
                e
            })
            .collect();
        (kept, evicted)
    }

    /// Adds a journal entry (and counts it). Returns the entry evicted beyond `max_requests`,
    /// for the caller to drop after letting go of the lock.
    #[must_use]
    pub(crate) fn journal(&mut self, entry: Entry) -> Option<Entry> {
        self.stats
            .count_request(entry.meta.outcome, entry.meta.status);
        self.requests.insert(entry)
    }

    /// Logs an injected fault (and counts it), evicting the oldest beyond `max_requests`.
    pub(crate) fn log_fault(&mut self, record: FaultRecord) {
        self.stats.count_fault();
        if self.faults_log.len() >= self.max_requests {
            self.faults_log.pop_front();
        }
        self.faults_log.push_back(record);
    }
}
