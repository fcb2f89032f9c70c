//! The FQL lexer of `@segment/fql-ts` 1.10.1 (`lexer.ts`, `reader.ts`, `strings.ts`,
//! `token.ts`), ported step for step, including its cursor quirks.
//!
//! The reference reads the input as JS strings do, one UTF-16 code unit at a time, so this
//! port does too. Only the outcome matters to `destination-subscriptions`: the token list,
//! or the fact that lexing failed (its message is discarded by `parseFql`), so a failure
//! is reported as a bare [`LexFailed`].
//!
//! Quirks kept on purpose (they change which FQL parses):
//! - `and`, `or`, `null`, `!=`, `<=`, `>=` are only recognised when a terminator (space,
//!   tab, newline, `,`, `]`, `)` or end of input) follows; `a<=5` lexes as `<`, `=`, `5`.
//! - a partial keyword at the very end of the input loses its consumed characters
//!   (`type = an` lexes the value as the identifier `a`), because `accept` does not
//!   rewind when it hits the end.
//! - numbers stop at the first character that is neither a digit nor `.`, with no
//!   terminator check: `1e3` is the number `1` then the identifier `e3`.
//! - strings have no escapes: a string ends at the next quote of the same kind, and that
//!   closing quote is consumed only when a terminator follows it; otherwise it also opens
//!   the next string (`type="a"and x` lexes as `"a"`, `"and x`…).
//! - `\r` is not whitespace (it is an invalid character).

/// Maximum lengths the reference enforces ("bug catchers").
const MAX_LEN: usize = 100_000;

/// Token kinds of `fql-ts` (`TokenType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenType {
    Ident,
    Dot,
    Operator,
    Conditional,
    String,
    Number,
    Null,
    BrackLeft,
    BrackRight,
    ParenLeft,
    ParenRight,
    Comma,
    Eos,
}

/// A token: its type and its source text (`value`), as `fql-ts` builds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenType,
    pub(crate) value: String,
}

impl Token {
    fn new(kind: TokenType, value: impl Into<String>) -> Token {
        Token {
            kind,
            value: value.into(),
        }
    }

    /// The end-of-stream token (`t.EOS()`); `parse-fql` also appends it to groups.
    pub(crate) fn eos() -> Token {
        Token::new(TokenType::Eos, "eos")
    }
}

/// Lexing failed (the reference's `LexerError`; its message is never surfaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexFailed;

/// One character as the lexer sees it: a UTF-16 code unit or the end-of-input flag
/// (the reference's `EOS_FLAG`, the string `"-1"`, which no single character equals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ch {
    Unit(u16),
    Eos,
}

impl Ch {
    fn unit(self) -> Option<u16> {
        match self {
            Ch::Unit(u) => Some(u),
            Ch::Eos => None,
        }
    }

    fn is(self, c: u8) -> bool {
        self == Ch::Unit(u16::from(c))
    }
}

fn ascii(u: Option<u16>) -> Option<u8> {
    u.and_then(|u| u8::try_from(u).ok()).filter(u8::is_ascii)
}

/// `isAlpha`: `/[a-z]/i` on one code unit (ASCII letters only).
fn is_alpha(c: Ch) -> bool {
    ascii(c.unit()).is_some_and(|b| b.is_ascii_alphabetic())
}

/// `isNumber`: `parseFloat`/`parseInt` of one character succeed: the ASCII digits.
fn is_number(c: Ch) -> bool {
    ascii(c.unit()).is_some_and(|b| b.is_ascii_digit())
}

/// `isWhitespace`: space, tab and `\n` only.
fn is_whitespace(c: Ch) -> bool {
    c.is(b' ') || c.is(b'\t') || c.is(b'\n')
}

/// `isIdent`.
fn is_ident(c: Ch) -> bool {
    c != Ch::Eos && (is_alpha(c) || is_number(c) || c.is(b'_') || c.is(b'-') || c.is(b'\\'))
}

/// `isTerminator`.
fn is_terminator(c: Ch) -> bool {
    c == Ch::Eos || is_whitespace(c) || c.is(b',') || c.is(b']') || c.is(b')')
}

struct Lexer<'a> {
    code: &'a [u16],
    position: usize,
}

