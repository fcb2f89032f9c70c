//! `@liquid`: a port of `packages/core/src/mapping-kit/liquid-directive.ts` and of the
//! part of liquidjs 10.30.1 it exposes, written to behave exactly like the reference.
//!
//! actions-core configures liquidjs with `parseLimit: 1000`, `renderLimit: 500` (ms)
//! and `memoryLimit: 1e8`, disables the tags `case`, `for`, `include`, `layout`,
//! `render`, `tablerow` (`ParseError: tag "…" is disabled`) and twenty filters
//! (`RenderError: filter "…" is disabled` when one runs), and rejects templates over
//! 1000 UTF-16 units before liquidjs sees them. Everything else is liquidjs' defaults:
//! lenient variables (a missing path renders `""`), unknown filters pass the value
//! through, `false`/`nil` are the only falsy values, JS value printing (`1e+21`,
//! `[object Object]`, arrays concatenated), and errors named `TokenizationError`,
//! `ParseError` or `RenderError` with liquidjs' wording and `, line:L, col:C` suffix.
//!
//! Modules: [`lex`] (tokenizer), [`parse`] (tags), [`render`] (context, lookups,
//! operators), [`filters`], [`date`] (`date` filters and strftime), [`value`]. The
//! filters lean on kept crates for what liquidjs delegates to Node: `sha2`/`hmac` for
//! `sha256`/`hmac_sha256`, `base64` (with a decoder as lenient as `Buffer`), `percent-encoding`
//! (sets equal to what `encodeURIComponent`/`encodeURI` keep) and `regex`'s Unicode classes
//! for `slugify`; only the thin layer giving liquidjs' exact behaviour is written here.
//!
//! Known differences from the reference (all outside what events normally exercise):
//! - `increment` / `decrement` write into the event in liquidjs (a later `@path` of
//!   the same transform sees the counter); here counters live for one template;
//! - the `renderLimit` of 500 ms is not enforced (the memory limit is);
//! - dates given as non-ISO strings are parsed by an approximation of V8's legacy
//!   `Date.parse` (common forms only);
//! - strings are Rust strings, so a lone UTF-16 surrogate (from `split: ""` on an
//!   emoji, `\ud83c` escapes) becomes U+FFFD;
//! - `sample` is not random (first elements); `block.super` renders nothing.

mod date;
mod filters;
mod lex;
mod parse;
mod render;
mod value;

use std::collections::VecDeque;
use std::sync::Arc;

use usermaven_json::Value;

use crate::error::TransformError;
use lex::{FArg, Filtered, Item, Tok, Tokenizer};
use parse::Node;
use value::V;

/// An error with liquidjs' name and positioned message.
#[derive(Clone, Debug)]
pub(crate) struct LErr {
    name: &'static str,
    message: String,
}

impl LErr {
    fn at(name: &'static str, msg: String, input: &[u16], pos: usize) -> LErr {
        let (line, col) = lex::position(input, pos);
        LErr {
            name,
            message: format!("{msg}, line:{line}, col:{col}"),
        }
    }
}

impl From<LErr> for TransformError {
    fn from(e: LErr) -> TransformError {
        TransformError {
            name: e.name,
            message: e.message,
        }
    }
}

/// A compiled `@liquid` template.
#[derive(Clone, Debug)]
pub(crate) struct Liquid {
    compiled: Compiled,
}

#[derive(Clone, Debug)]
enum Compiled {
    Empty,
    TooLong,
    Parsed(Arc<Parsed>),
    Failed(TransformError),
}

#[derive(Debug)]
struct Parsed {
    input: Vec<u16>,
    nodes: Vec<Node>,
}

fn parse(input: &[u16]) -> Result<Vec<Node>, LErr> {
    let toks = Tokenizer::new(input, 0, input.len()).top_level()?;
    parse::Parser { input }.parse_all(VecDeque::from(toks))
}

impl Liquid {
    pub(crate) fn compile(source: &str) -> Liquid {
        // As JS holds the template: a lone surrogate (our stand-in character) is one unit.
        let input: Vec<u16> = usermaven_json::js::units(source).collect();
        let compiled = if input.is_empty() {
            Compiled::Empty
        } else if input.len() > 1000 {
            Compiled::TooLong
        } else {
            match parse(&input) {
                Ok(nodes) => Compiled::Parsed(Arc::new(Parsed { input, nodes })),
                Err(e) => Compiled::Failed(e.into()),
            }
        };
        Liquid { compiled }
    }

