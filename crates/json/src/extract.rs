//! Path extraction: one validating pass over a JSON text that records where the values at a
//! fixed set of paths are, without building a [`Value`](crate::Value).
//!
//! This is the front half of the fused fast path for plain mappings: a mapping that only
//! reads fixed paths needs a handful of values out of an event, and building the whole
//! document (every string allocated, every object collected) costs more than the rest of the
//! pipeline. [`Extract::run`] scans the text once, checks its grammar, and notes for each
//! path of a [`PathSet`] the value's byte span, its kind and whether its text is
//! *canonical*: byte-identical to what `JSON.stringify(JSON.parse(text))` would print, so it
//! can be copied to the output as it is.
//!
//! It is deliberately conservative: it gives up (returns `None`) on anything it does not
//! handle exactly — a grammar error (the caller then parses with [`Value::parse`], which
//! reports it), a key with an escape on a followed path, a repeated key on a path of the
//! set, deep nesting — and callers fall back to the full parse. A used string holding a
//! character of the range [`crate::lone_surrogate_char`] uses is not canonical. Whatever it accepts, [`Value::parse`](crate::Value::parse) accepts too.
//!
//! Canonical means: strings whose escapes are those `JSON.stringify` writes (`\"`, `\\`, the
//! short escapes of control characters, `\u00xx` in lower case for the others; not `\/`, not
//! `\u` for any other character); numbers written as ECMAScript prints them
//! (checked syntactically: no exponent, no trailing fraction zeros, not `-0`, at most 15
//! significant digits, so the digits are the shortest round trip, and not below 1e-6);
//! `true`/`false`/`null`; arrays and objects of canonical values with no whitespace, and
//! objects with no repeated key, no array-index key (those would move) and no `__proto__`
//! key (copies assign it: it becomes the copy's prototype or is dropped).

use crate::object::is_array_index;
use crate::parse::{load8, scan_plain, skip_digits, skip_exponent};

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    False,
    True,
    Number,
    String,
    Object,
    Array,
}

/// A set of paths into a JSON document, held as a trie of object keys. Node `0` is the root.
#[derive(Clone, Debug)]
pub struct PathSet {
    nodes: Vec<PathNode>,
}

#[derive(Clone, Debug, Default)]
struct PathNode {
    /// Child keys with their [`signature`] (most keys differ in it, so the full compare is
    /// rarely needed).
    children: Vec<(u64, Box<str>, u32)>,
    /// A collision-free hash table over the children's signatures (indexes into
    /// `children`, `u8::MAX` for empty), `shift` selecting the bits: one probe per key.
    table: Vec<u8>,
    shift: u32,
    /// The value is used whole: record an object's entries (canonical status is always
    /// computed for whole values).
    whole: bool,
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
    fn child(&self, node: u32, key: &str) -> Option<u32> {
        self.child_sig(node, key, signature(key))
    }

