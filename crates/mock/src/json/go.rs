//! Go `encoding/json` behaviour the collector exposes on the wire.
//!
//! The Jitsu collector decodes request bodies with `json.NewDecoder(..).Decode(&events)` and reports
//! decoder errors verbatim in its 400 responses, and it writes every response with `json.Marshal`.
//! This module reproduces both edges: a byte-level parser whose syntax errors carry Go's scanner
//! wording (`invalid character 'a' looking for beginning of object key string`, `unexpected EOF`,
//! ...), type errors in Go's form (`json: cannot unmarshal number into Go value of type
//! events.Event`), and Go's string encoder (HTML-safe escapes). Like a Go `Decoder`, parsing stops
//! after the first complete top-level value and ignores whatever follows it.

use std::borrow::Cow;

use super::lite::{Entries, Lite};

/// Go's `maxNestingDepth` in `encoding/json/scanner.go`.
const MAX_DEPTH: usize = 10_000;

/// Why a body could not be decoded; `Display` is Go's error text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoJsonError(pub(crate) String);

impl std::fmt::Display for GoJsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a top-level value is decoded into, which decides Go's type errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// `events.Event` (a `map[string]interface{}`): the body starts with `{`.
    Event,
    /// `[]events.Event`: the body starts with `[`; each element must be an object or `null`.
    EventSlice,
}

/// Decodes the first JSON value of `input` the way Go's `Decoder.Decode` does for `target`.
///
/// Array elements that are `null` decode to `Value::Null` (Go decodes them to a nil map).
#[cfg(test)]
pub(crate) fn decode(input: &[u8], target: Target) -> Result<serde_json::Value, GoJsonError> {
    decode_lite(input, target).map(Lite::into_value)
}

/// [`decode`] into the borrowed form the request path reads ([`super::lite`]).
pub(crate) fn decode_lite(input: &[u8], target: Target) -> Result<Lite<'_>, GoJsonError> {
    decode_with_spans(input, std::str::from_utf8(input).ok(), target).map(|(v, _)| v)
}

/// [`decode_lite`], plus the byte range of each element of a top-level array (for
/// [`Target::EventSlice`]; empty otherwise), so each event can keep its own text. `text` is
/// `input` as text when it is valid UTF-8 (`None` otherwise): the caller has checked it once
/// and uses it too.
pub(crate) fn decode_with_spans<'a>(
    input: &'a [u8],
    text: Option<&'a str>,
    target: Target,
) -> Result<(Lite<'a>, Vec<std::ops::Range<usize>>), GoJsonError> {
    let mut p = Parser {
        input,
        text,
        pos: 0,
        depth: 0,
        type_error: None,
        target,
        spans: Vec::new(),
        span_start: 0,
    };
    let value = p.parse_value()?;
    if let Some(kind) = p.type_error {
        return Err(GoJsonError(format!(
            "json: cannot unmarshal {kind} into Go value of type events.Event"
        )));
    }
    Ok((value, p.spans))
}

enum Frame<'a> {
    Array(Vec<Lite<'a>>),
    Object(Entries<'a>, Cow<'a, str>),
}

struct Parser<'a> {
    input: &'a [u8],
    /// `input` as text when it is valid UTF-8 (every body but a few), so that strings without
    /// escapes are slices of it, not validated one by one.
    text: Option<&'a str>,
    pos: usize,
    depth: usize,
    type_error: Option<&'static str>,
    target: Target,
    /// Byte ranges of the top-level array's elements (batch bodies only).
    spans: Vec<std::ops::Range<usize>>,
    span_start: usize,
}

