//! The shared state behind the router: configuration, the destination, the message store, and
//! the intake side of the queue to the destination.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;
use usermaven_destination::Destination;
use usermaven_sender::SenderConfig;

use crate::clock::{random_seed, Clock, MessageIds};
use crate::model::Message;
use crate::pipeline::{self, Job};
use crate::store::{Changes, Store};

/// Messages kept by default (`--max-messages`).
pub const DEFAULT_MAX_MESSAGES: usize = 10_000;
/// Messages waiting for the destination, at most (the API answers without waiting for them
/// unless this queue is full).
pub const DEFAULT_QUEUE: usize = 4096;

/// How the local Segment behaves.
#[derive(Clone, Debug)]
pub struct SegmentConfig {
    /// The write keys accepted; empty: any key. A message under another key is dropped, and
    /// the API still answers 200, as Segment's does.
    pub write_keys: Vec<String>,
    /// The newest this many messages are kept.
    pub max_messages: usize,
    /// `receivedAt` and the destination's *now*.
    pub clock: Clock,
    /// Seed of the destination's id generator and of the message ids Segment adds; `None`:
    /// random per run.
    pub seed: Option<u64>,
    /// Capacity of the queue between the API and the destination.
    pub queue: usize,
    /// How requests are delivered.
    pub sender: SenderConfig,
    /// The token the page and `/__segment/` ask for when a rule needs one (see `guard.rs`);
    /// `None`: random per run.
    pub admin_token: Option<String>,
    /// Whether the server is bound to a loopback address only.
    pub loopback: bool,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            write_keys: Vec::new(),
            max_messages: DEFAULT_MAX_MESSAGES,
            clock: Clock::System,
            seed: None,
            queue: DEFAULT_QUEUE,
            sender: SenderConfig::default(),
            admin_token: None,
            loopback: true,
        }
    }
}

/// The local Segment's state. Cheap to clone.
#[derive(Clone)]
pub struct Segment {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: SegmentConfig,
    pub(crate) destination: Arc<Destination>,
    store: Mutex<Store>,
    pub(crate) changes: Changes,
    /// Held while a request's messages are stored and queued, so the destination sees them in
    /// id order (which is what makes a replay with `map --seed` byte-exact).
    pub(crate) intake: tokio::sync::Mutex<Intake>,
    pub(crate) admin_token: String,
}

pub(crate) struct Intake {
    pub(crate) ids: MessageIds,
    pub(crate) queue: mpsc::Sender<Job>,
}

impl Segment {
    /// Starts the pipeline (needs a tokio runtime): a task that runs the destination on each
    /// queued message and a task that delivers its requests with the sender. `destination`'s
    /// `base_url` says where requests go.
    pub fn start(
        config: SegmentConfig,
        destination: Destination,
    ) -> Result<Segment, usermaven_sender::BuildError> {
        let seed = config.seed.unwrap_or_else(random_seed);
        let (queue, jobs) = mpsc::channel(config.queue.max(1));
        let admin_token = config.admin_token.clone().unwrap_or_else(|| {
            format!(
                "{:016x}{:016x}",
                random_seed(),
                random_seed().rotate_left(17)
            )
        });
        let segment = Segment {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::new(config.max_messages)),
                destination: Arc::new(destination),
                changes: Changes::default(),
                intake: tokio::sync::Mutex::new(Intake {
                    // A different stream from the destination's, from the same seed.
                    ids: MessageIds::new(seed ^ 0x5E6_3E47),
                    queue,
                }),
                admin_token,
                config,
            }),
        };
        pipeline::spawn(&segment, jobs, seed)?;
        Ok(segment)
    }

    pub fn config(&self) -> &SegmentConfig {
        &self.inner.config
    }

    pub fn destination(&self) -> &Destination {
        &self.inner.destination
    }

    /// The token `/__segment/` asks for when its rules need one.
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves the store consistent (every change is one
        // assignment), so a poisoned lock is still usable.
        self.inner
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores a message (outcome and all) and wakes watchers; returns its id.
    pub(crate) fn record(&self, message: Message) -> u64 {
        let id = self.store().push(message);
        self.inner.changes.bump();
        id
    }

    /// Every retained message, oldest first (copied).
    pub fn messages(&self) -> Vec<Message> {
        self.store().iter().cloned().collect()
    }

    /// One message by id, while it is retained.
    pub fn message(&self, id: u64) -> Option<Message> {
        self.store().get(id).cloned()
    }

    /// Forgets every message.
    pub fn clear(&self) {
        self.store().clear();
        self.inner.changes.bump();
    }

    /// (retained, ever stored, evicted).
    pub fn counts(&self) -> (usize, u64, u64) {
        let s = self.store();
        (s.len(), s.total, s.evicted)
    }

    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }
}
