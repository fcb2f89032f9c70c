//! Acknowledgements for `send --checkpoint`, and when they are durable.
//!
//! A request is acknowledged once it is delivered (the endpoint has it) or in the dead-letter
//! file. The checkpoint log is written as soon as the acknowledged prefix grows, so a kill -9
//! (the operating system survives) loses nothing written; a power loss also loses what the
//! operating system had not yet put on disk. Two rules keep that from losing events:
//!
//! - A dead-lettered request is acknowledged only once the dead-letter file is synced
//!   (`fsync`): otherwise the disk could hold the checkpoint record past the line while the
//!   dead-letter line itself was lost.
//! - The checkpoint log is synced after each batch of acknowledgements, so what a power loss
//!   can take from it is bounded: at most the acknowledgements of the last
//!   `--checkpoint-sync` interval (and the one sync under way). Those lines are after the
//!   synced checkpoint and are sent again on resume (with their event ids); nothing is lost.
//!
//! With a zero interval every batch is synced before the next acknowledgement is counted, in
//! the result callback; otherwise a thread syncs whatever is pending once per interval.

use std::fs::File;
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use super::checkpoint::Checkpoint;
use super::events::lock;

/// The acknowledgements of one run with a checkpoint.
pub(super) struct Acks {
    checkpoint: Arc<Mutex<Checkpoint>>,
    /// The dead-letter file, once opened (a handle of its own, to sync it).
    dead_letter: Arc<OnceLock<File>>,
    /// Sequence numbers of dead-lettered requests waiting for the dead-letter file's sync.
    pending: Mutex<Vec<u64>>,
    /// The first error syncing, if any.
    error: Mutex<Option<std::io::Error>>,
    /// Zero: sync each batch of acknowledgements at once.
    interval: Duration,
}

impl Acks {
    pub(super) fn new(
        checkpoint: Arc<Mutex<Checkpoint>>,
        dead_letter: Arc<OnceLock<File>>,
        interval: Duration,
    ) -> Acks {
        Acks {
            checkpoint,
            dead_letter,
            pending: Mutex::new(Vec::new()),
            error: Mutex::new(None),
            interval,
        }
    }

    /// A request of step `seq` was delivered.
    pub(super) fn delivered(&self, seq: u64) {
        lock(&self.checkpoint).ack(seq);
        if self.interval.is_zero() {
            self.sync();
        }
    }

    /// A request of step `seq` was written to the dead-letter file (and flushed to the
    /// operating system).
    pub(super) fn dead_lettered(&self, seq: u64) {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(seq);
        if self.interval.is_zero() {
            self.sync();
        }
    }

    /// Make everything acknowledged so far durable: sync the dead-letter file, count the
    /// dead-lettered requests written before it, and sync the checkpoint log. The syncs run
    /// outside the checkpoint's lock (on handles of their own), so acknowledgements go on
    /// meanwhile.
    pub(super) fn sync(&self) {
        if let Err(e) = self.try_sync() {
            self.error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_or_insert(e);
        }
    }

    fn try_sync(&self) -> std::io::Result<()> {
        let pending = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if !pending.is_empty() {
            if let Some(f) = self.dead_letter.get() {
                // Failing, these stay unacknowledged: resent on resume.
                f.sync_data()?;
            }
            let mut cp = lock(&self.checkpoint);
            for seq in pending {
                cp.ack(seq);
            }
        }
        let log = lock(&self.checkpoint).unsynced()?;
        match log {
            Some(f) => f.sync_data(),
            None => Ok(()),
        }
    }

    /// The first error syncing, if any.
    pub(super) fn take_error(&self) -> Option<std::io::Error> {
        self.error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// The thread that syncs once per interval (none with a zero interval); dropping it stops
/// the thread (the run's last sync is the caller's).
pub(super) struct Syncer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    pub(super) fn start(acks: &Arc<Acks>) -> Syncer {
        if acks.interval.is_zero() {
            return Syncer {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let acks = acks.clone();
        let thread = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(acks.interval) {
                acks.sync();
            }
        });
        Syncer {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::send_cmd::checkpoint::Resume;

    /// A checkpoint over one input `a` with lines 1 and 2 (one request each) registered, a
    /// dead-letter file, and their acknowledgements synced every `interval`.
    fn setup(
        dir: &std::path::Path,
        interval: Duration,
    ) -> (Arc<Mutex<Checkpoint>>, Arc<Acks>, u64, u64) {
        let (cp, _) = Checkpoint::open(&dir.join("cp"), vec!["a".into()]).expect("open");
        let cp = Arc::new(Mutex::new(cp));
        let (s1, s2) = {
            let mut c = lock(&cp);
            (c.line(0, 1, 1), c.line(0, 2, 1))
        };
        let dead_letter = Arc::new(OnceLock::new());
        dead_letter
            .set(File::create(dir.join("dl")).expect("dead-letter file"))
            .expect("set");
        let acks = Arc::new(Acks::new(cp.clone(), dead_letter, interval));
        (cp, acks, s1, s2)
    }

    fn acknowledged(dir: &std::path::Path) -> Resume {
        Resume::read(&dir.join("cp")).expect("read")
    }

    #[test]
    fn a_dead_lettered_line_counts_once_the_dead_letter_file_is_synced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cp, acks, s1, s2) = setup(dir.path(), Duration::from_secs(3600));
        // Delivered: written at once (a kill -9 keeps it), synced later.
        acks.delivered(s1);
        assert!(acknowledged(dir.path()).done("a", 1));
        // Dead-lettered: not in the log before the dead-letter file is synced.
        acks.dead_lettered(s2);
        assert!(!acknowledged(dir.path()).done("a", 2));
        acks.sync();
        assert!(acknowledged(dir.path()).done("a", 2));
        // Everything written is synced: nothing left to sync.
        assert!(lock(&cp).unsynced().expect("handle").is_none());
        assert!(acks.take_error().is_none());
    }

    #[test]
    fn with_a_zero_interval_each_batch_is_synced_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cp, acks, s1, s2) = setup(dir.path(), Duration::ZERO);
        acks.delivered(s1);
        assert!(lock(&cp).unsynced().expect("handle").is_none());
        acks.dead_lettered(s2);
        assert!(acknowledged(dir.path()).done("a", 2));
        assert!(lock(&cp).unsynced().expect("handle").is_none());
    }

    #[test]
    fn the_syncer_syncs_once_per_interval() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cp, acks, s1, s2) = setup(dir.path(), Duration::from_millis(20));
        let syncer = Syncer::start(&acks);
        acks.delivered(s1);
        acks.dead_lettered(s2);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !acknowledged(dir.path()).done("a", 2) {
            assert!(Instant::now() < deadline, "never synced");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(syncer);
        assert!(lock(&cp).unsynced().expect("handle").is_none());
    }
}
