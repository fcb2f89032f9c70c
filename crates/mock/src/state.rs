//! Shared server state: stored events, the request log, scripted and random faults, the store file.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::model::{
    Fault, FaultRecord, MockConfig, MockError, Notice, RandomFaults, RequestRecord, StoredEvent,
    StrictMode, Workspace,
};

/// Handle to the mock's state; cheap to clone. Pass it to [`crate::app`].
#[derive(Clone)]
pub struct MockState {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    pub(crate) inner: Mutex<Inner>,
    pub(crate) notices: broadcast::Sender<Notice>,
    /// Who may use `/__mock/` (the admin token).
    pub(crate) admin: crate::admin_token::AdminGuard,
    /// Bumped whenever events or the request log change (the live page and `wait_for` wait on it).
    pub(crate) changes: crate::live::Changes,
}

pub(crate) struct Inner {
    pub(crate) strict: StrictMode,
    pub(crate) events: Vec<StoredEvent>,
    pub(crate) requests: Vec<RequestRecord>,
    pub(crate) faults_log: Vec<FaultRecord>,
    pub(crate) next_event_id: u64,
    pub(crate) next_request_id: u64,
    pub(crate) script: VecDeque<(Fault, u32)>,
    pub(crate) random: Option<(SplitMix64, RandomFaults)>,
    pub(crate) store: Option<(PathBuf, File)>,
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
        let mut events = Vec::new();
        let mut store = None;
        if let Some(path) = &config.store {
            events = load_store(path)?;
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| MockError::Store {
                    path: path.clone(),
                    source,
                })?;
            store = Some((path.clone(), file));
        }
        let next_event_id = events.iter().map(|e| e.id).max().unwrap_or(0) + 1;
        let next_request_id = events.iter().map(|e| e.request_id).max().unwrap_or(0) + 1;
        let (notices, _) = broadcast::channel(1024);
        Ok(Self {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    strict: config.strict,
                    events,
                    requests: Vec::new(),
                    faults_log: Vec::new(),
                    next_event_id,
                    next_request_id,
                    script: VecDeque::new(),
                    random: None,
                    store,
                }),
                admin: crate::admin_token::AdminGuard::new(
                    config.admin_token.clone(),
                    config.bind.ip().is_loopback(),
                ),
                changes: crate::live::Changes::default(),
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

    pub(crate) fn workspaces(&self) -> &[Workspace] {
        &self.shared.config.workspaces
    }

    pub(crate) fn admin(&self) -> &crate::admin_token::AdminGuard {
        &self.shared.admin
    }

    /// Tells the live page and `wait_for` waiters that events or requests changed.
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

    /// Every stored event, oldest first.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.lock().events.clone()
    }

    /// The request log, oldest first (tokens redacted).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Every fault injected so far.
    pub fn injected_faults(&self) -> Vec<FaultRecord> {
        self.lock().faults_log.clone()
    }

    /// Forgets events, requests and the fault log (the store file is truncated too); faults stay
    /// armed.
    pub fn reset(&self) -> Result<(), MockError> {
        let mut inner = self.lock();
        inner.events.clear();
        inner.requests.clear();
        inner.faults_log.clear();
        if let Some((path, file)) = &mut inner.store {
            file.set_len(0).map_err(|source| MockError::Store {
                path: path.clone(),
                source,
            })?;
        }
        drop(inner);
        self.changed();
        Ok(())
    }

    pub fn strict(&self) -> StrictMode {
        self.lock().strict
    }

    pub fn set_strict(&self, mode: StrictMode) {
        self.lock().strict = mode;
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
            self.lock().script.push_back((fault, n));
        }
    }

    /// Random faults from a seeded generator, used when no scripted fault is pending.
    pub fn set_random_faults(&self, seed: u64, probs: RandomFaults) {
        self.lock().random = Some((SplitMix64::new(seed), probs));
    }

    /// Disarms scripted and random faults.
    pub fn clear_faults(&self) {
        let mut inner = self.lock();
        inner.script.clear();
        inner.random = None;
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
        let kinds: [(f64, &dyn Fn() -> Fault); 5] = [
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

    /// Appends events to the store file and flushes it; called before the 200 is sent.
    pub(crate) fn persist(&mut self, events: &[StoredEvent]) -> Result<(), MockError> {
        let Some((path, file)) = &mut self.store else {
            return Ok(());
        };
        let mut buf = Vec::new();
        for e in events {
            serde_json::to_writer(&mut buf, e).map_err(|e| MockError::Store {
                path: path.clone(),
                source: std::io::Error::other(e),
            })?;
            buf.push(b'\n');
        }
        let res = file
            .write_all(&buf)
            .and_then(|()| file.flush())
            .and_then(|()| file.sync_data());
        res.map_err(|source| MockError::Store {
            path: path.clone(),
            source,
        })
    }
}

fn load_store(path: &PathBuf) -> Result<Vec<StoredEvent>, MockError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(MockError::Store {
                path: path.clone(),
                source,
            })
        }
    };
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| MockError::Store {
            path: path.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let event: StoredEvent = serde_json::from_str(&line).map_err(|e| MockError::StoreLine {
            path: path.clone(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(event);
    }
    Ok(out)
}