/// Bytes that end the plain run of a string: the closing quote, a backslash, a control byte.
static STRING_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn err(c: u8, context: &str) -> GoJsonError {
        GoJsonError(format!("invalid character {} {context}", quote_char(c)))
    }

    fn eof() -> GoJsonError {
        GoJsonError("unexpected EOF".into())
    }

    /// Next non-space byte or `unexpected EOF`.
    fn next_byte(&mut self) -> Result<u8, GoJsonError> {
        self.skip_space();
        let c = self.peek().ok_or_else(Self::eof)?;
        self.pos += 1;
        Ok(c)
    }

    /// Records a Go type error for an element of the top-level batch array (depth 1).
    fn check_element(&mut self, kind: &'static str) {
        if self.target == Target::EventSlice && self.depth == 1 && self.type_error.is_none() {
            self.type_error = Some(kind);
        }
    }

    fn push(&mut self, c: u8) -> Result<(), GoJsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Self::err(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn parse_value(&mut self) -> Result<Lite<'a>, GoJsonError> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        'value: loop {
            // Parse one value start (scanner state "begin value").
            let c = self.next_byte()?;
            let batch_element =
                self.target == Target::EventSlice && matches!(stack.as_slice(), [Frame::Array(_)]);
            if batch_element {
                self.span_start = self.pos - 1;
            }
            let mut done: Lite<'a> = match c {
                b'{' => {
                    self.push(c)?;
                    let c2 = self.next_byte()?;
                    if c2 == b'}' {
                        self.depth -= 1;
                        Lite::Object(Vec::new())
                    } else if c2 == b'"' {
                        let key = self.parse_string_body()?;
                        self.expect_colon()?;
                        stack.push(Frame::Object(Vec::new(), key));
                        continue 'value;
                    } else {
                        return Err(Self::err(c2, "looking for beginning of object key string"));
                    }
                }
                b'[' => {
                    self.check_element("array");
                    self.push(c)?;
                    self.skip_space();
                    match self.peek() {
                        None => return Err(Self::eof()),
                        Some(b']') => {
                            self.pos += 1;
                            self.depth -= 1;
                            Lite::Array(Vec::new())
                        }
                        Some(_) => {
                            stack.push(Frame::Array(Vec::new()));
                            continue 'value;
                        }
                    }
                }
                b'"' => {
                    self.check_element("string");
                    Lite::String(self.parse_string_body()?)
                }
                b'-' | b'0'..=b'9' => {
                    self.check_element("number");
                    self.parse_number(c)?
                }
                b't' => {
                    self.check_element("bool");
                    self.literal(b"rue", "true")?;
                    Lite::Bool(true)
                }
                b'f' => {
                    self.check_element("bool");
                    self.literal(b"alse", "false")?;
                    Lite::Bool(false)
                }
                b'n' => {
                    self.literal(b"ull", "null")?;
                    Lite::Null
                }
                _ => return Err(Self::err(c, "looking for beginning of value")),
            };
            // A value is complete: fold it into its parents (scanner state "end value").
            loop {
                let top_level = stack.len() == 1;
                let Some(frame) = stack.last_mut() else {
                    return Ok(done);
                };
                let end = self.pos;
                let c = self.next_byte()?;
                match frame {
                    Frame::Array(items) => {
                        if top_level && self.target == Target::EventSlice {
                            self.spans.push(self.span_start..end);
                        }
                        items.push(done);
                        match c {
                            b',' => continue 'value,
                            b']' => {
                                self.depth -= 1;
                                let Some(Frame::Array(items)) = stack.pop() else {
                                    return Err(internal_error());
                                };
                                done = Lite::Array(items);
                            }
                            _ => return Err(Self::err(c, "after array element")),
                        }
                    }
                    Frame::Object(map, key) => {
                        map.push((std::mem::take(key), done));
                        match c {
                            b',' => {
                                let c2 = self.next_byte()?;
                                if c2 != b'"' {
                                    return Err(Self::err(
                                        c2,
                                        "looking for beginning of object key string",
                                    ));
                                }
                                *key = self.parse_string_body()?;
                                self.expect_colon()?;
                                continue 'value;
                            }
                            b'}' => {
                                self.depth -= 1;
                                let Some(Frame::Object(map, _)) = stack.pop() else {
                                    return Err(internal_error());
                                };
                                done = Lite::Object(map);
                            }
                            _ => return Err(Self::err(c, "after object key:value pair")),
                        }
                    }
                }
            }
        }
    }

    fn expect_colon(&mut self) -> Result<(), GoJsonError> {
        let c = self.next_byte()?;
        if c != b':' {
            return Err(Self::err(c, "after object key"));
        }
        Ok(())
    }

    fn literal(&mut self, rest: &[u8], name: &str) -> Result<(), GoJsonError> {
        for &want in rest {
            let c = self.peek().ok_or_else(Self::eof)?;
            if c != want {
                return Err(Self::err(
                    c,
                    &format!("in literal {name} (expecting {})", quote_char(want)),
                ));
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// Scans a number whose first byte `first` was consumed; stops before the first byte that
    /// cannot continue it (Go's `state1`/`state0`/`stateDot0`/`stateE0` hand it to "end value").
    fn parse_number(&mut self, first: u8) -> Result<Lite<'a>, GoJsonError> {
        let start = self.pos - 1;
        let digits = |p: &mut Self| {
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
        };
        let mut lead = first;
        if first == b'-' {
            lead = self.peek().ok_or_else(Self::eof)?;
            if !lead.is_ascii_digit() {
                return Err(Self::err(lead, "in numeric literal"));
            }
            self.pos += 1;
        }
        if lead != b'0' {
            digits(self);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let c = self.peek().ok_or_else(Self::eof)?;
            if !c.is_ascii_digit() {
                return Err(Self::err(c, "after decimal point in numeric literal"));
            }
            digits(self);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let c = self.peek().ok_or_else(Self::eof)?;
            if !c.is_ascii_digit() {
                return Err(Self::err(c, "in exponent of numeric literal"));
            }
            digits(self);
        }
        // A number at the very end of input is incomplete for a streaming decoder only at top
        // level, which cannot happen here (bodies start with '{' or '[').
        // Only ASCII digits, signs, '.', 'e' and 'E' were consumed.
        let text = match self.text {
            Some(t) => &t[start..self.pos],
            None => std::str::from_utf8(&self.input[start..self.pos]).unwrap_or("0"),
        };
        Ok(Lite::Number(text))
    }

    /// Parses a string after its opening quote, decoding escapes like Go: invalid UTF-8 and lone
    /// surrogates become U+FFFD.
    fn parse_string_body(&mut self) -> Result<Cow<'a, str>, GoJsonError> {
        // Fast path (most strings): plain bytes up to the closing quote, valid UTF-8, borrowed
        // from the input. Anything else continues below from the first byte that needs a look.
        let rest: &'a [u8] = &self.input[self.pos..];
        // A table lookup per byte: event strings are short (a few to a hundred bytes), where
        // this beat `memchr2` plus a control-byte scan by half (callgrind, ingest_count).
        let plain = rest
            .iter()
            .position(|&c| STRING_SPECIAL[usize::from(c)])
            .unwrap_or(rest.len());
        if rest.get(plain) == Some(&b'"') {
            // Both ends are ASCII bytes, hence character boundaries of `text`.
            let s = match self.text {
                Some(t) => Some(&t[self.pos..self.pos + plain]),
                None => std::str::from_utf8(&rest[..plain]).ok(),
            };
            if let Some(s) = s {
                self.pos += plain + 1;
                return Ok(Cow::Borrowed(s));
            }
        }
        let mut out: Vec<u8> = Vec::with_capacity(plain + 8);
        out.extend_from_slice(&rest[..plain]);
        self.pos += plain;
        loop {
            let c = self.peek().ok_or_else(Self::eof)?;
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or_else(Self::eof)?;
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            self.decode_u_escape(hi)
                        }
                        _ => return Err(Self::err(e, "in string escape code")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(Self::err(c, "in string literal")),
                c => out.push(c),
            }
        }
        Ok(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, GoJsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.peek().ok_or_else(Self::eof)?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| Self::err(c, "in \\u hexadecimal character escape"))?;
            self.pos += 1;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Combines a surrogate pair when one follows (syntax was already valid up to here).
    fn decode_u_escape(&mut self, hi: u32) -> char {
        if (0xD800..0xDC00).contains(&hi) {
            let rest = &self.input[self.pos..];
            if rest.len() >= 6 && rest[0] == b'\\' && rest[1] == b'u' {
                let lo = std::str::from_utf8(&rest[2..6])
                    .ok()
                    .and_then(|s| u32::from_str_radix(s, 16).ok());
                if let Some(lo) = lo.filter(|lo| (0xDC00..0xE000).contains(lo)) {
                    self.pos += 6;
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(cp).unwrap_or('\u{FFFD}');
                }
            }
            return '\u{FFFD}';
        }
        char::from_u32(hi).unwrap_or('\u{FFFD}')
    }
}

