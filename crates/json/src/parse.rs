//! `JSON.parse`, purpose-built for [`Value`]: one pass over the bytes, no intermediate
//! tokens, few allocations.
//!
//! Semantics (ECMA-262 `JSON.parse`, RFC 8259 grammar):
//! - numbers are read as correctly rounded doubles (`9007199254740993` → `9007199254740992`,
//!   `1e400` → `Infinity`, `-0` → `-0`);
//! - a duplicate key keeps its first position and takes its last value; array-index keys
//!   enumerate first (both through the rules of [`Object`]);
//! - whitespace is space, tab, line feed and carriage return only;
//! - a lone UTF-16 surrogate escape (`"\ud800"`, or a high surrogate not followed by a low
//!   one) cannot be held by a Rust string: it is kept as a stand-in character from the top
//!   of Supplementary Private Use Area-B ([`crate::lone_surrogate_char`]), which
//!   `JSON.stringify`-ing writes back as the `\udXXX` escape JS would print.
//! - nesting deeper than 128 arrays/objects is an error (as it was with serde_json), so
//!   that no recursive algorithm over a parsed value can overflow the stack.
//!
//! Object keys go through a small per-thread cache, so the keys every event repeats
//! (`context`, `properties`, …) are shared `Arc`s instead of fresh allocations.

use std::cell::RefCell;

use crate::object::{array_index, Object};
use crate::{ParseError, Str, Value};

/// Deepest nesting of arrays and objects accepted.
const MAX_DEPTH: usize = 128;

pub(crate) fn parse(text: &str) -> Result<Value, ParseError> {
    KEYS.with(|cache| match cache.try_borrow_mut() {
        Ok(mut keys) => Parser::new(text, &mut keys).parse_document(),
        Err(_) => Parser::new(text, &mut KeyCache::new()).parse_document(),
    })
    .map_err(|e| *e)
}

thread_local! {
    static KEYS: RefCell<KeyCache> = RefCell::new(KeyCache::new());
}

const SLOTS: usize = 1024;
/// Keys longer than this are not cached.
const MAX_CACHED: usize = 40;

/// A direct-mapped cache of recently seen keys: a hit costs a hash and a compare; a miss
/// replaces the slot.
struct KeyCache {
    slots: Vec<Option<Str>>,
}

impl KeyCache {
    fn new() -> KeyCache {
        KeyCache {
            slots: vec![None; SLOTS],
        }
    }

    fn get(&mut self, key: &str, hash: u64) -> Str {
        if key.len() > MAX_CACHED {
            return Str::from(key);
        }
        let slot = &mut self.slots[(hash as usize) & (SLOTS - 1)];
        if let Some(k) = slot {
            if crate::object::key_eq(k, key) {
                return k.clone();
            }
        }
        let k = Str::from(key);
        *slot = Some(k.clone());
        k
    }
}

/// A fast, non-cryptographic hash of a short byte string (FxHash-like, 8 bytes at a time;
/// the tail is read as an overlapping word).
#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let n = b.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            h = (h.rotate_left(5) ^ load8(b, i)).wrapping_mul(K);
            i += 8;
        }
        h = (h.rotate_left(5) ^ load8(b, n - 8)).wrapping_mul(K);
    } else if n >= 4 {
        let w = u64::from(load4(b, 0)) | (u64::from(load4(b, n - 4)) << 32);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    } else if n > 0 {
        let w = u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    // Fold the high bits down: the slot index uses the low ones.
    h ^ (h >> 29) ^ (h >> 47)
}

