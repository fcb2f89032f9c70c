//! The set of paths a scan looks for, as a trie of object keys with one-word key signatures.

use crate::parse::load8;

/// A set of paths into a JSON document, held as a trie of object keys. Node `0` is the root.
#[derive(Clone, Debug)]
pub struct PathSet {
    pub(super) nodes: Vec<PathNode>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct PathNode {
    /// Child keys with their [`signature`] (most keys differ in it, so the full compare is
    /// rarely needed).
    pub(super) children: Vec<(u64, Box<str>, u32)>,
    /// A collision-free hash table over the children's signatures (indexes into
    /// `children`, `u8::MAX` for empty), `shift` selecting the bits: one probe per key.
    pub(super) table: Vec<u8>,
    pub(super) shift: u32,
    /// The value is used whole: record an object's entries (canonical status is always
    /// computed for whole values).
    pub(super) whole: bool,
}

impl Default for PathSet {
    fn default() -> Self {
        PathSet::new()
    }
}

impl PathSet {
    /// The root node.
    pub const ROOT: u32 = 0;

    pub fn new() -> PathSet {
        PathSet {
            nodes: vec![PathNode::default()],
        }
    }

    /// The node for `keys` (object keys from the root), created when new.
    pub fn node(&mut self, keys: &[&str]) -> u32 {
        let mut at = PathSet::ROOT;
        for key in keys {
            let found = self.child(at, key);
            at = match found {
                Some(n) => n,
                None => {
                    let n = self.nodes.len() as u32;
                    self.nodes.push(PathNode::default());
                    let parent = &mut self.nodes[at as usize];
                    parent.children.push((signature(key), Box::from(*key), n));
                    parent.rebuild_table();
                    n
                }
            };
        }
        at
    }

    /// Marks `node` as used whole: [`Extract::entries`] lists an object's entries and
    /// [`Raw::canonical`] covers the whole value.
    pub fn mark_whole(&mut self, node: u32) {
        self.nodes[node as usize].whole = true;
    }

    /// How many nodes the set has (node ids are below this).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never: a set always has its root.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    #[inline]
    pub(super) fn child(&self, node: u32, key: &str) -> Option<u32> {
        self.child_sig(node, key, signature(key))
    }

    /// [`PathSet::child`] given the key's signature.
    #[inline]
    pub(super) fn child_sig(&self, node: u32, key: &str, sig: u64) -> Option<u32> {
        let children = &self.nodes[node as usize].children;
        if children.is_empty() {
            return None;
        }
        let node = &self.nodes[node as usize];
        let same =
            |&&(s, ref k, _): &&(u64, Box<str>, u32)| s == sig && (key.len() <= 7 || **k == *key);
        let found = if node.table.is_empty() {
            // (Also when two children share a signature.)
            children.iter().find(same)
        } else {
            let i = *node.table.get(slot_of(sig, node.shift))?;
            children.get(usize::from(i)).filter(same)
        };
        found.map(|&(_, _, n)| n)
    }
}

impl PathNode {
    /// Sizes the hash table so that no two children share a slot (up to 1024 slots; more
    /// children than that are searched linearly).
    pub(super) fn rebuild_table(&mut self) {
        self.table.clear();
        if self.children.len() >= usize::from(u8::MAX) {
            return;
        }
        let mut bits = (self.children.len() * 2)
            .next_power_of_two()
            .trailing_zeros()
            .max(2);
        while bits <= 10 {
            let shift = 64 - bits;
            let mut table = vec![u8::MAX; 1 << bits];
            let free = self.children.iter().enumerate().all(|(i, (sig, _, _))| {
                let slot = &mut table[slot_of(*sig, shift)];
                let was_free = *slot == u8::MAX;
                *slot = i as u8;
                was_free
            });
            if free {
                self.table = table;
                self.shift = shift;
                return;
            }
            bits += 1;
        }
    }
}

#[inline]
pub(super) fn slot_of(sig: u64, shift: u32) -> usize {
    (sig.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// A key's first 7 bytes and its length (low byte) in one word: equal signatures mean equal
/// keys for keys of up to 7 bytes.
#[inline]
pub(super) fn signature(key: &str) -> u64 {
    signature_at(key.as_bytes(), 0, key.len())
}

/// [`signature`] of the `n`-byte key at `text[at..]`, with one load when the text allows.
#[inline]
pub(super) fn signature_at(text: &[u8], at: usize, n: usize) -> u64 {
    let first = if at + 8 <= text.len() {
        let mask = if n >= 7 {
            0x00FF_FFFF_FFFF_FFFF
        } else {
            (1u64 << (8 * n)) - 1
        };
        load8(text, at) & mask
    } else {
        let mut w = 0;
        for (i, &c) in text[at..at + n].iter().take(7).enumerate() {
            w |= u64::from(c) << (8 * i);
        }
        w
    };
    (first << 8) | n.min(255) as u64
}