fn internal_error() -> GoJsonError {
    GoJsonError("internal parser error".into())
}

/// Go's `quoteChar` from `encoding/json/scanner.go`: a byte as a single-quoted character.
pub(super) fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        _ => {
            let q = go_quote_rune(c);
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// Go's `strconv.Quote(string(rune(c)))` for a single byte widened to a rune (what `%q` of
/// `string(body[0])` prints).
pub(crate) fn go_quote_rune(c: u8) -> String {
    let inner = match c {
        0x07 => "\\a".to_owned(),
        0x08 => "\\b".to_owned(),
        0x0c => "\\f".to_owned(),
        b'\n' => "\\n".to_owned(),
        b'\r' => "\\r".to_owned(),
        b'\t' => "\\t".to_owned(),
        0x0b => "\\v".to_owned(),
        b'\\' => "\\\\".to_owned(),
        b'"' => "\\\"".to_owned(),
        c if c < 0x20 || c == 0x7f => format!("\\x{c:02x}"),
        // C1 controls, NO-BREAK SPACE and SOFT HYPHEN are not printable for strconv.IsPrint.
        c if (0x80..=0xa0).contains(&c) || c == 0xad => format!("\\u{:04x}", c),
        c => char::from(c).to_string(),
    };
    format!("\"{inner}\"")
}

/// Go's `json.Marshal` of a string: escapes `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`, keeps
/// `\n`, `\r`, `\t` short and writes other control characters as `\u00XX`.
pub(crate) fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", ch as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
