//! The store's change counter: bumped whenever events, the request journal, strict mode or the
//! armed faults change; watched by the live stream and by `wait_for`.

use tokio::sync::watch;

/// A change counter: bumped by the store, watched by streams and waiters.
pub(super) struct Changes(watch::Sender<u64>);

impl Default for Changes {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl Changes {
    /// Called once per ingestion request. Free while nobody watches: a watcher subscribes before
    /// it first looks at the store, so a change it could miss is one it sees in that first look.
    pub(super) fn bump(&self) {
        if self.0.receiver_count() > 0 {
            self.0.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    pub(super) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}
