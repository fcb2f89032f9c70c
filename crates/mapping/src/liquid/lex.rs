//! Tokenizer: liquidjs' `Tokenizer` (top-level `{{ }}` / `{% %}` / text tokens and the
//! expression grammar inside them). Works on UTF-16 code units, as JS strings do, so
//! that `line:L, col:C` positions and the 32-unit error snapshots match exactly.

use super::{LiquidError, LiquidResult};

/// Blank (whitespace) code units, as liquidjs' character table marks them.
pub(super) fn is_blank(c: u16) -> bool {
    matches!(
        c,
        9..=13 | 32 | 160 | 5760 | 6158 | 8192..=8202 | 8232 | 8233 | 8239 | 8287 | 12288
    )
}

fn is_quote(c: u16) -> bool {
    c == b'"' as u16 || c == b'\'' as u16
}

fn is_digit(c: u16) -> bool {
    (b'0' as u16..=b'9' as u16).contains(&c)
}

fn is_sign(c: u16) -> bool {
    c == b'-' as u16 || c == b'+' as u16
}

/// liquidjs `isWord`: ASCII letters, digits, `_`, `-`, `?`; every other non-ASCII code
/// unit except blanks and curly double quotes.
pub(super) fn is_word(c: Option<u16>) -> bool {
    match c {
        None => false,
        Some(c) if c < 128 => {
            let b = c as u8;
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'?'
        }
        Some(c) => !(is_blank(c) || c == 8220 || c == 8221),
    }
}

/// Text of a UTF-16 slice (a lone surrogate becomes its stand-in character, as
/// `usermaven_json` holds lone surrogates).
pub(super) fn text(s: &[u16]) -> String {
    char::decode_utf16(s.iter().copied())
        .map(|r| r.unwrap_or_else(|e| usermaven_json::lone_surrogate_char(e.unpaired_surrogate())))
        .collect()
}

fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// 1-based line and column (in code units) of `pos`, as liquidjs' `Token#getPosition`.
pub(super) fn position(input: &[u16], pos: usize) -> (usize, usize) {
    let (mut row, mut col) = (1, 1);
    for &c in &input[..pos.min(input.len())] {
        if c == b'\n' as u16 {
            row += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (row, col)
}

/// `JSON.stringify(ellipsis(input.slice(begin, end), 32))`.
pub(super) fn snapshot(input: &[u16], begin: usize, end: usize) -> String {
    let s = if begin < end {
        &input[begin..end]
    } else {
        &[][..]
    };
    let cut: Vec<u16> = if s.len() > 32 {
        let mut v = s[..29].to_vec();
        v.extend(units("..."));
        v
    } else {
        s.to_vec()
    };
    let mut out = String::from("\"");
    for ch in char::decode_utf16(cut.iter().copied()) {
        match ch {
            Ok(c) => {
                let mut tmp = String::new();
                usermaven_json::write_js_string(&mut tmp, c.encode_utf8(&mut [0; 4]));
                out.push_str(&tmp[1..tmp.len() - 1]);
            }
            Err(e) => out.push_str(&format!("\\u{:04x}", e.unpaired_surrogate())),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------
// Expression tokens
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lit {
    True,
    False,
    Nil,
    Empty,
    Blank,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Contains,
    Not,
    And,
    Or,
}

impl Op {
    fn precedence(self) -> u8 {
        match self {
            Op::And | Op::Or => 0,
            Op::Not => 1,
            _ => 2,
        }
    }
}

/// A value token. `begin..end` is its source range (for `getText()`).
#[derive(Clone, Debug)]
pub(super) enum Tok {
    Num(f64),
    Lit(Lit),
    Quoted(String),
    /// An identifier used as a property name.
    Word(String),
    Prop {
        variable: Option<Box<Tok>>,
        props: Vec<Tok>,
    },
    Range(Box<Tok>, Box<Tok>),
}

#[derive(Clone, Debug)]
pub(super) enum Item {
    Op(Op),
    Val(Tok),
}

#[derive(Clone, Debug)]
pub(super) enum FArg {
    Pos(Tok),
    Kw(String, Option<Tok>),
}

#[derive(Clone, Debug)]
pub(super) struct FilterTok {
    pub(super) name: String,
    pub(super) args: Vec<FArg>,
}

/// A value expression with its filters (`a.b | plus: 1`).
#[derive(Clone, Debug)]
pub(super) struct Filtered {
    pub(super) postfix: Vec<Item>,
    pub(super) filters: Vec<FilterTok>,
    /// Source text (for `cycle` fingerprints).
    pub(super) source: String,
}

// ---------------------------------------------------------------------------------------
// Top-level tokens
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Html,
    Output,
    Tag,
}

#[derive(Clone, Debug)]
pub(super) struct TopTok {
    pub(super) kind: Kind,
    pub(super) begin: usize,
    pub(super) end: usize,
    /// Delimited tokens: content range after trimming blanks and `-`.
    pub(super) content: (usize, usize),
    pub(super) trim_left: bool,
    pub(super) trim_right: bool,
    /// Tags: the name and where the arguments start.
    pub(super) name: String,
    pub(super) args_at: usize,
    /// HTML: how many units whitespace control removed on each side.
    pub(super) cut_left: usize,
    pub(super) cut_right: usize,
}

impl TopTok {
    pub(super) fn args<'i>(&self, input: &'i [u16]) -> &'i [u16] {
        slice(input, self.args_at, self.content.1)
    }
}

pub(super) fn slice(input: &[u16], a: usize, b: usize) -> &[u16] {
    if a < b && b <= input.len() {
        &input[a..b]
    } else {
        &[]
    }
}

pub(super) struct Tokenizer<'i> {
    pub(super) input: &'i [u16],
    pub(super) p: usize,
    pub(super) n: usize,
    raw_begin: Option<usize>,
}

const TAG_L: &[u16] = &[b'{' as u16, b'%' as u16];
const TAG_R: &[u16] = &[b'%' as u16, b'}' as u16];
const OUT_L: &[u16] = &[b'{' as u16, b'{' as u16];
const OUT_R: &[u16] = &[b'}' as u16, b'}' as u16];

impl<'i> Tokenizer<'i> {
    pub(super) fn new(input: &'i [u16], p: usize, n: usize) -> Tokenizer<'i> {
        Tokenizer {
            input,
            p,
            n,
            raw_begin: None,
        }
    }

    fn at(&self, i: usize) -> Option<u16> {
        if i < self.n {
            self.input.get(i).copied()
        } else {
            None
        }
    }

    pub(super) fn peek(&self, k: usize) -> Option<u16> {
        self.at(self.p + k)
    }

    fn peek_is(&self, k: usize, c: u8) -> bool {
        self.peek(k) == Some(c as u16)
    }

    pub(super) fn end(&self) -> bool {
        self.p >= self.n
    }

    pub(super) fn skip_blank(&mut self) {
        while self.peek(0).is_some_and(is_blank) {
            self.p += 1;
        }
    }

    pub(super) fn error(&self, msg: impl Into<String>, pos: usize) -> LiquidError {
        LiquidError::at("TokenizationError", msg.into(), self.input, pos)
    }

    fn snap(&self, begin: usize) -> String {
        snapshot(self.input, begin, self.n)
    }

    fn matches(&self, word: &[u16]) -> bool {
        word.iter()
            .enumerate()
            .all(|(i, &c)| self.input.get(self.p + i) == Some(&c))
    }

    fn rmatch(&self, pat: &[u16]) -> bool {
        pat.iter().rev().enumerate().all(|(i, &c)| {
            (self.p as isize - 1 - i as isize) >= 0 && self.input.get(self.p - 1 - i) == Some(&c)
        })
    }

    fn read_to(&mut self, end: &[u16]) -> Option<usize> {
        while self.p < self.n {
            self.p += 1;
            if self.rmatch(end) {
                return Some(self.p);
            }
        }
        None
    }

    // ---- top level -------------------------------------------------------------------

    pub(super) fn top_level(&mut self) -> LiquidResult<Vec<TopTok>> {
        let mut toks = Vec::new();
        while self.p < self.n {
            toks.push(self.top_token()?);
        }
        whitespace_control(self.input, &mut toks);
        Ok(toks)
    }

    fn top_token(&mut self) -> LiquidResult<TopTok> {
        if self.raw_begin.is_some() {
            return self.endraw_or_raw_content();
        }
        if self.matches(TAG_L) {
            return self.tag_token();
        }
        if self.matches(OUT_L) {
            return self.output_token();
        }
        let begin = self.p;
        while self.p < self.n && !(self.matches(TAG_L) || self.matches(OUT_L)) {
            self.p += 1;
        }
        Ok(html(begin, self.p))
    }

    fn read_to_delimiter(&mut self, delim: &[u16], quoted: bool) -> Option<usize> {
        self.skip_blank();
        while self.p < self.n {
            if quoted && self.peek(0).is_some_and(is_quote) {
                self.read_quoted_raw();
                continue;
            }
            self.p += 1;
            if self.rmatch(delim) {
                return Some(self.p);
            }
        }
        None
    }

    fn tag_token(&mut self) -> LiquidResult<TopTok> {
        let begin = self.p;
        if self.read_to_delimiter(TAG_R, false).is_none() {
            return Err(self.error(format!("tag {} not closed", self.snap(begin)), begin));
        }
        let tok = make_tag(self.input, begin, self.p, begin + 2, self.p - 2)?;
        if tok.name == "raw" {
            self.raw_begin = Some(begin);
        }
        Ok(tok)
    }

    fn output_token(&mut self) -> LiquidResult<TopTok> {
        let begin = self.p;
        if self.read_to_delimiter(OUT_R, true).is_none() {
            return Err(self.error(format!("output {} not closed", self.snap(begin)), begin));
        }
        let (content, tl, tr) = delimited(self.input, begin + 2, self.p - 2);
        Ok(TopTok {
            kind: Kind::Output,
            begin,
            end: self.p,
            content,
            trim_left: tl,
            trim_right: tr,
            name: String::new(),
            args_at: 0,
            cut_left: 0,
            cut_right: 0,
        })
    }

    fn endraw_or_raw_content(&mut self) -> LiquidResult<TopTok> {
        let begin = self.p;
        let mut left = self.read_to(TAG_L).map_or(-3, |p| p as isize - 2);
        while self.p < self.n {
            if self.read_identifier() != "endraw" {
                left = self.read_to(TAG_L).map_or(-3, |p| p as isize - 2);
                continue;
            }
            while self.p <= self.n {
                if self.rmatch(TAG_R) {
                    let end = self.p;
                    if begin as isize == left {
                        self.raw_begin = None;
                        return make_tag(self.input, begin, end, begin + 2, end - 2);
                    }
                    self.p = left.max(0) as usize;
                    return Ok(html(begin, self.p));
                }
                if self.rmatch(TAG_L) {
                    break;
                }
                self.p += 1;
            }
        }
        let raw = self.raw_begin.unwrap_or(begin);
        Err(self.error(format!("raw {} not closed", self.snap(raw)), begin))
    }

    /// `{% liquid %}` lines.
    pub(super) fn liquid_lines(&mut self) -> LiquidResult<Vec<TopTok>> {
        let mut toks = Vec::new();
        while self.p < self.n {
            self.skip_blank();
            if self.end() {
                break;
            }
            let begin = self.p;
            self.read_to_delimiter(&[b'\n' as u16], false);
            let end = self.p;
            toks.push(tag_token(
                self.input,
                (begin, end),
                (begin, end),
                "illegal liquid tag syntax",
            )?);
        }
        Ok(toks)
    }

    // ---- words -------------------------------------------------------------------------

    pub(super) fn read_identifier_range(&mut self) -> (usize, usize) {
        self.skip_blank();
        let begin = self.p;
        while !self.end() && is_word(self.peek(0)) {
            self.p += 1;
        }
        (begin, self.p)
    }

    pub(super) fn read_identifier(&mut self) -> String {
        let (a, b) = self.read_identifier_range();
        text(slice(self.input, a, b))
    }

    pub(super) fn read_tag_name(&mut self) -> String {
        self.skip_blank();
        if self.peek_is(0, b'#') {
            self.p += 1;
            return "#".into();
        }
        self.read_identifier()
    }

    // ---- values ------------------------------------------------------------------------

    fn match_trie(&self, words: &[&str]) -> Option<(usize, usize)> {
        // Longest walk through the trie of `words`, then the longest complete word seen.
        let mut best: Option<usize> = None;
        let mut best_word = 0;
        let mut i = self.p;
        let mut prefix_len = 0;
        while let Some(c) = self.at(i) {
            let cand = prefix_len + 1;
            let mut any = false;
            for (wi, w) in words.iter().enumerate() {
                let wu = w.as_bytes();
                if wu.len() >= cand
                    && wu[..prefix_len]
                        .iter()
                        .enumerate()
                        .all(|(k, &b)| self.input[self.p + k] == b as u16)
                    && wu[prefix_len] as u16 == c
                {
                    any = true;
                    if wu.len() == cand {
                        best = Some(i + 1);
                        best_word = wi;
                    }
                }
            }
            if !any {
                break;
            }
            i += 1;
            prefix_len += 1;
        }
        let end = best?;
        let w = words[best_word].as_bytes();
        let need_boundary = w.last().is_some_and(|&b| is_word(Some(b as u16)));
        if need_boundary && is_word(self.at(i)) {
            return None;
        }
        Some((best_word, end))
    }

    fn read_operator(&mut self) -> Option<Op> {
        const OPS: [&str; 10] = [
            "==", "!=", ">", "<", ">=", "<=", "contains", "not", "and", "or",
        ];
        const KINDS: [Op; 10] = [
            Op::Eq,
            Op::Ne,
            Op::Gt,
            Op::Lt,
            Op::Ge,
            Op::Le,
            Op::Contains,
            Op::Not,
            Op::And,
            Op::Or,
        ];
        self.skip_blank();
        let (w, end) = self.match_trie(&OPS)?;
        self.p = end;
        Some(KINDS[w])
    }

    fn read_literal(&mut self) -> Option<Tok> {
        const LITS: [&str; 6] = ["true", "false", "nil", "null", "empty", "blank"];
        const KINDS: [Lit; 6] = [
            Lit::True,
            Lit::False,
            Lit::Nil,
            Lit::Nil,
            Lit::Empty,
            Lit::Blank,
        ];
        self.skip_blank();
        let (w, end) = self.match_trie(&LITS)?;
        self.p = end;
        Some(Tok::Lit(KINDS[w]))
    }

    fn read_quoted_raw(&mut self) -> Option<(usize, usize)> {
        self.skip_blank();
        let begin = self.p;
        if !self.peek(0).is_some_and(is_quote) {
            return None;
        }
        self.p += 1;
        let mut escaped = false;
        while self.p < self.n {
            self.p += 1;
            let c = self.input[self.p - 1];
            if c == self.input[begin] && !escaped {
                break;
            }
            if escaped {
                escaped = false;
            } else if c == b'\\' as u16 {
                escaped = true;
            }
        }
        Some((begin, self.p))
    }

    pub(super) fn read_quoted(&mut self) -> Option<Tok> {
        let (a, b) = self.read_quoted_raw()?;
        Some(Tok::Quoted(parse_string_literal(slice(self.input, a, b))))
    }

    fn read_number(&mut self) -> Option<Tok> {
        self.skip_blank();
        let mut decimal = false;
        let mut digit = false;
        let mut n = 0;
        if self.peek(0).is_some_and(is_sign) {
            n += 1;
        }
        while self.p + n <= self.n {
            if self.peek(n).is_some_and(is_digit) {
                digit = true;
                n += 1;
            } else if self.peek_is(n, b'.') && !self.peek_is(n + 1, b'.') {
                if decimal || !digit {
                    return None;
                }
                decimal = true;
                n += 1;
            } else {
                break;
            }
        }
        if digit && !is_word(self.peek(n)) {
            let t = text(slice(self.input, self.p, self.p + n));
            self.p += n;
            return Some(Tok::Num(js_number_literal(&t)));
        }
        None
    }

    /// liquidjs `readValue`, with the token's source range.
    pub(super) fn read_value(&mut self) -> LiquidResult<Option<(Tok, usize, usize)>> {
        self.skip_blank();
        let begin = self.p;
        let mut variable = self.read_literal();
        if variable.is_none() {
            variable = self.read_quoted();
        }
        if variable.is_none() {
            variable = self.read_number();
        }
        if variable.is_none() && self.peek_is(0, b'(') {
            variable = Some(self.read_range()?);
        }
        let props = self.read_properties(variable.is_none())?;
        if props.is_empty() {
            return Ok(variable.map(|v| (v, begin, self.p)));
        }
        Ok(Some((
            Tok::Prop {
                variable: variable.map(Box::new),
                props,
            },
            begin,
            self.p,
        )))
    }

    /// `readScopeValue` (a property path on its own, for `where`).
    pub(super) fn read_scope_value(&mut self) -> LiquidResult<Option<Tok>> {
        self.skip_blank();
        let props = self.read_properties(true)?;
        if props.is_empty() {
            return Ok(None);
        }
        Ok(Some(Tok::Prop {
            variable: None,
            props,
        }))
    }

    fn read_properties(&mut self, is_begin: bool) -> LiquidResult<Vec<Tok>> {
        let mut props = Vec::new();
        loop {
            if self.peek_is(0, b'[') {
                self.p += 1;
                let prop = match self.read_value()? {
                    Some((t, _, _)) => t,
                    None => Tok::Word(String::new()),
                };
                if self.read_to(&[b']' as u16]).is_none() {
                    return Err(self.error("[ not closed", self.p));
                }
                props.push(prop);
                continue;
            }
            if is_begin && props.is_empty() {
                let (a, b) = self.read_identifier_range();
                if b > a {
                    props.push(Tok::Word(text(slice(self.input, a, b))));
                    continue;
                }
            }
            if self.peek_is(0, b'.') && !self.peek_is(1, b'.') {
                self.p += 1;
                let (a, b) = self.read_identifier_range();
                if b == a {
                    break;
                }
                props.push(Tok::Word(text(slice(self.input, a, b))));
                continue;
            }
            break;
        }
        Ok(props)
    }

    fn read_value_or_throw(&mut self) -> LiquidResult<Tok> {
        match self.read_value()? {
            Some((t, _, _)) => Ok(t),
            None => Err(self.error(
                format!("unexpected token {}, value expected", self.snap(self.p)),
                self.p,
            )),
        }
    }

    fn read_range(&mut self) -> LiquidResult<Tok> {
        self.skip_blank();
        self.p += 1;
        let lhs = self.read_value_or_throw()?;
        self.skip_blank();
        if self.peek_is(0, b'.') && self.peek_is(1, b'.') {
            self.p += 2;
            let rhs = self.read_value_or_throw()?;
            self.skip_blank();
            let c = self.peek(0);
            self.p += 1;
            if c != Some(b')' as u16) {
                return Err(self.error("invalid range syntax", self.p));
            }
            return Ok(Tok::Range(Box::new(lhs), Box::new(rhs)));
        }
        Err(self.error("invalid range syntax", self.p))
    }

    // ---- expressions -------------------------------------------------------------------

    fn read_expression(&mut self) -> LiquidResult<Vec<Item>> {
        let mut tokens = Vec::new();
        while self.p < self.n {
            if let Some(op) = self.read_operator() {
                tokens.push(Item::Op(op));
                continue;
            }
            if let Some((v, _, _)) = self.read_value()? {
                tokens.push(Item::Val(v));
                continue;
            }
            break;
        }
        // Shunting-yard as liquidjs does it (pops only strictly higher precedence).
        let mut out = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        for t in tokens {
            match t {
                Item::Op(op) => {
                    while ops.last().is_some_and(|o| o.precedence() > op.precedence()) {
                        out.push(Item::Op(ops.pop().unwrap_or(op)));
                    }
                    ops.push(op);
                }
                v => out.push(v),
            }
        }
        while let Some(o) = ops.pop() {
            out.push(Item::Op(o));
        }
        Ok(out)
    }

    pub(super) fn read_filtered_value(&mut self) -> LiquidResult<Filtered> {
        let begin = self.p;
        let postfix = self.read_expression()?;
        if postfix.is_empty() {
            return Err(self.error(
                format!("invalid value expression: {}", self.snap(self.p)),
                self.p,
            ));
        }
        let filters = self.read_filters()?;
        Ok(Filtered {
            postfix,
            filters,
            source: text(slice(self.input, begin, self.p)),
        })
    }

    fn read_filters(&mut self) -> LiquidResult<Vec<FilterTok>> {
        let mut filters = Vec::new();
        while let Some(f) = self.read_filter()? {
            filters.push(f);
        }
        Ok(filters)
    }

    fn read_filter(&mut self) -> LiquidResult<Option<FilterTok>> {
        self.skip_blank();
        if self.end() {
            return Ok(None);
        }
        if self.peek_is(0, b')') || self.peek_is(0, b',') {
            return Ok(None);
        }
        let c = self.peek(0);
        self.p += 1;
        if c != Some(b'|' as u16) {
            return Err(self.error("expected \"|\" before filter", self.p));
        }
        let name = self.read_identifier();
        if name.is_empty() {
            if !self.end() {
                return Err(self.error("expected filter name", self.p));
            }
            return Ok(None);
        }
        let mut args = Vec::new();
        self.skip_blank();
        if self.peek_is(0, b':') {
            loop {
                self.p += 1;
                if let Some(arg) = self.read_filter_arg()? {
                    args.push(arg);
                }
                self.skip_blank();
                if !(self.end()
                    || self.peek_is(0, b',')
                    || self.peek_is(0, b'|')
                    || self.peek_is(0, b')'))
                {
                    return Err(self.error(
                        format!("unexpected character {}", self.snap(self.p)),
                        self.p,
                    ));
                }
                if !self.peek_is(0, b',') {
                    break;
                }
            }
        } else if self.peek_is(0, b'|')
            || self.peek_is(0, b')')
            || self.peek_is(0, b',')
            || self.end()
        {
        } else {
            return Err(self.error("expected \":\" after filter name", self.p));
        }
        Ok(Some(FilterTok { name, args }))
    }

    fn read_filter_arg(&mut self) -> LiquidResult<Option<FArg>> {
        let Some((key, a, b)) = self.read_value()? else {
            return Ok(None);
        };
        self.skip_blank();
        if !self.peek_is(0, b':') {
            return Ok(Some(FArg::Pos(key)));
        }
        self.p += 1;
        let value = self.read_value()?.map(|(t, _, _)| t);
        Ok(Some(FArg::Kw(text(slice(self.input, a, b)), value)))
    }

    /// `readTo(',')` for `cycle` candidates.
    pub(super) fn skip_past(&mut self, c: u8) {
        self.read_to(&[c as u16]);
    }

    /// `readValue` without the range (for `cycle` groups); restores on `None`.
    pub(super) fn try_value(&mut self) -> LiquidResult<Option<Tok>> {
        Ok(self.read_value()?.map(|(t, _, _)| t))
    }
}

fn html(begin: usize, end: usize) -> TopTok {
    TopTok {
        kind: Kind::Html,
        begin,
        end,
        content: (begin, end),
        trim_left: false,
        trim_right: false,
        name: String::new(),
        args_at: 0,
        cut_left: 0,
        cut_right: 0,
    }
}

/// `DelimitedToken`: trim markers and blank-trimmed content range.
fn delimited(input: &[u16], cb: usize, ce: usize) -> ((usize, usize), bool, bool) {
    let tl = input.get(cb) == Some(&(b'-' as u16));
    let tr = ce >= 1 && input.get(ce - 1) == Some(&(b'-' as u16));
    let mut l = if tl { cb + 1 } else { cb };
    let mut r = if tr { ce - 1 } else { ce };
    while l < r && input.get(l).is_some_and(|&c| is_blank(c)) {
        l += 1;
    }
    while r > l && input.get(r - 1).is_some_and(|&c| is_blank(c)) {
        r -= 1;
    }
    ((l, r), tl, tr)
}

fn make_tag(input: &[u16], begin: usize, end: usize, cb: usize, ce: usize) -> LiquidResult<TopTok> {
    tag_token(
        input,
        (begin, end),
        (cb, ce),
        "illegal tag syntax, tag name expected",
    )
}

/// A tag token spanning `span` whose delimited content is `inner`; `no_name` is the error
/// when it has no tag name (liquidjs words it differently inside `{% liquid %}`).
fn tag_token(
    input: &[u16],
    (begin, end): (usize, usize),
    (cb, ce): (usize, usize),
    no_name: &str,
) -> LiquidResult<TopTok> {
    let (content, tl, tr) = delimited(input, cb, ce);
    let mut t = Tokenizer::new(input, content.0, content.1);
    let name = t.read_tag_name();
    if name.is_empty() {
        return Err(t.error(no_name, t.p));
    }
    t.skip_blank();
    Ok(TopTok {
        kind: Kind::Tag,
        begin,
        end,
        content,
        trim_left: tl,
        trim_right: tr,
        name,
        args_at: t.p,
        cut_left: 0,
        cut_right: 0,
    })
}

fn whitespace_control(input: &[u16], toks: &mut [TopTok]) {
    let mut in_raw = false;
    for i in 0..toks.len() {
        if matches!(toks[i].kind, Kind::Html) {
            continue;
        }
        if !in_raw && toks[i].trim_left && i > 0 {
            let t = &mut toks[i - 1];
            if matches!(t.kind, Kind::Html) {
                while t.end > t.cut_right
                    && input
                        .get(t.end - 1 - t.cut_right)
                        .is_some_and(|&c| is_blank(c))
                {
                    t.cut_right += 1;
                }
            }
        }
        if matches!(toks[i].kind, Kind::Tag) {
            if toks[i].name == "raw" {
                in_raw = true;
            } else if toks[i].name == "endraw" {
                in_raw = false;
            }
        }
        if !in_raw && toks[i].trim_right && i + 1 < toks.len() {
            let t = &mut toks[i + 1];
            if matches!(t.kind, Kind::Html) {
                while input
                    .get(t.begin + t.cut_left)
                    .is_some_and(|&c| is_blank(c))
                {
                    t.cut_left += 1;
                }
                if input.get(t.begin + t.cut_left) == Some(&(b'\n' as u16)) {
                    t.cut_left += 1;
                }
            }
        }
    }
}

/// liquidjs `parseStringLiteral` (the quotes are the first and last units).
fn parse_string_literal(s: &[u16]) -> String {
    let mut out: Vec<u16> = Vec::new();
    let len = s.len();
    let mut i = 1;
    let hex = |c: Option<&u16>| c.is_some_and(|&c| c < 128 && (c as u8).is_ascii_hexdigit());
    let oct = |c: Option<&u16>| c.is_some_and(|&c| (b'0' as u16..=b'7' as u16).contains(&c));
    let hexval = |c: u16| (c as u8 as char).to_digit(16).unwrap_or(0);
    while i + 1 < len {
        if s[i] != b'\\' as u16 {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let next = s.get(i + 1).copied();
        let esc = match next.map(|c| c as u8) {
            Some(b'b') if next.is_some_and(|c| c < 128) => Some(8u16),
            Some(b'f') if next.is_some_and(|c| c < 128) => Some(12),
            Some(b'n') if next.is_some_and(|c| c < 128) => Some(10),
            Some(b'r') if next.is_some_and(|c| c < 128) => Some(13),
            Some(b't') if next.is_some_and(|c| c < 128) => Some(9),
            Some(b'v') if next.is_some_and(|c| c < 128) => Some(11),
            _ => None,
        };
        if let Some(e) = esc {
            out.push(e);
            i += 2;
        } else if next == Some(b'u' as u16) {
            let mut val: u32 = 0;
            let mut j = i + 2;
            while j <= i + 5 && hex(s.get(j)) {
                val = val * 16 + hexval(s[j]);
                j += 1;
            }
            out.push(val as u16);
            i = j;
        } else if !oct(s.get(i + 1)) {
            if let Some(c) = next {
                out.push(c);
            }
            i += 2;
        } else {
            let mut j = i + 1;
            let mut val: u32 = 0;
            while j <= i + 3 && oct(s.get(j)) {
                val = val * 8 + hexval(s[j]);
                j += 1;
            }
            out.push(val as u16);
            i = j;
        }
    }
    text(&out)
}

/// `Number(text)` for the number tokens the tokenizer accepts (`-1`, `+2`, `3.`, `007`).
fn js_number_literal(t: &str) -> f64 {
    let t = t.strip_suffix('.').unwrap_or(t);
    t.parse::<f64>().unwrap_or(f64::NAN)
}