    /// [`PathSet::child`] given the key's signature.
    #[inline]
    fn child_sig(&self, node: u32, key: &str, sig: u64) -> Option<u32> {
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
    fn rebuild_table(&mut self) {
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
fn slot_of(sig: u64, shift: u32) -> usize {
    (sig.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// A key's first 7 bytes and its length (low byte) in one word: equal signatures mean equal
/// keys for keys of up to 7 bytes.
#[inline]
fn signature(key: &str) -> u64 {
    signature_at(key.as_bytes(), 0, key.len())
}

/// [`signature`] of the `n`-byte key at `text[at..]`, with one load when the text allows.
#[inline]
fn signature_at(text: &[u8], at: usize, n: usize) -> u64 {
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

/// Whether `b` may hold a lone-surrogate stand-in ([`crate::lone_surrogate_char`]).
#[inline]
fn has_stand_in(b: &[u8]) -> bool {
    !b.is_ascii() && b.contains(&0xF4)
}

/// Whether `JSON.stringify` writes the character of the `\\uXXXX` escape with these four hex
/// digits as that very escape: a control character without a short escape, in lower case.
fn stringify_writes_u_escape(hex: &[u8]) -> bool {
    match hex {
        [b'0', b'0', hi @ (b'0' | b'1'), lo @ (b'0'..=b'9' | b'a'..=b'f')] => {
            let c = (hi - b'0') * 16
                + if lo.is_ascii_digit() {
                    lo - b'0'
                } else {
                    lo - b'a' + 10
                };
            !matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)
        }
        _ => false,
    }
}

/// One value in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'t> {
    pub kind: Kind,
    /// The value's text, from its first to its last byte.
    pub text: &'t str,
    /// Whether `text` is what `JSON.stringify(JSON.parse(text))` prints. Always computed
    /// for scalars; for arrays and objects only on whole nodes and inside them (elsewhere
    /// `false`).
    pub canonical: bool,
}

impl<'t> Raw<'t> {
    /// The string a canonical string value without escapes holds (its text without the
    /// quotes); `None` for any other value.
    pub fn plain_str(&self) -> Option<&'t str> {
        let inner = &self.text[1..self.text.len().max(2) - 1];
        (self.kind == Kind::String && self.canonical && !inner.as_bytes().contains(&b'\\'))
            .then_some(inner)
    }

    /// JS truthiness, for the kinds it can be told without decoding: `None` for a number
    /// or string that is not canonical.
    pub fn truthy(&self) -> Option<bool> {
        match self.kind {
            Kind::Null | Kind::False => Some(false),
            Kind::True | Kind::Object | Kind::Array => Some(true),
            Kind::String => self.plain_str().map(|s| !s.is_empty()),
            // Canonical numbers have no `-0` and no NaN: only `0` is falsy.
            Kind::Number => self.canonical.then(|| self.text != "0"),
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    start: u32,
    end: u32,
    kind: Option<Kind>,
    canonical: bool,
    entries: (u32, u32),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: (u32, u32),
    value: (u32, u32),
    kind: Kind,
    canonical: bool,
}

/// What one scan of a text found at the paths of a [`PathSet`].
#[derive(Debug)]
pub struct Extract<'t> {
    text: &'t str,
    buf: Buffers,
    parents_are_objects: bool,
}

/// The scan's working memory, kept per thread between scans (events come one after the
/// other: no allocation per event).
#[derive(Debug, Default)]
struct Buffers {
    slots: Vec<Slot>,
    /// Keys of the canonical-checked objects being scanned (for repeated keys).
    keys: Vec<(u32, u32)>,
    /// Entries of the whole objects being scanned.
    pending: Vec<Entry>,
    entries: Vec<Entry>,
}

thread_local! {
    static SPARE: std::cell::RefCell<Vec<Buffers>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Buffers {
    fn take(nodes: usize) -> Buffers {
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

    fn give_back(self) {
        SPARE.with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if s.len() < 4 {
                    s.push(self);
                }
            }
        });
    }
}

impl Drop for Extract<'_> {
    fn drop(&mut self) {
        std::mem::take(&mut self.buf).give_back();
    }
}

/// Deepest nesting the scan follows (below the full parser's limit).
const MAX_DEPTH: usize = 100;

impl<'t> Extract<'t> {
    /// Scans `text` (a whole JSON document) for the paths of `set`. `None`: the text is
    /// outside what the scan handles exactly (see the module documentation); parse it with
    /// [`Value::parse`](crate::Value::parse) instead.
    pub fn run(set: &PathSet, text: &'t str) -> Option<Extract<'t>> {
        let mut s = Scanner {
            set,
            text,
            b: text.as_bytes(),
            pos: 0,
            ws: 0,
            depth: 0,
            buf: Buffers::take(set.len()),
            parents_are_objects: true,
        };
        let ok = s.document().is_some();
        let ex = Extract {
            text,
            buf: s.buf,
            parents_are_objects: s.parents_are_objects,
        };
        ok.then_some(ex)
    }

    /// The value at `node`; `None` when the document has no value there (JS `undefined`,
    /// or a parent that is not an object).
    pub fn get(&self, node: u32) -> Option<Raw<'t>> {
        let slot = self.buf.slots.get(node as usize)?;
        let kind = slot.kind?;
        Some(Raw {
            kind,
            text: &self.text[slot.start as usize..slot.end as usize],
            canonical: slot.canonical,
        })
    }

    /// Whether every node of the set that has children holds an object or nothing: then a
    /// path's value is simply the value at its last node (absent when a parent is).
    pub fn parents_are_objects(&self) -> bool {
        self.parents_are_objects
    }

    /// The entries (key, value) of the object at a whole `node`, in document order (which
    /// is JS order when the object is canonical: no array-index keys).
    pub fn entries(&self, node: u32) -> impl Iterator<Item = (&'t str, Raw<'t>)> + '_ {
        let (from, to) = self
            .buf
            .slots
            .get(node as usize)
            .map_or((0, 0), |s| s.entries);
        self.buf.entries[from as usize..to as usize]
            .iter()
            .map(|e| {
                (
                    &self.text[e.key.0 as usize..e.key.1 as usize],
                    Raw {
                        kind: e.kind,
                        text: &self.text[e.value.0 as usize..e.value.1 as usize],
                        canonical: e.canonical,
                    },
                )
            })
    }
}

struct Scanner<'s, 't> {
    set: &'s PathSet,
    text: &'t str,
    b: &'t [u8],
    pos: usize,
    /// How many whitespace runs have been skipped (a value is whitespace-free when this
    /// did not move while it was scanned).
    ws: u32,
    depth: usize,
    buf: Buffers,
    parents_are_objects: bool,
}

impl Scanner<'_, '_> {
    /// The whole text: one value between optional whitespace.
    fn document(&mut self) -> Option<()> {
        self.skip_ws();
        self.value(Some(PathSet::ROOT), false)?;
        self.skip_ws();
        (self.pos == self.b.len()).then_some(())
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        // Compact JSON: the next byte is no whitespace (all of which are ≤ 0x20).
        if self.b.get(self.pos).is_some_and(|&c| c > b' ') {
            return;
        }
        self.skip_ws_run();
    }