    /// The variable paths the template reads (`getLiquidKeys`, i.e. liquidjs'
    /// `fullVariablesSync`); empty when the template does not parse.
    pub(crate) fn keys(&self) -> Vec<String> {
        let Compiled::Parsed(p) = &self.compiled else {
            // liquidjs parses without the 1000-character check here.
            return match &self.compiled {
                Compiled::TooLong => Vec::new(),
                _ => Vec::new(),
            };
        };
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        analyze(&p.nodes, &mut groups);
        let mut out: Vec<String> = Vec::new();
        for (_, vars) in groups {
            for v in vars {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    pub(crate) fn render(
        &self,
        payload: Option<&Value>,
        now: jiff::Timestamp,
    ) -> Result<String, TransformError> {
        let p = match &self.compiled {
            Compiled::Empty => return Ok(String::new()),
            Compiled::TooLong => {
                return Err(TransformError::error(
                    "liquid template values are limited to 1000 characters",
                ))
            }
            Compiled::Failed(e) => return Err(e.clone()),
            Compiled::Parsed(p) => p,
        };
        let env = payload.map_or(V::Undef, V::from_value);
        let mut ctx = render::Ctx::new(&p.input, env, now);
        let mut out = String::new();
        ctx.render(&p.nodes, &mut out)?;
        Ok(out)
    }
}

// ---- static analysis (liquidjs `analyze` → `fullVariables`) ------------------------------

enum Seg {
    Str(String),
    Num(f64),
    Var(Vec<Seg>),
}

fn is_property(s: &str) -> bool {
    let mut chars = s.chars();
    let ok_first = |c: char| !c.is_ascii() || c.is_ascii_alphabetic() || c == '_';
    let ok_rest = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '_' || c == '-';
    chars.next().is_some_and(ok_first) && chars.all(ok_rest)
}

fn segments_string(segs: &[Seg], bracketed_root: bool) -> String {
    let mut out = String::new();
    if let Some(Seg::Str(root)) = segs.first() {
        if !bracketed_root || is_property(root) {
            out.push_str(root);
        } else {
            out.push_str(&format!("['{root}']"));
        }
    }
    for seg in segs.iter().skip(1) {
        match seg {
            Seg::Var(inner) => out.push_str(&format!("[{}]", segments_string(inner, false))),
            Seg::Str(s) if is_property(s) => out.push_str(&format!(".{s}")),
            Seg::Str(s) => out.push_str(&format!("['{s}']")),
            Seg::Num(n) => out.push_str(&format!("[{}]", value::num_str(*n))),
        }
    }
    out
}

fn prop_segments(props: &[Tok]) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (i, p) in props.iter().enumerate() {
        match p {
            Tok::Quoted(s) | Tok::Word(s) => segs.push(Seg::Str(s.clone())),
            Tok::Num(n) => segs.push(Seg::Num(*n)),
            Tok::Prop { props: inner, .. } => {
                let nested = prop_segments(inner);
                if i == 0 {
                    segs.extend(nested);
                } else {
                    segs.push(Seg::Var(nested));
                }
            }
            _ => {}
        }
    }
    segs
}

fn push_var(segs: Vec<Seg>, groups: &mut Vec<(String, Vec<String>)>) {
    let root_key = segments_string(&segs[..segs.len().min(1)], false);
    let full = segments_string(&segs, true);
    match groups.iter_mut().find(|(k, _)| *k == root_key) {
        Some((_, list)) => list.push(full),
        None => groups.push((root_key, vec![full])),
    }
    for s in segs {
        if let Seg::Var(inner) = s {
            push_var(inner, groups);
        }
    }
}

fn tok_vars(t: &Tok, groups: &mut Vec<(String, Vec<String>)>) {
    match t {
        Tok::Range(a, b) => {
            tok_vars(a, groups);
            tok_vars(b, groups);
        }
        Tok::Prop { props, .. } => push_var(prop_segments(props), groups),
        _ => {}
    }
}

fn filtered_vars(f: &Filtered, groups: &mut Vec<(String, Vec<String>)>) {
    for item in &f.postfix {
        if let Item::Val(t) = item {
            tok_vars(t, groups);
        }
    }
    for filter in &f.filters {
        for a in &filter.args {
            match a {
                FArg::Pos(t) | FArg::Kw(_, Some(t)) => tok_vars(t, groups),
                FArg::Kw(_, None) => {}
            }
        }
    }
}

fn analyze(nodes: &[Node], groups: &mut Vec<(String, Vec<String>)>) {
    for n in nodes {
        match n {
            Node::Output(f, _) | Node::Assign(_, f, _) | Node::Echo(Some(f), _) => {
                filtered_vars(f, groups)
            }
            Node::Capture(_, body, _) | Node::Block(body) | Node::Seq(body) => {
                analyze(body, groups)
            }
            Node::If(branches, else_, _) => {
                for (c, _) in branches {
                    filtered_vars(c, groups);
                }
                for (_, body) in branches {
                    analyze(body, groups);
                }
                analyze(else_, groups);
            }
            Node::Unless(branches, else_, _) => {
                for (c, _, _) in branches {
                    filtered_vars(c, groups);
                }
                for (_, _, body) in branches {
                    analyze(body, groups);
                }
                analyze(else_, groups);
            }
            Node::Cycle {
                group, candidates, ..
            } => {
                for c in candidates {
                    filtered_vars(c, groups);
                }
                if let Some(g) = group {
                    tok_vars(g, groups);
                }
            }
            _ => {}
        }
    }
}