#[inline]
pub(crate) fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline]
pub(crate) fn load4(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes that end a plain run inside a string: `"`, `\` and control characters.
#[inline]
pub(crate) fn special_mask(w: u64) -> u64 {
    let q = w ^ (LO * u64::from(b'"'));
    let b = w ^ (LO * u64::from(b'\\'));
    let zq = q.wrapping_sub(LO) & !q;
    let zb = b.wrapping_sub(LO) & !b;
    let lt = w.wrapping_sub(LO * 0x20) & !w;
    (zq | zb | lt) & HI
}

/// Whether `b` is ASCII with no byte a JSON string escapes (`"`, `\`, control characters),
/// eight bytes at a time (a `false` may be conservative; `true` is exact).
#[inline]
pub(crate) fn plain_ascii(b: &[u8]) -> bool {
    let n = b.len();
    if n < 8 {
        return b
            .iter()
            .all(|&c| (0x20..0x80).contains(&c) && c != b'"' && c != b'\\');
    }
    let mut i = 0;
    while i + 8 < n {
        let w = load8(b, i);
        if special_mask(w) | (w & HI) != 0 {
            return false;
        }
        i += 8;
    }
    let w = load8(b, n - 8);
    special_mask(w) | (w & HI) == 0
}

/// The end of the run of ASCII digits from `i`.
#[inline]
pub(crate) fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// The end of a number's exponent part (`[eE][+-]?digits`) starting at `i`: `Ok(i)` when
/// there is none, `Err(at)` when it has no digits (`at` is where one was expected).
#[inline]
pub(crate) fn skip_exponent(b: &[u8], i: usize) -> Result<usize, usize> {
    if !matches!(b.get(i), Some(b'e' | b'E')) {
        return Ok(i);
    }
    let mut start = i + 1;
    if matches!(b.get(start), Some(b'+' | b'-')) {
        start += 1;
    }
    let end = skip_digits(b, start);
    if end == start {
        Err(end)
    } else {
        Ok(end)
    }
}

#[inline]
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The end of the run of bytes from `i` that a JSON string holds as they are: the first
/// `"`, `\` or control character, or the end of `b`. Eight bytes at a time.
#[inline]
pub(crate) fn scan_plain(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let m = special_mask(load8(b, i));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !is_special(b[i]) {
        i += 1;
    }
    i
}

struct Parser<'a, 'k> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    keys: &'k mut KeyCache,
    /// Keys of the objects under construction (shared by all nesting levels).
    keys_stack: Vec<Str>,
    /// Values of the arrays and objects under construction.
    items: Vec<Value>,
    scratch: String,
}

/// Errors are boxed inside the parser so that results fit in registers.
type R<T> = Result<T, Box<ParseError>>;

