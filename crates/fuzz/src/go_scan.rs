//! The oracle for the mock's body decoding: Go's `encoding/json` scanner (`scanner.go`) as a
//! state machine of its own, written from Go's documented states and error texts, independent
//! of the mock's parser. It reads the *first* JSON value of a body as `Decoder.Decode` does
//! (trailing bytes ignored; input ending inside the value is `unexpected EOF`) and says what
//! the top-level value and, for an array, each element is.

/// What the first value of a body is.
#[derive(Debug, PartialEq, Eq)]
pub enum Scanned {
    Object,
    /// A top-level array with the Go kind of each element (`object`, `null`, `number`,
    /// `string`, `bool`, `array`).
    Array(Vec<&'static str>),
    Other,
}

/// Go's `quoteChar`: a byte as a quoted rune (`'a'`, `'\''`, `'"'`, `'\x01'`, `'é'`).
pub fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => format!("'{}'", go_quote_inner(char::from(c))),
    }
}

/// `strconv.Quote` of one rune, without the surrounding double quotes.
fn go_quote_inner(c: char) -> String {
    match c {
        '\u{7}' => "\\a".into(),
        '\u{8}' => "\\b".into(),
        '\u{c}' => "\\f".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\u{b}' => "\\v".into(),
        '\\' => "\\\\".into(),
        c if (c as u32) < 0x20 || c == '\u{7f}' => format!("\\x{:02x}", c as u32),
        // Not printable for Go: C1 controls, no-break space, soft hyphen.
        c if (0x80..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
            format!("\\u{:04x}", c as u32)
        }
        c => c.to_string(),
    }
}

const MAX_DEPTH: usize = 10_000;

struct S<'a> {
    b: &'a [u8],
    i: usize,
}

type R<T> = Result<T, String>;

fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

