//! The scan's working memory: the slot per path node and the entries of whole objects,
//! kept per thread between scans so that a scan allocates nothing.

use super::Kind;

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Slot {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) kind: Option<Kind>,
    pub(super) canonical: bool,
    pub(super) entries: (u32, u32),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub(super) key: (u32, u32),
    pub(super) value: (u32, u32),
    pub(super) kind: Kind,
    pub(super) canonical: bool,
}

/// The scan's working memory, kept per thread between scans (events come one after the
/// other: no allocation per event).
#[derive(Debug, Default)]
pub(super) struct Buffers {
    pub(super) slots: Vec<Slot>,
    /// Keys of the canonical-checked objects being scanned (for repeated keys).
    pub(super) keys: Vec<(u32, u32)>,
    /// Entries of the whole objects being scanned.
    pub(super) pending: Vec<Entry>,
    pub(super) entries: Vec<Entry>,
}

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Buffers>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Buffers {
    pub(super) fn take(nodes: usize) -> Buffers {
        let mut b = SPARE
            .with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
            .unwrap_or_default();
        b.slots.clear();
        b.slots.resize(nodes, Slot::default());
        b.keys.clear();
        b.pending.clear();
        b.entries.clear();
        b
    }

    pub(super) fn give_back(self) {
        SPARE.with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if s.len() < 4 {
                    s.push(self);
                }
            }
        });
    }
}