impl<'a, 'k> Parser<'a, 'k> {
    fn new(text: &'a str, keys: &'k mut KeyCache) -> Parser<'a, 'k> {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            keys,
            keys_stack: Vec::new(),
            items: Vec::new(),
            scratch: String::new(),
        }
    }

    fn parse_document(mut self) -> R<Value> {
        self.skip_ws();
        self.item()?;
        let v = self.items.pop().unwrap_or_default();
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.error("trailing characters"));
        }
        Ok(v)
    }

    #[cold]
    fn error(&self, message: &str) -> Box<ParseError> {
        self.error_at(message, self.pos)
    }

    /// An error at byte `at`, with a 1-based line and column (columns count characters).
    #[cold]
    fn error_at(&self, message: &str, at: usize) -> Box<ParseError> {
        let at = at.min(self.bytes.len());
        let before = &self.bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let mut col_end = at;
        while col_end > line_start && !self.text.is_char_boundary(col_end) {
            col_end -= 1;
        }
        let column = self.text[line_start..col_end].chars().count() + 1;
        Box::new(ParseError {
            message: message.to_string(),
            line,
            column,
        })
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Parses one value and pushes it on `self.items`.
    ///
    /// Each kind of value is pushed by its own small function: when the branches share
    /// one `push`, the value is assembled on the stack and copied, and that copy (a
    /// store-forwarding stall) costs more than the parsing itself.
    fn item(&mut self) -> R<()> {
        match self.peek() {
            None => return Err(self.error("EOF while parsing a value")),
            Some(b'"') => {
                self.pos += 1;
                let s = self.string()?;
                self.push_string(s);
            }
            Some(b'{') => {
                let o = self.object()?;
                self.push_object(o);
            }
            Some(b'[') => {
                let a = self.array()?;
                self.push_array(a);
            }
            Some(b't') => {
                self.literal(b"true")?;
                self.push_bool(true);
            }
            Some(b'f') => {
                self.literal(b"false")?;
                self.push_bool(false);
            }
            Some(b'n') => {
                self.literal(b"null")?;
                self.push_null();
            }
            Some(b'-' | b'0'..=b'9') => {
                let n = self.number()?;
                self.push_number(n);
            }
            Some(_) => return Err(self.error("expected value")),
        }
        Ok(())
    }

    #[inline(never)]
    fn push_string(&mut self, s: Str) {
        self.items.push(Value::String(s));
    }

    #[inline(never)]
    fn push_number(&mut self, n: f64) {
        self.items.push(Value::Number(n));
    }

    #[inline(never)]
    fn push_bool(&mut self, b: bool) {
        self.items.push(Value::Bool(b));
    }

    #[inline(never)]
    fn push_null(&mut self) {
        self.items.push(Value::Null);
    }

    #[inline(never)]
    fn push_object(&mut self, o: Object) {
        self.items.push(Value::Object(o));
    }

    #[inline(never)]
    fn push_array(&mut self, a: Vec<Value>) {
        self.items.push(Value::Array(a));
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            return Ok(());
        }
        // Point at the first byte that differs, as a streaming parser would.
        let mut i = 0;
        while i < word.len() && self.bytes.get(self.pos + i) == Some(&word[i]) {
            i += 1;
        }
        self.pos += i;
        if self.pos >= self.bytes.len() {
            Err(self.error("EOF while parsing a value"))
        } else {
            Err(self.error("expected ident"))
        }
    }

    fn number(&mut self) -> R<f64> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        let neg = b[i] == b'-';
        if neg {
            i += 1;
        }
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = skip_digits(b, i),
            Some(_) => {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
            None => {
                self.pos = i;
                return Err(self.error("EOF while parsing a value"));
            }
        }
        let int_end = i;
        let mut simple = true;
        if b.get(i) == Some(&b'.') {
            simple = false;
            let frac_start = i + 1;
            i = skip_digits(b, frac_start);
            if i == frac_start {
                self.pos = i;
                return Err(self.number_error());
            }
        }
        match skip_exponent(b, i) {
            Ok(end) => {
                simple &= end == i;
                i = end;
            }
            Err(at) => {
                self.pos = at;
                return Err(self.number_error());
            }
        }
        self.pos = i;
        // Up to 15 digits fit a double exactly.
        if simple && int_end - int_start <= 15 {
            let mut n: u64 = 0;
            for &d in &b[int_start..int_end] {
                n = n * 10 + u64::from(d - b'0');
            }
            let f = n as f64;
            return Ok(if neg { -f } else { f });
        }
        // Rust's float parsing is correctly rounded and overflows to infinity, as JS does.
        self.text[start..i]
            .parse::<f64>()
            .map_err(|_| self.error_at("invalid number", start))
    }

    #[cold]
    fn number_error(&self) -> Box<ParseError> {
        if self.pos >= self.bytes.len() {
            self.error("EOF while parsing a value")
        } else {
            self.error("invalid number")
        }
    }

    /// Reads the rest of a string whose opening quote was consumed.
    #[inline]
    fn string(&mut self) -> R<Str> {
        let start = self.pos;
        let end = self.scan(start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                Ok(Str::from(&self.text[start..end]))
            }
            _ => {
                let mut buf = std::mem::take(&mut self.scratch);
                buf.clear();
                let r = self.string_slow(start, end, &mut buf);
                let out = r.map(|()| Str::from(buf.as_str()));
                self.scratch = buf;
                out
            }
        }
    }

    /// The end of the run of plain bytes starting at `i` (first `"`, `\`, control, or EOF).
    #[inline]
    fn scan(&self, i: usize) -> usize {
        scan_plain(self.bytes, i)
    }

    /// A string with escapes (or an error): `start..end` is the plain run already scanned.
    fn string_slow(&mut self, start: usize, mut end: usize, buf: &mut String) -> R<()> {
        let mut run_start = start;
        loop {
            match self.bytes.get(end) {
                None => {
                    self.pos = end;
                    return Err(self.error("EOF while parsing a string"));
                }
                Some(b'"') => {
                    buf.push_str(&self.text[run_start..end]);
                    self.pos = end + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    buf.push_str(&self.text[run_start..end]);
                    self.pos = end + 1;
                    self.escape(buf)?;
                    run_start = self.pos;
                    end = self.scan(self.pos);
                }
                Some(_) => {
                    self.pos = end;
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
            }
        }
    }

    /// One escape sequence after its backslash.
    fn escape(&mut self, buf: &mut String) -> R<()> {
        let Some(c) = self.peek() else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate: combine with a following low one, if any.
                        let b = self.bytes;
                        let p = self.pos;
                        if b.get(p) == Some(&b'\\') && b.get(p + 1) == Some(&b'u') {
                            self.pos += 2;
                            let save = self.pos;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                let cp = 0x10000
                                    + ((u32::from(unit) - 0xD800) << 10)
                                    + (u32::from(low) - 0xDC00);
                                char::from_u32(cp).unwrap_or('\u{FFFD}')
                            } else {
                                // Lone high surrogate; the second escape stands alone.
                                buf.push(crate::lone_surrogate_char(unit));
                                self.pos = save - 2;
                                return Ok(());
                            }
                        } else {
                            crate::lone_surrogate_char(unit)
                        }
                    }
                    0xDC00..=0xDFFF => crate::lone_surrogate_char(unit),
                    u => char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}'),
                }
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape"));
            }
        };
        buf.push(ch);
        Ok(())
    }

    fn hex4(&mut self) -> R<u16> {
        let mut n: u16 = 0;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(self.error("EOF while parsing a string"));
            };
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.error("invalid escape")),
            };
            n = (n << 4) | u16::from(d);
            self.pos += 1;
        }
        Ok(n)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        Ok(())
    }

    fn array(&mut self) -> R<Vec<Value>> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Vec::new());
        }
        let base = self.items.len();
        let r = self.array_items();
        let out = r.map(|()| self.items.drain(base..).collect::<Vec<_>>());
        self.items.truncate(base);
        self.depth -= 1;
        out
    }

    fn array_items(&mut self) -> R<()> {
        loop {
            self.item()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        return Err(self.error("trailing comma"));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> R<Object> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Object::new());
        }
        let kbase = self.keys_stack.len();
        let vbase = self.items.len();
        let r = self.object_entries(kbase, vbase);
        let out = match r {
            Ok(index_keys) => {
                let entries: Vec<(Str, Value)> = self
                    .keys_stack
                    .drain(kbase..)
                    .zip(self.items.drain(vbase..))
                    .collect();
                Ok(if index_keys {
                    // Array-index keys: let `insert` order them.
                    Object::from_unique_entries(entries)
                } else {
                    Object::from_unique_plain(entries)
                })
            }
            Err(e) => Err(e),
        };
        self.keys_stack.truncate(kbase);
        self.items.truncate(vbase);
        self.depth -= 1;
        out
    }

    /// If the entry just parsed repeats an earlier key of the object, moves its value
    /// there (first position, last value).
    #[cold]
    fn merge_duplicate(&mut self, kbase: usize, vbase: usize) {
        let Some(last) = self.keys_stack.len().checked_sub(1) else {
            return;
        };
        let key = &self.keys_stack[last];
        let earlier = self.keys_stack[kbase..last]
            .iter()
            .position(|k| **k == **key);
        if let Some(i) = earlier {
            self.keys_stack.pop();
            if let Some(v) = self.items.pop() {
                self.items[vbase + i] = v;
            }
        }
    }

    /// Parses the entries into `self.entries[base..]`, merging duplicates; returns whether
    /// some key is an array index.
    fn object_entries(&mut self, kbase: usize, vbase: usize) -> R<bool> {
        // One bit per key hash: a key whose bit is clear cannot be a duplicate.
        let mut seen: u64 = 0;
        let mut index_keys = false;
        loop {
            match self.peek() {
                Some(b'"') => self.pos += 1,
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            let start = self.pos;
            let end = self.scan(start);
            let (key, hash) = if self.bytes.get(end) == Some(&b'"') {
                self.pos = end + 1;
                let raw = &self.text[start..end];
                let h = hash_bytes(raw.as_bytes());
                (self.keys.get(raw, h), h)
            } else {
                let mut buf = std::mem::take(&mut self.scratch);
                buf.clear();
                let r = self.string_slow(start, end, &mut buf);
                let key = r.map(|()| {
                    let h = hash_bytes(buf.as_bytes());
                    (self.keys.get(&buf, h), h)
                });
                self.scratch = buf;
                key?
            };
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `:`")),
            }
            self.skip_ws();
            if key.as_bytes().first().is_some_and(u8::is_ascii_digit) && array_index(&key).is_some()
            {
                index_keys = true;
            }
            let bit = 1u64 << (hash >> 58);
            let maybe_dup = seen & bit != 0;
            seen |= bit;
            self.keys_stack.push(key);
            self.item()?;
            if maybe_dup {
                self.merge_duplicate(kbase, vbase);
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        return Err(self.error("trailing comma"));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(index_keys);
                }
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}
