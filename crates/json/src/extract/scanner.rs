//! The one validating pass over the text: grammar, spans, kinds and canonical form of the
//! values at the set's paths.

use crate::object::is_array_index;
use crate::parse::{scan_plain, skip_digits, skip_exponent};

use super::buffers::{Buffers, Entry, Slot};
use super::path_set::signature_at;
use super::{Kind, PathSet};

/// Whether `b` may hold a lone-surrogate stand-in ([`crate::lone_surrogate_char`]).
#[inline]
pub(super) fn has_stand_in(b: &[u8]) -> bool {
    !b.is_ascii() && b.contains(&0xF4)
}

/// Whether `JSON.stringify` writes the character of the `\\uXXXX` escape with these four hex
/// digits as that very escape: a control character without a short escape, in lower case.
pub(super) fn stringify_writes_u_escape(hex: &[u8]) -> bool {
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

/// Deepest nesting the scan follows (below the full parser's limit).
pub(super) const MAX_DEPTH: usize = 100;

pub(super) struct Scanner<'s, 't> {
    pub(super) set: &'s PathSet,
    pub(super) text: &'t str,
    pub(super) b: &'t [u8],
    pub(super) pos: usize,
    /// How many whitespace runs have been skipped (a value is whitespace-free when this
    /// did not move while it was scanned).
    pub(super) ws: u32,
    pub(super) depth: usize,
    pub(super) buf: Buffers,
    pub(super) parents_are_objects: bool,
}

impl Scanner<'_, '_> {
    /// The whole text: one value between optional whitespace.
    pub(super) fn document(&mut self) -> Option<()> {
        self.skip_ws();
        self.value(Some(PathSet::ROOT), false)?;
        self.skip_ws();
        (self.pos == self.b.len()).then_some(())
    }

    #[inline(always)]
    pub(super) fn skip_ws(&mut self) {
        // Compact JSON: the next byte is no whitespace (all of which are ≤ 0x20).
        if self.b.get(self.pos).is_some_and(|&c| c > b' ') {
            return;
        }
        self.skip_ws_run();
    }

    #[inline(never)]
    pub(super) fn skip_ws_run(&mut self) {
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
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Scans one value; records it at `node`. `canon`: the caller needs the canonical
    /// status of compound values. Returns the value's kind and canonical status.
    pub(super) fn value(&mut self, node: Option<u32>, canon: bool) -> Option<(Kind, bool)> {
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
    pub(super) fn skip(&mut self) -> Option<Kind> {
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

    pub(super) fn literal(&mut self, word: &[u8]) -> Option<bool> {
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
    pub(super) fn string(&mut self, used: bool) -> Option<bool> {
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
    pub(super) fn number(&mut self) -> Option<bool> {
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
    pub(super) fn more(&mut self, close: u8) -> Option<bool> {
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

    pub(super) fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    pub(super) fn array(&mut self, canon: bool) -> Option<bool> {
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
    pub(super) fn object(
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