    #[inline(never)]
    fn skip_ws_run(&mut self) {
        let start = self.pos;
        while let Some(&c) = self.b.get(self.pos) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos != start {
            self.ws += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Scans one value; records it at `node`. `canon`: the caller needs the canonical
    /// status of compound values. Returns the value's kind and canonical status.
    fn value(&mut self, node: Option<u32>, canon: bool) -> Option<(Kind, bool)> {
        if node.is_none() && !canon {
            return self.skip().map(|k| (k, false));
        }
        let start = self.pos;
        let whole = node.is_some_and(|n| self.set.nodes[n as usize].whole);
        let mut entries = (0, 0);
        let (kind, canonical) = match self.peek()? {
            b'"' => (Kind::String, self.string(true)?),
            b'{' => {
                let (c, e) = self.object(node, canon || whole, whole)?;
                entries = e;
                (Kind::Object, c)
            }
            b'[' => (Kind::Array, self.array(canon || whole)?),
            b't' => (Kind::True, self.literal(b"true")?),
            b'f' => (Kind::False, self.literal(b"false")?),
            b'n' => (Kind::Null, self.literal(b"null")?),
            b'-' | b'0'..=b'9' => (Kind::Number, self.number()?),
            _ => return None,
        };
        if let Some(n) = node {
            let slot = &mut self.buf.slots[n as usize];
            if slot.kind.is_some() {
                // A repeated key on a path of the set.
                return None;
            }
            if kind != Kind::Object && !self.set.nodes[n as usize].children.is_empty() {
                self.parents_are_objects = false;
            }
            *slot = Slot {
                start: start as u32,
                end: self.pos as u32,
                kind: Some(kind),
                canonical: canonical
                    && (canon || whole || !matches!(kind, Kind::Object | Kind::Array)),
                entries,
            };
        }
        Some((kind, canonical))
    }

    /// A value nobody looks at: only its grammar is checked. Returns its kind.
    fn skip(&mut self) -> Option<Kind> {
        Some(match self.peek()? {
            b'"' => {
                self.string(false)?;
                Kind::String
            }
            b'{' => {
                self.enter()?;
                self.pos += 1;
                self.skip_ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                } else {
                    loop {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        // Keys of skipped objects may have escapes: check them as strings.
                        self.string(false)?;
                        self.skip_ws();
                        if self.peek()? != b':' {
                            return None;
                        }
                        self.pos += 1;
                        self.skip_ws();
                        self.skip()?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Kind::Object
            }
            b'[' => {
                self.array(false)?;
                Kind::Array
            }
            b't' => {
                self.literal(b"true")?;
                Kind::True
            }
            b'f' => {
                self.literal(b"false")?;
                Kind::False
            }
            b'n' => {
                self.literal(b"null")?;
                Kind::Null
            }
            b'-' | b'0'..=b'9' => {
                self.number()?;
                Kind::Number
            }
            _ => return None,
        })
    }

    fn literal(&mut self, word: &[u8]) -> Option<bool> {
        if self.b.get(self.pos..self.pos + word.len())? == word {
            self.pos += word.len();
            Some(true)
        } else {
            None
        }
    }

    /// A string; canonical when its escapes are the ones `JSON.stringify` writes (`\"`,
    /// `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` in lower case for the other control
    /// characters) and, with `used`, it holds no character from the range that stands for
    /// lone surrogates in `Value` (U+10F800..=U+10FFFF, lead byte 0xF4, which the general path
    /// would print as an escape).
    #[inline(always)]
    fn string(&mut self, used: bool) -> Option<bool> {
        self.pos += 1;
        let start = self.pos;
        let mut canonical = true;
        loop {
            let end = scan_plain(self.b, self.pos);
            match self.b.get(end)? {
                b'"' => {
                    self.pos = end + 1;
                    if used && canonical {
                        canonical = !has_stand_in(&self.b[start..end]);
                    }
                    return Some(canonical);
                }
                b'\\' => {
                    self.pos = end + 1;
                    match self.b.get(self.pos)? {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'/' => {
                            canonical = false;
                            self.pos += 1;
                        }
                        b'u' => {
                            let hex = self.b.get(self.pos + 1..self.pos + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            canonical &= stringify_writes_u_escape(hex);
                            self.pos += 5;
                        }
                        _ => return None,
                    }
                }
                // A control character.
                _ => return None,
            }
        }
    }

    /// A number (JSON grammar), canonical as described in the module documentation.
    fn number(&mut self) -> Option<bool> {
        let b = self.b;
        let mut i = self.pos;
        let neg = b[i] == b'-';
        if neg {
            i += 1;
        }
        let int_start = i;
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = skip_digits(b, i),
            _ => return None,
        }
        let int_digits = i - int_start;
        let int_zero = b[int_start] == b'0';
        let mut canonical = int_digits <= 15;
        let mut frac_nonzero = false;
        if b.get(i) == Some(&b'.') {
            let frac_start = i + 1;
            i = skip_digits(b, frac_start);
            if i == frac_start {
                return None;
            }
            let frac = &b[frac_start..i];
            frac_nonzero = frac.iter().any(|&d| d != b'0');
            let leading = frac.iter().take_while(|&&d| d == b'0').count();
            let significant = if int_zero {
                frac.len() - leading
            } else {
                int_digits + frac.len()
            };
            canonical &= b[i - 1] != b'0' && significant <= 15 && (!int_zero || leading < 6);
        }
        let end = skip_exponent(b, i).ok()?;
        if end != i {
            canonical = false;
            i = end;
        }
        if neg && int_zero && !frac_nonzero {
            // `-0` prints as `0`.
            canonical = false;
        }
        self.pos = i;
        Some(canonical)
    }

    /// After an item of an array or object: `Some(true)` past a comma (another item
    /// follows), `Some(false)` past the `close` bracket, `None` for anything else.
    #[inline(always)]
    fn more(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let c = self.peek()?;
        self.pos += 1;
        if c == b',' {
            self.skip_ws();
            Some(true)
        } else {
            (c == close).then_some(false)
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn array(&mut self, canon: bool) -> Option<bool> {
        self.enter()?;
        let ws = self.ws;
        self.pos += 1;
        self.skip_ws();
        let mut canonical = true;
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                let (_, c) = self.value(None, canon)?;
                canonical &= c;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(canon && canonical && self.ws == ws)
    }

    /// An object; records its entries when `whole`. Returns (canonical, entries range).
    fn object(
        &mut self,
        node: Option<u32>,
        canon: bool,
        whole: bool,
    ) -> Option<(bool, (u32, u32))> {
        self.enter()?;
        let ws = self.ws;
        self.pos += 1;
        self.skip_ws();
        let key_base = self.buf.keys.len();
        let pending_base = self.buf.pending.len();
        let mut canonical = true;
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let ks = self.pos + 1;
                let ke = scan_plain(self.b, ks);
                if self.b.get(ke)? != &b'"' {
                    // A key with an escape (or invalid): leave it to the full parser.
                    return None;
                }
                self.pos = ke + 1;
                let key = &self.text[ks..ke];
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                self.skip_ws();
                let child = match node {
                    Some(n) if !self.set.nodes[n as usize].children.is_empty() => {
                        let sig = signature_at(self.b, ks, ke - ks);
                        self.set.child_sig(n, key, sig)
                    }
                    _ => None,
                };
                let vs = self.pos;
                let (kind, c) = self.value(child, canon)?;
                if canon {
                    let text = self.text;
                    let repeated = self.buf.keys[key_base..].iter().any(|&(a, e)| {
                        (e - a) as usize == key.len()
                            && text.as_bytes()[a as usize..e as usize] == *key.as_bytes()
                    });
                    // `__proto__`: the general path's copies assign it (it becomes a prototype
                    // or vanishes), so the text is not what the request prints.
                    canonical &= c
                        && !repeated
                        && !is_array_index(key)
                        && !has_stand_in(key.as_bytes())
                        && key != "__proto__";
                    self.buf.keys.push((ks as u32, ke as u32));
                }
                if whole {
                    self.buf.pending.push(Entry {
                        key: (ks as u32, ke as u32),
                        value: (vs as u32, self.pos as u32),
                        kind,
                        canonical: c,
                    });
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        self.buf.keys.truncate(key_base);
        let mut range = (0, 0);
        if whole {
            let from = self.buf.entries.len() as u32;
            self.buf
                .entries
                .extend(self.buf.pending.drain(pending_base..));
            range = (from, self.buf.entries.len() as u32);
        }
        self.depth -= 1;
        Some((canon && canonical && self.ws == ws, range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn set(paths: &[&[&str]], whole: &[&[&str]]) -> PathSet {
        let mut s = PathSet::new();
        for p in paths {
            s.node(p);
        }
        for p in whole {
            let n = s.node(p);
            s.mark_whole(n);
        }
        s
    }

    /// `canonical` must imply "JSON.stringify(JSON.parse(text)) == text" (the check may
    /// be conservative); returns it.
    fn check_canonical(text: &str) -> bool {
        let s = set(&[], &[&["v"]]);
        let doc = format!("{{\"v\":{text}}}");
        let ex = Extract::run(&s, &doc).expect("scans");
        let v = ex.get(1).expect("present");
        let round = Value::parse(text).unwrap().to_json();
        assert!(!v.canonical || round == text, "{text} → {round}");
        v.canonical
    }

    #[test]
    fn canonical_matches_stringify() {
        for t in [
            "0",
            "-0",
            "1",
            "-1",
            "10",
            "1.5",
            "1.50",
            "0.1",
            "0.000001",
            "0.0000001",
            "1e3",
            "1E3",
            "123456789012345",
            "1234567890123456",
            "0.30000000000000004",
            "19.99",
            "-0.5",
            "-0.0",
            "100000000000000",
            "1.0",
            "\"a\"",
            "\"a\\/b\"",
            "\"\\u0041\"",
            "\"\\n\"",
            "\"\\u001f\"",
            "\"\\u001F\"",
            "\"\\u0008\"",
            "\"\\u000a\"",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\"a\\/b\\\"c\"",
            "\"\\b\\f\\r\\t\\\\\"",
            "true",
            "null",
            "[]",
            "{}",
            "[1,2]",
            "[1, 2]",
            "{\"a\":1}",
            "{\"a\":1,\"a\":2}",
            "{\"1\":1}",
            "{\"b\":1,\"0\":2}",
            "{\"a\":{\"b\":[1.0]}}",
            "{\"a\":{\"b\":[1.5]}}",
            "\"é\"",
            "\"\u{2028}\"",
            "123.456",
            "0.123456789012345",
            "0.1234567890123456",
        ] {
            check_canonical(t);
        }
        // What realistic events hold is recognised as canonical.
        for t in [
            "0",
            "1440",
            "-3",
            "19.99",
            "0.5",
            "2.25",
            "0.000001",
            "123456789012345",
            "\"Order Completed\"",
            "\"Uno \\\"Card\\\" Game\"",
            "\"Loves it.\\nSecond line\"",
            "\"\\u001f\\b\\f\\r\\t\\\\\"",
            "{\"name\":\"a\\\"b\",\"n\":1}",
            "\"é ✓\"",
            "true",
            "null",
            "[]",
            "{}",
            "[{\"sku\":\"a\",\"price\":1.5}]",
            "{\"a\":{\"b\":[1,\"x\",null]}}",
        ] {
            assert!(check_canonical(t), "{t}");
        }
    }

    #[test]
    fn canonical_numbers_print_as_they_are_written() {
        use proptest::prelude::*;
        proptest!(|(text in "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?")| {
            check_canonical(&text);
        });
    }

    #[test]
    fn canonical_escapes_print_as_they_are_written() {
        use proptest::prelude::*;
        proptest!(|(text in "\"([a-z é]|\\\\[\"\\\\/bfnrt]|\\\\u00[01][0-9a-fA-F]|\\\\u[0-9a-fA-F]{4})*\"")| {
            check_canonical(&text);
        });
    }

    #[test]
    fn finds_paths_and_entries() {
        let s = set(
            &[
                &["type"],
                &["context", "page", "url"],
                &["properties", "email"],
            ],
            &[&["properties"]],
        );
        let text = r#"{"type":"track","context":{"page":{"url":"https://x"},"ip":"1"},"properties":{"email":"a@b","n":[1,{"x":null}]}}"#;
        let ex = Extract::run(&s, text).unwrap();
        assert_eq!(ex.get(1).unwrap().plain_str(), Some("track"));
        let url = s.clone().node(&["context", "page", "url"]);
        assert_eq!(ex.get(url).unwrap().plain_str(), Some("https://x"));
        let props = s.clone().node(&["properties"]);
        let p = ex.get(props).unwrap();
        assert!(p.canonical);
        let keys: Vec<&str> = ex.entries(props).map(|(k, _)| k).collect();
        assert_eq!(keys, ["email", "n"]);
    }

    #[test]
    fn signatures_read_in_place_equal_computed_ones() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for at in 0..text.len() {
            for n in 0..=text.len() - at {
                assert_eq!(
                    signature_at(text.as_bytes(), at, n),
                    signature(&text[at..at + n]),
                    "{at} {n}"
                );
            }
        }
    }

    #[test]
    fn many_and_similar_keys_are_told_apart() {
        let check = |keys: &[String]| {
            let mut s = PathSet::new();
            let ids: Vec<u32> = keys.iter().map(|k| s.node(&[k])).collect();
            for (k, &id) in keys.iter().zip(&ids) {
                let text = format!("{{\"{k}\":1,\"{k}_\":2}}");
                let ex = Extract::run(&s, &text).unwrap();
                assert_eq!(ex.get(id).map(|r| r.text), Some("1"), "{k}");
            }
        };
        // Past the table size (linear search), and keys that share a signature.
        check(&(0..300).map(|i| format!("k{i}")).collect::<Vec<_>>());
        check(&["created_at_x", "created_at_y", "a", "b"].map(String::from));
        check(&(0..40).map(|i| format!("key{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn stand_in_characters_are_not_canonical() {
        // U+10F800 prints as `\ud800` in the general path, so used text holding it is not
        // copied as it is.
        let s = set(&[&["a"]], &[&["w"]]);
        let text = "{\"a\":\"x\u{10F800}\",\"w\":{\"\u{10F801}\":1},\"z\":\"\u{10F800}\"}";
        let ex = Extract::run(&s, text).unwrap();
        assert!(!ex.get(1).unwrap().canonical);
        assert!(!ex.get(2).unwrap().canonical);
        let plain = "{\"a\":\"é\u{10FFFF}\u{F0000}\"}";
        assert!(Extract::run(&s, plain).unwrap().get(1).is_some());
    }

    #[test]
    fn gives_up_where_the_full_parser_decides() {
        let s = set(&[&["a"]], &[]);
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "[1,]",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1} x",
            "\u{feff}{}",
            "{\"a\":1,\"a\":2}",
            "{\"\\u0061\":1}",
            "{\"a\":tru}",
            "{\"a\":-}",
            "{\"a\":1e}",
        ] {
            assert!(Extract::run(&s, bad).is_none(), "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(Extract::run(&s, &deep).is_none());
    }

    #[test]
    fn never_panics_on_any_text() {
        use proptest::prelude::*;
        let s = set(&[&["a"], &["a", "b"], &["c", "d"]], &[&["c"], &["e"]]);
        proptest!(ProptestConfig::with_cases(2000), |(text in any::<String>(), json in "[{}\\[\\]\",:a-e0-9\\\\. é\u{10F800}-]{0,40}")| {
            for t in [text.as_str(), json.as_str()] {
                if let Some(ex) = Extract::run(&s, t) {
                    prop_assert!(Value::parse(t).is_ok(), "{:?}", t);
                    for n in 0..s.len() as u32 {
                        let _ = ex.get(n);
                        let _ = ex.entries(n).count();
                    }
                }
            }
        });
    }

    #[test]
    fn accepts_only_what_the_full_parser_accepts() {
        use proptest::prelude::*;
        let s = set(&[&["a"], &["a", "b"]], &[&["c"]]);
        proptest!(|(text in "[\\[\\]{}\",:0-9a-fe.+\\- \\\\u]{0,24}")| {
            let doc = format!("{{\"a\":{text}}}");
            if Extract::run(&s, &doc).is_some() {
                prop_assert!(Value::parse(&doc).is_ok(), "{}", doc);
            }
        });
    }
}