/// Lex `code` (as UTF-16 code units) into tokens ending with an EOS token.
pub(crate) fn lex(code: &[u16]) -> Result<Vec<Token>, LexFailed> {
    Lexer { code, position: 0 }.lex()
}

impl Lexer<'_> {
    fn next(&mut self) -> Ch {
        match self.code.get(self.position) {
            Some(&u) => {
                self.position += 1;
                Ch::Unit(u)
            }
            None => Ch::Eos,
        }
    }

    fn peek(&mut self) -> Ch {
        let c = self.next();
        if c != Ch::Eos {
            self.backup(1);
        }
        c
    }

    fn backup(&mut self, count: usize) {
        // `Reader.backward` throws at position 0 and `backup` swallows it: stop there.
        self.position = self.position.saturating_sub(count);
    }

    /// `accept(str)`: consume `word` if it follows and is followed by a terminator;
    /// otherwise rewind — except when the end of input is hit, which returns without
    /// rewinding (the reference's behaviour).
    fn accept(&mut self, word: &str) -> bool {
        let mut chars: Vec<u16> = Vec::with_capacity(word.len());
        for _ in word.chars() {
            let c = self.next();
            let Ch::Unit(u) = c else {
                return false;
            };
            chars.push(u);
            if is_terminator(c) {
                break;
            }
        }
        let matches = chars.iter().copied().eq(word.encode_utf16());
        if matches && is_terminator(self.peek()) {
            return true;
        }
        self.backup(chars.len());
        false
    }

    fn lex(&mut self) -> Result<Vec<Token>, LexFailed> {
        let mut tokens = Vec::new();
        loop {
            let c = self.next();
            let Ch::Unit(u) = c else {
                tokens.push(Token::eos());
                return Ok(tokens);
            };
            if is_whitespace(c) {
                continue;
            }
            if c.is(b'!') {
                let next = self.peek();
                if is_alpha(next) || next.is(b'(') {
                    tokens.push(Token::new(TokenType::Operator, "!"));
                    continue;
                }
            }
            if is_alpha(c)
                || c.is(b'!')
                || c.is(b'=')
                || c.is(b'>')
                || c.is(b'<')
                || c.is(b'\\')
                || c.is(b'_')
            {
                tokens.push(self.lex_operator_or_conditional(u)?);
                continue;
            }
            if is_number(c) || c.is(b'-') || c.is(b'+') {
                tokens.push(self.lex_number(u)?);
                continue;
            }
            if c.is(b'"') || c.is(b'\'') {
                tokens.push(self.lex_string(u)?);
                continue;
            }
            let simple = match ascii(Some(u)) {
                Some(b'.') => Token::new(TokenType::Dot, "."),
                Some(b'[') => Token::new(TokenType::BrackLeft, "["),
                Some(b']') => Token::new(TokenType::BrackRight, "]"),
                Some(b',') => Token::new(TokenType::Comma, ","),
                Some(b'(') => Token::new(TokenType::ParenLeft, "("),
                Some(b')') => Token::new(TokenType::ParenRight, ")"),
                _ => return Err(LexFailed), // invalid character
            };
            tokens.push(simple);
        }
    }

    fn lex_string(&mut self, quote: u16) -> Result<Token, LexFailed> {
        let mut s: Vec<u16> = vec![quote];
        while self.peek() != Ch::Unit(quote) {
            match self.next() {
                Ch::Unit(u) => s.push(u),
                Ch::Eos => return Err(LexFailed), // unterminated string
            }
            if s.len() > MAX_LEN {
                return Err(LexFailed);
            }
        }
        // The closing quote is only eaten when a terminator follows; otherwise it stays and
        // opens the next string (`"a"and` lexes as `"a"` then `"and…`).
        let closing = if quote == u16::from(b'"') { "\"" } else { "'" };
        self.accept(closing);
        s.push(quote);
        Ok(Token::new(TokenType::String, utf16_to_string(&s)))
    }

    fn lex_number(&mut self, first: u16) -> Result<Token, LexFailed> {
        let mut s: Vec<u16> = vec![first];
        let mut coming_up = self.peek();
        let mut is_decimal = false;
        while is_number(coming_up) || coming_up.is(b'.') {
            if let Ch::Unit(u) = self.next() {
                s.push(u);
            }
            if coming_up.is(b'.') {
                if is_terminator(self.peek()) || is_decimal {
                    return Err(LexFailed);
                }
                is_decimal = true;
            }
            if s.len() > MAX_LEN {
                return Err(LexFailed);
            }
            coming_up = self.peek();
        }
        Ok(Token::new(TokenType::Number, utf16_to_string(&s)))
    }

    fn lex_operator_or_conditional(&mut self, previous: u16) -> Result<Token, LexFailed> {
        match ascii(Some(previous)) {
            Some(b'=') => Ok(Token::new(TokenType::Operator, "=")),
            Some(b'!') => {
                if self.accept("=") {
                    Ok(Token::new(TokenType::Operator, "!="))
                } else {
                    Err(LexFailed)
                }
            }
            Some(b'a') if self.accept("nd") => Ok(Token::new(TokenType::Conditional, "and")),
            Some(b'o') if self.accept("r") => Ok(Token::new(TokenType::Conditional, "or")),
            Some(b'n') if self.accept("ull") => Ok(Token::new(TokenType::Null, "null")),
            Some(op @ (b'<' | b'>')) => {
                let mut s = String::from(op as char);
                if self.accept("=") {
                    s.push('=');
                }
                Ok(Token::new(TokenType::Operator, s))
            }
            _ => self.lex_ident(previous),
        }
    }

    fn lex_ident(&mut self, previous: u16) -> Result<Token, LexFailed> {
        let mut s: Vec<u16> = Vec::new();
        let mut c = Ch::Unit(previous);
        loop {
            if c.is(b'\\') {
                // Any character may be escaped, except the end of input.
                if self.peek() == Ch::Eos {
                    return Err(LexFailed);
                }
                c = self.next();
            }
            if let Ch::Unit(u) = c {
                s.push(u);
            }
            if s.len() >= MAX_LEN {
                return Err(LexFailed);
            }
            if !is_ident(self.peek()) {
                break;
            }
            c = self.next();
        }
        let coming_up = self.peek();
        let ok = coming_up == Ch::Eos
            || is_terminator(coming_up)
            || coming_up.is(b'.')
            || coming_up.is(b'(')
            || coming_up.is(b'=')
            || coming_up.is(b'!');
        if !ok {
            return Err(LexFailed);
        }
        Ok(Token::new(TokenType::Ident, utf16_to_string(&s)))
    }
}

