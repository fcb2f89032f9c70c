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
//! operators), [`filters`], [`date`] (`date` filters and strftime), [`value`], and
//! `variables` (static analysis, for the tests of `getFieldValueKeys`). The
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
#[cfg(test)]
mod variables;

use std::collections::VecDeque;
use std::sync::Arc;

use usermaven_json::Value;

use crate::error::TransformError;
use lex::Tokenizer;
use parse::Node;
use value::LiquidValue;

/// An error with liquidjs' name and positioned message.
#[derive(Clone, Debug)]
pub(crate) struct LiquidError {
    name: &'static str,
    message: String,
}

/// The result of tokenizing or parsing a template.
type LiquidResult<T> = Result<T, LiquidError>;

impl LiquidError {
    fn at(name: &'static str, msg: String, input: &[u16], pos: usize) -> LiquidError {
        let (line, col) = lex::position(input, pos);
        LiquidError {
            name,
            message: format!("{msg}, line:{line}, col:{col}"),
        }
    }
}

impl From<LiquidError> for TransformError {
    fn from(e: LiquidError) -> TransformError {
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

fn parse(input: &[u16]) -> Result<Vec<Node>, LiquidError> {
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
        let env = payload.map_or(LiquidValue::Undef, LiquidValue::from_value);
        let mut ctx = render::Ctx::new(&p.input, env, now);
        let mut out = String::new();
        ctx.render(&p.nodes, &mut out)?;
        Ok(out)
    }
}
