//! The newest `max_messages` messages, by id, and a change counter that wakes waiters and the
//! page's stream.

use std::collections::VecDeque;

use tokio::sync::watch;

use crate::explain::RunEnv;
use crate::model::{DeliveryView, Message, Outcome, Route};

/// Bounded message storage: the oldest message is evicted when a new one would exceed
/// `max_messages`. Ids are consecutive, so a message is found by subtraction.
pub struct Store {
    messages: VecDeque<Message>,
    max_messages: usize,
    next_id: u64,
    /// Messages ever stored, and evicted.
    pub total: u64,
    pub evicted: u64,
    /// Bumped by every change; each message keeps the value of its last change.
    pub version: u64,
    /// Bumped by [`Store::clear`].
    pub generation: u64,
}

impl Store {
    pub fn new(max_messages: usize) -> Store {
        Store {
            messages: VecDeque::new(),
            max_messages: max_messages.max(1),
            next_id: 1,
            total: 0,
            evicted: 0,
            version: 0,
            generation: 0,
        }
    }

    /// Stores `message` under the next id and returns the id.
    pub fn push(&mut self, mut message: Message) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        message.id = id;
        self.version += 1;
        message.version = self.version;
        if self.messages.len() >= self.max_messages {
            self.messages.pop_front();
            self.evicted += 1;
        }
        self.messages.push_back(message);
        self.total += 1;
        id
    }

    fn index(&self, id: u64) -> Option<usize> {
        let first = self.messages.front()?.id;
        let i = id.checked_sub(first)? as usize;
        (i < self.messages.len()).then_some(i)
    }

    pub fn get(&self, id: u64) -> Option<&Message> {
        self.index(id).map(|i| &self.messages[i])
    }

    /// Records what the destination made of message `id` (nothing when it was evicted).
    pub fn set_routes(&mut self, id: u64, routes: Vec<Route>, env: RunEnv) {
        if let Some(i) = self.index(id) {
            self.version += 1;
            let m = &mut self.messages[i];
            m.run_env = Some(env);
            m.version = self.version;
            m.outcome = if routes.iter().any(|r| r.error.is_some()) {
                Outcome::Error
            } else if routes.is_empty() {
                Outcome::Unmatched
            } else {
                Outcome::Mapped
            };
            m.routes = routes;
        }
    }

    /// Records the delivery of route `route` of message `id`.
    pub fn set_delivery(&mut self, id: u64, route: usize, delivery: DeliveryView) {
        if let Some(i) = self.index(id) {
            self.version += 1;
            let m = &mut self.messages[i];
            m.version = self.version;
            if let Some(r) = m.routes.get_mut(route) {
                r.delivery = Some(delivery);
            }
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.iter()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Forgets every message (ids keep counting).
    pub fn clear(&mut self) {
        self.messages.clear();
        self.version += 1;
        self.generation += 1;
    }
}

/// A change counter: bumped on every change, watched by waiters and streams.
pub struct Changes(watch::Sender<u64>);

impl Default for Changes {
    fn default() -> Self {
        Changes(watch::channel(0).0)
    }
}

impl Changes {
    pub fn bump(&self) {
        if self.0.receiver_count() > 0 {
            self.0.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}
