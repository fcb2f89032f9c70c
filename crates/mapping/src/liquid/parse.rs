//! Parser: liquidjs' `Parser#parseToken` and the tags actions-core leaves enabled
//! (`assign`, `capture`, `comment`, `increment`, `decrement`, `cycle`, `if`, `unless`,
//! `raw`, `echo`, `liquid`, `break`, `continue`, `block`, `#`). `case`, `for`,
//! `include`, `layout`, `render` and `tablerow` fail with `tag "…" is disabled`.

use std::collections::VecDeque;

use super::lex::{self, Filtered, Kind, Tok, Tokenizer, TopTok};
use super::{LiquidError, LiquidResult};

#[derive(Clone, Debug)]
pub(super) enum Node {
    Html(String),
    Output(Filtered, usize),
    Assign(String, Filtered, usize),
    Capture(String, Vec<Node>, usize),
    If(Vec<(Filtered, Vec<Node>)>, Vec<Node>, usize),
    /// Branches with the truthiness they need (`false` for the `unless` condition).
    Unless(Vec<(Filtered, bool, Vec<Node>)>, Vec<Node>, usize),
    Increment(String, bool),
    Cycle {
        group: Option<Tok>,
        candidates: Vec<Filtered>,
        fingerprint: String,
        at: usize,
    },
    Echo(Option<Filtered>, usize),
    Block(Vec<Node>),
    /// `{% liquid %}`: its lines rendered in place.
    Seq(Vec<Node>),
    Break,
    Continue,
    Nothing,
}

const DISABLED_TAGS: &[&str] = &["case", "for", "include", "layout", "render", "tablerow"];

pub(super) struct Parser<'i> {
    pub(super) input: &'i [u16],
}

/// A failure inside a tag constructor: liquidjs wraps plain errors in a `ParseError`
/// at the tag, and passes its own (tokenizer) errors through.
enum TagError {
    Plain(String),
    Liquid(LiquidError),
}

impl From<LiquidError> for TagError {
    fn from(e: LiquidError) -> TagError {
        TagError::Liquid(e)
    }
}

impl<'i> Parser<'i> {
    pub(super) fn parse_all(&self, mut toks: VecDeque<TopTok>) -> LiquidResult<Vec<Node>> {
        let mut out = Vec::new();
        while let Some(t) = toks.pop_front() {
            out.push(self.parse_token(t, &mut toks)?);
        }
        Ok(out)
    }

    fn parse_token(&self, tok: TopTok, rest: &mut VecDeque<TopTok>) -> LiquidResult<Node> {
        let begin = tok.begin;
        let res = match tok.kind {
            Kind::Html => {
                let a = tok.begin + tok.cut_left;
                let b = tok.end.saturating_sub(tok.cut_right);
                return Ok(Node::Html(lex::text(lex::slice(self.input, a, b))));
            }
            Kind::Output => {
                let mut t = Tokenizer::new(self.input, tok.content.0, tok.content.1);
                return Ok(Node::Output(t.read_filtered_value()?, begin));
            }
            Kind::Tag => self.parse_tag(&tok, rest),
        };
        res.map_err(|e| match e {
            TagError::Liquid(e) => e,
            TagError::Plain(m) => LiquidError::at("ParseError", m, self.input, begin),
        })
    }