impl S<'_> {
    fn byte(&mut self) -> R<u8> {
        let c = *self.b.get(self.i).ok_or("unexpected EOF")?;
        self.i += 1;
        Ok(c)
    }

    fn non_space(&mut self) -> R<u8> {
        loop {
            let c = self.byte()?;
            if !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                return Ok(c);
            }
        }
    }

    fn literal(&mut self, rest: &[u8], name: &str) -> R<()> {
        for &want in rest {
            let c = self.byte()?;
            if c != want {
                return Err(invalid(
                    c,
                    &format!("in literal {name} (expecting {})", quote_char(want)),
                ));
            }
        }
        Ok(())
    }

    /// After the opening quote, through the closing one.
    fn string(&mut self) -> R<()> {
        loop {
            match self.byte()? {
                b'"' => return Ok(()),
                b'\\' => match self.byte()? {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                    b'u' => {
                        for _ in 0..4 {
                            let c = self.byte()?;
                            if !c.is_ascii_hexdigit() {
                                return Err(invalid(c, "in \\u hexadecimal character escape"));
                            }
                        }
                    }
                    c => return Err(invalid(c, "in string escape code")),
                },
                c if c < 0x20 => return Err(invalid(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    /// The rest of a number whose first byte (`-` or a digit) was read. Ends before the first
    /// byte that cannot continue it; input ending there is `unexpected EOF` for a nested value
    /// (the value around it is incomplete), which the caller reports when it reads on.
    fn number(&mut self, first: u8) -> R<()> {
        let mut first = first;
        if first == b'-' {
            first = self.byte()?;
            if !first.is_ascii_digit() {
                return Err(invalid(first, "in numeric literal"));
            }
        }
        if first != b'0' {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let c = self.byte()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let mut c = self.byte()?;
            if c == b'+' || c == b'-' {
                c = self.byte()?;
            }
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        Ok(())
    }

    /// A scalar whose first byte `c` was read; its Go kind.
    fn scalar(&mut self, c: u8) -> R<&'static str> {
        match c {
            b'"' => self.string().map(|()| "string"),
            b't' => self.literal(b"rue", "true").map(|()| "bool"),
            b'f' => self.literal(b"alse", "false").map(|()| "bool"),
            b'n' => self.literal(b"ull", "null").map(|()| "null"),
            b'-' | b'0'..=b'9' => self.number(c).map(|()| "number"),
            other => Err(invalid(other, "looking for beginning of value")),
        }
    }

    /// One value whose first non-space byte `c` was read, containers iteratively (an explicit
    /// stack, so depth costs no call frames). Returns its kind and, when it is an array, the
    /// kinds of its elements.
    fn value(&mut self, c: u8) -> R<(&'static str, Vec<&'static str>)> {
        // `true` for an object, `false` for an array.
        let mut stack: Vec<bool> = Vec::new();
        let mut top_elements = Vec::new();
        let mut c = c;
        loop {
            // Begin a value with byte `c`.
            let kind = match c {
                b'{' | b'[' => {
                    if stack.len() + 1 > MAX_DEPTH {
                        return Err(invalid(c, "exceeded max depth"));
                    }
                    let obj = c == b'{';
                    stack.push(obj);
                    let n = self.non_space()?;
                    if n == if obj { b'}' } else { b']' } {
                        stack.pop();
                        if obj {
                            "object"
                        } else {
                            "array"
                        }
                    } else {
                        if obj {
                            if n != b'"' {
                                return Err(invalid(
                                    n,
                                    "looking for beginning of object key string",
                                ));
                            }
                            self.key()?;
                            c = self.non_space()?;
                        } else {
                            c = n;
                        }
                        continue;
                    }
                }
                other => self.scalar(other)?,
            };
            // A value of `kind` ended; close containers as far as they end.
            let mut kind = kind;
            loop {
                let Some(&obj) = stack.last() else {
                    return Ok((kind, top_elements));
                };
                if stack.len() == 1 && !obj {
                    top_elements.push(kind);
                }
                let n = self.non_space()?;
                match (obj, n) {
                    (true, b',') => {
                        let k = self.non_space()?;
                        if k != b'"' {
                            return Err(invalid(k, "looking for beginning of object key string"));
                        }
                        self.key()?;
                        c = self.non_space()?;
                        break;
                    }
                    (false, b',') => {
                        c = self.non_space()?;
                        break;
                    }
                    (true, b'}') | (false, b']') => {
                        stack.pop();
                        kind = if obj { "object" } else { "array" };
                    }
                    (true, other) => return Err(invalid(other, "after object key:value pair")),
                    (false, other) => return Err(invalid(other, "after array element")),
                }
            }
        }
    }

    /// After a key's opening quote: the key and the colon.
    fn key(&mut self) -> R<()> {
        self.string()?;
        let colon = self.non_space()?;
        if colon != b':' {
            return Err(invalid(colon, "after object key"));
        }
        Ok(())
    }
}

/// Scans the first value of `body`, which starts with `{` or `[` (the mock dispatches on the
/// first byte before decoding). `Err` is Go's error text.
pub fn scan(body: &[u8]) -> Result<Scanned, String> {
    let mut s = S { b: body, i: 0 };
    let c = s.non_space()?;
    let (kind, elements) = s.value(c)?;
    Ok(match kind {
        "object" => Scanned::Object,
        "array" => Scanned::Array(elements),
        _ => Scanned::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts `json.NewDecoder(r).Decode(&v)` gives for these inputs, from the states and
    /// messages of Go's `encoding/json/scanner.go` and `stream.go`.
    #[test]
    fn go_scanner_texts() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"{\"a\":tru}",
                "invalid character '}' in literal true (expecting 'e')",
            ),
            (
                b"{\"a\":nul}",
                "invalid character '}' in literal null (expecting 'l')",
            ),
            (
                b"{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            (
                b"{\"a\":[1 2]}",
                "invalid character '2' after array element",
            ),
            (b"{\"a\" 1}", "invalid character '1' after object key"),
            (
                b"{\"a\":1 \"b\":2}",
                "invalid character '\"' after object key:value pair",
            ),
            (
                b"{\"a\":\"\x01\"}",
                "invalid character '\\x01' in string literal",
            ),
            (b"{\"a\":-}", "invalid character '}' in numeric literal"),
            (
                b"{\"a\":1.}",
                "invalid character '}' after decimal point in numeric literal",
            ),
            (
                b"{\"a\":1e}",
                "invalid character '}' in exponent of numeric literal",
            ),
            (
                b"{\"a\":\"\\q\"}",
                "invalid character 'q' in string escape code",
            ),
            (
                b"{\"a\":\"\\u12x4\"}",
                "invalid character 'x' in \\u hexadecimal character escape",
            ),
            (
                b"{\"a\":01}",
                "invalid character '1' after object key:value pair",
            ),
            (
                b"{'a':1}",
                "invalid character '\\'' looking for beginning of object key string",
            ),
            (b"[1,2", "unexpected EOF"),
            (b"{\"a\":", "unexpected EOF"),
            (
                b"[\xc3]",
                "invalid character '\u{c3}' looking for beginning of value",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                scan(input).unwrap_err(),
                *want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        assert_eq!(
            scan(b"[{}, null, 1, \"s\", true, []] trailing").unwrap(),
            Scanned::Array(vec!["object", "null", "number", "string", "bool", "array"])
        );
        assert_eq!(scan(b"{\"a\":\"\xff\"}x").unwrap(), Scanned::Object);
        let deep = |n: usize| {
            let mut s = "[".repeat(n);
            s.push_str(&"]".repeat(n));
            s
        };
        assert!(scan(deep(10_000).as_bytes()).is_ok());
        assert_eq!(
            scan(deep(10_001).as_bytes()).unwrap_err(),
            "invalid character '[' exceeded max depth"
        );
    }
}