/// Code units back to a Rust string. Token texts never split a surrogate pair (quotes
/// and identifier characters are ASCII), so this is lossless for them.
pub(crate) fn utf16_to_string(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Result<Vec<(TokenType, String)>, LexFailed> {
        let units: Vec<u16> = s.encode_utf16().collect();
        lex(&units).map(|v| v.into_iter().map(|t| (t.kind, t.value)).collect())
    }

    fn values(s: &str) -> Vec<String> {
        toks(s).unwrap().into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            values(r#"type = "track""#),
            ["type", "=", "\"track\"", "eos"]
        );
        assert_eq!(values("a.b != null"), ["a", ".", "b", "!=", "null", "eos"]);
        assert_eq!(
            values("x >= 1.5 and y < -2"),
            ["x", ">=", "1.5", "and", "y", "<", "-2", "eos"]
        );
    }

    #[test]
    fn quirks() {
        assert_eq!(values("type = an"), ["type", "=", "a", "eos"]);
        assert_eq!(values("x = 1e3"), ["x", "=", "1", "e3", "eos"]);
        assert_eq!(values("x <=5"), ["x", "<", "=", "5", "eos"]);
        assert_eq!(values(r"a\ b = 'x'"), ["a b", "=", "'x'", "eos"]);
        assert!(toks("x != 1.").is_err());
        assert!(toks("x = 1..2").is_err());
        assert!(toks("a>5").is_err());
        assert!(toks("x = \"abc").is_err());
        assert!(toks("x\r= 1").is_err());
        assert!(toks("x = 1\\").is_err()); // `\` escapes nothing at the end
        assert_eq!(values("x = a\\"), ["x", "=", "a", "eos"]); // `accept("nd")` ate the `\`
        assert!(toks("x = b\\").is_err());
    }
}