    fn tokenizer(&self, tok: &TopTok) -> Tokenizer<'i> {
        Tokenizer::new(self.input, tok.args_at, tok.content.1)
    }

    fn source(&self, tok: &TopTok) -> String {
        lex::text(lex::slice(self.input, tok.begin, tok.end))
    }

    fn not_closed(&self, tok: &TopTok) -> TagError {
        TagError::Plain(format!("tag {} not closed", self.source(tok)))
    }

    fn parse_tag(&self, tok: &TopTok, rest: &mut VecDeque<TopTok>) -> Result<Node, TagError> {
        let name = tok.name.as_str();
        if DISABLED_TAGS.contains(&name) {
            return Err(TagError::Plain(format!("tag \"{name}\" is disabled")));
        }
        let at = tok.begin;
        match name {
            "assign" => {
                let mut t = self.tokenizer(tok);
                let key = t.read_identifier();
                if key.is_empty() {
                    return Err(t.error("expected variable name", t.p).into());
                }
                t.skip_blank();
                if t.peek(0) != Some(b'=' as u16) {
                    return Err(t.error("expected \"=\"", t.p).into());
                }
                t.p += 1;
                Ok(Node::Assign(key, t.read_filtered_value()?, at))
            }
            "capture" => {
                let mut t = self.tokenizer(tok);
                let mut var = t.read_identifier();
                if var.is_empty() {
                    match t.read_quoted() {
                        Some(Tok::Quoted(s)) => var = s,
                        _ => return Err(t.error("invalid capture name", t.p).into()),
                    }
                }
                let mut body = Vec::new();
                while let Some(next) = rest.pop_front() {
                    if matches!(next.kind, Kind::Tag) && next.name == "endcapture" {
                        return Ok(Node::Capture(var, body, at));
                    }
                    body.push(self.parse_token(next, rest)?);
                }
                Err(self.not_closed(tok))
            }
            "comment" => {
                while let Some(next) = rest.pop_front() {
                    if matches!(next.kind, Kind::Tag) && next.name == "endcomment" {
                        return Ok(Node::Nothing);
                    }
                }
                Err(self.not_closed(tok))
            }
            "raw" => {
                let mut s = String::new();
                while let Some(next) = rest.pop_front() {
                    if matches!(next.kind, Kind::Tag) && next.name == "endraw" {
                        return Ok(Node::Html(s));
                    }
                    s.push_str(&lex::text(lex::slice(self.input, next.begin, next.end)));
                }
                Err(self.not_closed(tok))
            }
            "block" => {
                let mut body = Vec::new();
                while let Some(next) = rest.pop_front() {
                    if matches!(next.kind, Kind::Tag) && next.name == "endblock" {
                        return Ok(Node::Block(body));
                    }
                    body.push(self.parse_token(next, rest)?);
                }
                Err(self.not_closed(tok))
            }
            "increment" | "decrement" => {
                let mut t = self.tokenizer(tok);
                Ok(Node::Increment(t.read_identifier(), name == "decrement"))
            }
            "cycle" => {
                let mut t = self.tokenizer(tok);
                let begin = t.p;
                let mut group = None;
                if let Some(g) = t.try_value()? {
                    t.skip_blank();
                    if t.peek(0) == Some(b':' as u16) {
                        group = Some(g);
                        t.p += 1;
                    } else {
                        t.p = begin;
                    }
                }
                let mut candidates = Vec::new();
                while !t.end() {
                    candidates.push(t.read_filtered_value()?);
                    t.skip_past(b',');
                }
                if candidates.is_empty() {
                    return Err(t
                        .error(format!("empty candidates: \"{}\"", self.source(tok)), t.p)
                        .into());
                }
                let texts: Vec<&str> = candidates.iter().map(|c| c.source.as_str()).collect();
                let fingerprint = texts.join(",");
                Ok(Node::Cycle {
                    group,
                    candidates,
                    fingerprint,
                    at,
                })
            }
            "if" => self.parse_if(tok, rest),
            "unless" => self.parse_unless(tok, rest),
            "echo" => {
                let mut t = self.tokenizer(tok);
                t.skip_blank();
                let v = if t.end() {
                    None
                } else {
                    Some(t.read_filtered_value()?)
                };
                Ok(Node::Echo(v, at))
            }
            "liquid" => {
                let mut t = self.tokenizer(tok);
                let lines: VecDeque<TopTok> = t.liquid_lines()?.into();
                let body = self.parse_all(lines)?;
                Ok(Node::Seq(body))
            }
            "break" => Ok(Node::Break),
            "continue" => Ok(Node::Continue),
            "#" => {
                let args = lex::text(tok.args(self.input));
                if inline_comment_bad(&args) {
                    return Err(TagError::Plain(
                        "every line of an inline comment must start with a '#' character".into(),
                    ));
                }
                Ok(Node::Nothing)
            }
            other => Err(TagError::Plain(format!("tag \"{other}\" not found"))),
        }
    }

    fn parse_if(&self, tok: &TopTok, rest: &mut VecDeque<TopTok>) -> Result<Node, TagError> {
        let mut branches: Vec<(Filtered, Vec<Node>)> = Vec::new();
        let mut else_: Option<Vec<Node>> = None;
        let first = self.tokenizer(tok).read_filtered_value()?;
        branches.push((first, Vec::new()));
        while let Some(next) = rest.pop_front() {
            if matches!(next.kind, Kind::Tag) {
                match next.name.as_str() {
                    "elsif" => {
                        if else_.is_some() {
                            return Err(TagError::Plain("unexpected elsif after else".into()));
                        }
                        let v = self.tokenizer(&next).read_filtered_value()?;
                        branches.push((v, Vec::new()));
                        continue;
                    }
                    "else" => {
                        self.assert_no_args(&next)?;
                        if else_.is_some() {
                            return Err(TagError::Plain("duplicated else".into()));
                        }
                        else_ = Some(Vec::new());
                        continue;
                    }
                    "endif" => {
                        self.assert_no_args(&next)?;
                        let at = tok.begin;
                        return Ok(Node::If(branches, else_.unwrap_or_default(), at));
                    }
                    _ => {}
                }
            }
            let node = self.parse_token(next, rest)?;
            match &mut else_ {
                Some(e) => e.push(node),
                None => {
                    if let Some(b) = branches.last_mut() {
                        b.1.push(node);
                    }
                }
            }
        }
        Err(self.not_closed(tok))
    }

    fn assert_no_args(&self, t: &TopTok) -> Result<(), TagError> {
        let args = t.args(self.input);
        if args.is_empty() {
            return Ok(());
        }
        let mut q = String::new();
        usermaven_json::write_js_string(&mut q, &lex::text(args));
        Err(TagError::Plain(format!("unexpected {q}")))
    }

    fn parse_unless(&self, tok: &TopTok, rest: &mut VecDeque<TopTok>) -> Result<Node, TagError> {
        let mut branches: Vec<(Filtered, bool, Vec<Node>)> = Vec::new();
        let mut else_: Vec<Node> = Vec::new();
        let mut else_count = 0;
        // Where templates go: a branch index, the else list, or nowhere.
        enum Sink {
            Branch(usize),
            Else,
            Drop,
        }
        let first = self.tokenizer(tok).read_filtered_value()?;
        branches.push((first, false, Vec::new()));
        let mut sink = Sink::Branch(0);
        while let Some(next) = rest.pop_front() {
            if matches!(next.kind, Kind::Tag) {
                match next.name.as_str() {
                    "elsif" => {
                        if else_count > 0 {
                            sink = Sink::Drop;
                            continue;
                        }
                        let v = self.tokenizer(&next).read_filtered_value()?;
                        branches.push((v, true, Vec::new()));
                        sink = Sink::Branch(branches.len() - 1);
                        continue;
                    }
                    "else" => {
                        else_count += 1;
                        sink = Sink::Else;
                        continue;
                    }
                    "endunless" => {
                        return Ok(Node::Unless(branches, else_, tok.begin));
                    }
                    _ => {}
                }
            }
            let node = self.parse_token(next, rest)?;
            match sink {
                Sink::Branch(i) => branches[i].2.push(node),
                Sink::Else if else_count == 1 => else_.push(node),
                _ => {}
            }
        }
        Err(self.not_closed(tok))
    }
}

/// `/\n\s*[^#\s]/` on an inline comment's arguments.
fn inline_comment_bad(args: &str) -> bool {
    let chars: Vec<char> = args.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '\n' {
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && super::value::js_space(chars[j]) {
            j += 1;
        }
        // `\s*` backtracks: any non-space non-# char after some spaces, or a space that
        // is itself followed by nothing else cannot match `[^#\s]`.
        if j < chars.len() && chars[j] != '#' {
            return true;
        }
    }
    false
}
