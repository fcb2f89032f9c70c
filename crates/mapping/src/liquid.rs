//! `@liquid`: a port of `packages/core/src/mapping-kit/liquid-directive.ts` on top of
//! the `liquid` crate.
//!
//! The reference uses liquidjs with templates limited to 1000 characters, the tags
//! `case`, `for`, `include`, `layout`, `render`, `tablerow` disabled (a `ParseError`
//! when the template is parsed) and a list of filters disabled (a `RenderError` when
//! the filter runs). Errors carry liquidjs' `, line:L, col:C` suffix.
//!
//! Differences from liquidjs that remain (the `liquid` crate is a Shopify-Liquid
//! implementation, not liquidjs), each checked against the reference:
//! - a lookup *through* a missing or non-object value (`{{ a.b }}` with `a` missing,
//!   `{{ s.x }}` with `s` a string) is `RenderError: Unknown index` where liquidjs
//!   renders `""` (a missing *last* segment does render `""`, as in liquidjs);
//! - objects render as their entries concatenated, liquidjs prints `[object Object]`;
//! - numbers print as Rust prints them (`1e21` → `1000000000000000000000`, liquidjs
//!   `1e+21`);
//! - an unknown filter is `ParseError: Unknown filter`; liquidjs passes the value on;
//! - syntax errors are `ParseError` with the crate's wording; liquidjs throws a
//!   `TokenizationError`/`ParseError` with its own message and `, line:L, col:C`;
//! - `date` understands RFC 3339 / ISO dates, Unix seconds, `now` and `today` only,
//!   formatted in UTC (the reference runs with `TZ=UTC`).
//!
//! Disabled tags and filters, the length limit and empty templates match exactly.

use std::cell::Cell;
use std::fmt;
use std::sync::{Arc, OnceLock};

use liquid_core::model::{Object as LObject, Value as LValue};
use liquid_core::parser::{FilterArguments, FilterReflection, ParameterReflection, ParseFilter};
use liquid_core::runtime::Runtime;
use liquid_core::{Error as LError, Expression, Filter, ValueView};
use usermaven_json::Value;

use crate::error::TransformError;
use crate::js::js_len;

const DISABLED_TAGS: &[&str] = &["case", "for", "include", "layout", "render", "tablerow"];

const DISABLED_FILTERS: &[&str] = &[
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
];

/// A compiled `@liquid` template.
#[derive(Clone, Debug)]
pub(crate) struct Liquid {
    source: Arc<str>,
    compiled: Compiled,
    /// Variable paths the template reads (for `getFieldValueKeys` and to default
    /// missing ones to `nil`, as liquidjs renders them empty).
    variables: Arc<[Vec<String>]>,
}

#[derive(Clone, Debug)]
enum Compiled {
    Empty,
    TooLong,
    Parsed(Parsed),
    Failed(TransformError),
}

/// A parsed template (the crate's type has no `Debug`).
#[derive(Clone)]
struct Parsed(Arc<liquid::Template>);

impl fmt::Debug for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Template")
    }
}

fn parser() -> &'static liquid::Parser {
    static P: OnceLock<liquid::Parser> = OnceLock::new();
    P.get_or_init(|| {
        use liquid_lib::stdlib;
        let mut b = liquid::ParserBuilder::new()
            .tag(stdlib::AssignTag)
            .tag(stdlib::BreakTag)
            .tag(stdlib::ContinueTag)
            .tag(stdlib::CycleTag)
            .tag(stdlib::IncrementTag)
            .tag(stdlib::DecrementTag)
            .block(stdlib::RawBlock)
            .block(stdlib::IfBlock)
            .block(stdlib::UnlessBlock)
            .block(stdlib::IfChangedBlock)
            .block(stdlib::CommentBlock)
            .block(stdlib::CaptureBlock)
            .filter(stdlib::Abs)
            .filter(stdlib::Append)
            .filter(stdlib::AtLeast)
            .filter(stdlib::AtMost)
            .filter(stdlib::Capitalize)
            .filter(stdlib::Ceil)
            .filter(stdlib::Compact)
            .filter(DateFilterParser)
            .filter(stdlib::Default)
            .filter(stdlib::DividedBy)
            .filter(stdlib::Downcase)
            .filter(stdlib::Escape)
            .filter(stdlib::EscapeOnce)
            .filter(stdlib::First)
            .filter(stdlib::Floor)
            .filter(stdlib::Join)
            .filter(stdlib::Last)
            .filter(stdlib::Lstrip)
            .filter(stdlib::Minus)
            .filter(stdlib::Modulo)
            .filter(stdlib::Plus)
            .filter(stdlib::Prepend)
            .filter(stdlib::Remove)
            .filter(stdlib::RemoveFirst)
            .filter(stdlib::Replace)
            .filter(stdlib::ReplaceFirst)
            .filter(stdlib::Round)
            .filter(stdlib::Rstrip)
            .filter(stdlib::Size)
            .filter(stdlib::Slice)
            .filter(stdlib::Split)
            .filter(stdlib::Strip)
            .filter(stdlib::StripHtml)
            .filter(stdlib::StripNewlines)
            .filter(stdlib::Times)
            .filter(stdlib::Truncate)
            .filter(stdlib::TruncateWords)
            .filter(stdlib::Upcase)
            .filter(stdlib::UrlDecode)
            .filter(stdlib::UrlEncode)
            .filter(stdlib::Where);
        for name in DISABLED_FILTERS {
            b = b.filter(Disabled(name));
        }
        // Without the disabled tags registered, the crate reports them as unknown tags;
        // the position and wording come from `first_disabled_tag`.
        b.build()
            .unwrap_or_else(|_| liquid::ParserBuilder::new().build().expect("empty parser"))
    })
}

impl Liquid {
    pub(crate) fn compile(source: &str) -> Liquid {
        let tokens = tokens(source);
        let variables: Arc<[Vec<String>]> = variables(source, &tokens).into();
        let compiled = if source.is_empty() {
            Compiled::Empty
        } else if js_len(source) > 1000 {
            Compiled::TooLong
        } else if let Some((tag, line, col)) = first_disabled_tag(source, &tokens) {
            Compiled::Failed(TransformError {
                name: "ParseError",
                message: format!("tag \"{tag}\" is disabled, line:{line}, col:{col}"),
            })
        } else {
            match parser().parse(source) {
                Ok(t) => Compiled::Parsed(Parsed(Arc::new(t))),
                Err(e) => Compiled::Failed(TransformError {
                    name: "ParseError",
                    message: first_line(&e),
                }),
            }
        };
        Liquid {
            source: Arc::from(source),
            compiled,
            variables,
        }
    }

    /// The variable paths the template reads, joined with `.` (`getLiquidKeys`).
    pub(crate) fn keys(&self) -> Vec<String> {
        self.variables.iter().map(|p| p.join(".")).collect()
    }

    pub(crate) fn render(
        &self,
        payload: Option<&Value>,
        now: jiff::Timestamp,
    ) -> Result<String, TransformError> {
        let template = match &self.compiled {
            Compiled::Empty => return Ok(String::new()),
            Compiled::TooLong => {
                return Err(TransformError::error(
                    "liquid template values are limited to 1000 characters",
                ))
            }
            Compiled::Failed(e) => return Err(e.clone()),
            Compiled::Parsed(t) => &t.0,
        };
        let mut globals = match payload {
            Some(Value::Object(o)) => to_object(o),
            _ => LObject::new(),
        };
        for path in self.variables.iter() {
            fill_missing(&mut globals, path);
        }
        NOW.with(|n| n.set(Some(now)));
        let res = template.render(&globals);
        NOW.with(|n| n.set(None));
        res.map_err(|e| {
            let msg = first_line(&e);
            if let Some(name) = DISABLED_FILTERS
                .iter()
                .find(|f| msg.contains(&format!("filter \"{f}\" is disabled")))
            {
                let (line, col) = filter_position(&self.source, name);
                return TransformError {
                    name: "RenderError",
                    message: format!("filter \"{name}\" is disabled, line:{line}, col:{col}"),
                };
            }
            TransformError {
                name: "RenderError",
                message: msg,
            }
        })
    }
}

thread_local! {
    static NOW: Cell<Option<jiff::Timestamp>> = const { Cell::new(None) };
}

fn first_line(e: &LError) -> String {
    let s = e.to_string();
    let line = s.lines().next().unwrap_or_default();
    line.strip_prefix("liquid: ").unwrap_or(line).to_string()
}

fn to_object(o: &usermaven_json::Object) -> LObject {
    let mut out = LObject::new();
    for (k, v) in o.iter() {
        out.insert(k.to_string().into(), to_liquid(v));
    }
    out
}

fn to_liquid(v: &Value) -> LValue {
    match v {
        Value::Null => LValue::Nil,
        Value::Bool(b) => LValue::scalar(*b),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
                LValue::scalar(*n as i64)
            } else {
                LValue::scalar(*n)
            }
        }
        Value::String(s) => LValue::scalar(s.to_string()),
        Value::Array(a) => LValue::Array(a.iter().map(to_liquid).collect()),
        Value::Object(o) => LValue::Object(to_object(o)),
    }
}

/// Adds `nil` where a path's last segment is missing from an object, so that the
/// crate renders it empty instead of failing (liquidjs is not strict).
fn fill_missing(globals: &mut LObject, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if !globals.contains_key(first.as_str()) {
        globals.insert(first.clone().into(), LValue::Nil);
        return;
    }
    let mut cur = globals.get_mut(first.as_str());
    for seg in rest {
        match cur {
            Some(LValue::Object(o)) => {
                if !o.contains_key(seg.as_str()) {
                    o.insert(seg.clone().into(), LValue::Nil);
                    return;
                }
                cur = o.get_mut(seg.as_str());
            }
            _ => return,
        }
    }
}

/// A `{{ … }}` or `{% … %}` token: its byte range and inner text.
struct Token {
    start: usize,
    is_tag: bool,
    inner: std::ops::Range<usize>,
}

fn tokens(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = src[i..].find('{') {
        let start = i + off;
        let rest = &src[start..];
        let (is_tag, close) = if rest.starts_with("{{") {
            (false, "}}")
        } else if rest.starts_with("{%") {
            (true, "%}")
        } else {
            i = start + 1;
            continue;
        };
        match src[start + 2..].find(close) {
            Some(end) => {
                let inner = start + 2..start + 2 + end;
                out.push(Token {
                    start,
                    is_tag,
                    inner,
                });
                i = start + 2 + end + 2;
            }
            None => break,
        }
    }
    out
}

fn line_col(src: &str, byte: usize) -> (usize, usize) {
    let before = &src[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, js_len(&before[line_start..]) + 1)
}

fn tag_name(inner: &str) -> &str {
    let t = inner.trim_start_matches('-').trim_start();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    &t[..end]
}

fn first_disabled_tag<'s>(src: &str, tokens: &[Token]) -> Option<(&'s str, usize, usize)> {
    for t in tokens.iter().filter(|t| t.is_tag) {
        let name = tag_name(&src[t.inner.clone()]);
        if let Some(&d) = DISABLED_TAGS.iter().find(|&&d| d == name) {
            let (line, col) = line_col(src, t.start);
            return Some((d, line, col));
        }
    }
    None
}

fn filter_position(src: &str, filter: &str) -> (usize, usize) {
    for t in tokens(src) {
        let inner = &src[t.inner.clone()];
        let uses = inner.split('|').skip(1).any(|seg| {
            let seg = seg.trim_start();
            seg.strip_prefix(filter)
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        });
        if uses {
            return line_col(src, t.start);
        }
    }
    (1, 1)
}

const KEYWORDS: &[&str] = &[
    "and", "or", "contains", "true", "false", "nil", "null", "empty", "blank", "in", "with", "as",
    "reversed", "limit", "offset", "cols", "for",
];

/// The variable paths read by the template, in order of appearance, without repeats.
fn variables(src: &str, tokens: &[Token]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for t in tokens {
        let inner = src[t.inner.clone()].trim_matches('-');
        let mut text = inner.trim_start();
        if t.is_tag {
            let name = tag_name(text);
            if matches!(name, "assign" | "capture" | "increment" | "decrement") {
                // `assign x = expr`: skip the assigned name.
                text = text.split_once('=').map_or("", |(_, e)| e);
            } else {
                text = &text[name.len()..];
            }
        }
        for (i, seg) in text.split('|').enumerate() {
            let mut seg = seg;
            if i > 0 {
                // Filter name, then its arguments after `:`.
                seg = seg.split_once(':').map_or("", |(_, args)| args);
            }
            scan_paths(seg, &mut out);
        }
    }
    out
}

fn scan_paths(s: &str, out: &mut Vec<Vec<String>>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let mut path = Vec::new();
            let mut j = i;
            loop {
                let st = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-')
                {
                    j += 1;
                }
                path.push(s[st..j].to_string());
                if j + 1 < b.len()
                    && b[j] == b'.'
                    && (b[j + 1].is_ascii_alphabetic() || b[j + 1] == b'_')
                {
                    j += 1;
                    continue;
                }
                break;
            }
            // A keyword argument name (`name: value`) is not a variable.
            let named_arg = s[j..].trim_start().starts_with(':');
            let keyword = path.len() == 1 && KEYWORDS.contains(&path[0].as_str());
            if !(keyword || named_arg || out.contains(&path)) {
                out.push(path);
            }
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
}

/// A filter that liquid-directive.ts disables: it fails when it runs.
#[derive(Clone, Debug)]
struct Disabled(&'static str);

impl FilterReflection for Disabled {
    fn name(&self) -> &str {
        self.0
    }
    fn description(&self) -> &str {
        "disabled"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for Disabled {
    fn parse(&self, _arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(DisabledFilter(self.0)))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct DisabledFilter(&'static str);

impl fmt::Display for DisabledFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Filter for DisabledFilter {
    fn evaluate(
        &self,
        _input: &dyn ValueView,
        _runtime: &dyn Runtime,
    ) -> liquid_core::Result<LValue> {
        Err(LError::with_msg(format!(
            "filter \"{}\" is disabled",
            self.0
        )))
    }
}

/// `date`, reading the injected clock for `now` / `today`.
#[derive(Clone, Debug)]
struct DateFilterParser;

impl FilterReflection for DateFilterParser {
    fn name(&self) -> &str {
        "date"
    }
    fn description(&self) -> &str {
        "Formats a date with strftime."
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for DateFilterParser {
    fn parse(&self, mut arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(DateFilter {
            format: arguments.positional.next(),
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct DateFilter {
    format: Option<Expression>,
}

impl fmt::Display for DateFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("date")
    }
}

impl Filter for DateFilter {
    fn evaluate(
        &self,
        input: &dyn ValueView,
        runtime: &dyn Runtime,
    ) -> liquid_core::Result<LValue> {
        let Some(fmt_expr) = &self.format else {
            return Ok(input.to_value());
        };
        let format = fmt_expr.evaluate(runtime)?.to_kstr().to_string();
        let ts = match input.as_scalar() {
            Some(s) => {
                let text = s.to_kstr().to_string();
                if text == "now" || text == "today" {
                    NOW.with(Cell::get)
                } else if let Some(n) = s
                    .to_float()
                    .filter(|_| s.to_integer().is_some() || text.parse::<f64>().is_ok())
                {
                    jiff::Timestamp::from_millisecond((n * 1000.0) as i64).ok()
                } else {
                    parse_date(&text)
                }
            }
            None => None,
        };
        let Some(ts) = ts else {
            return Ok(input.to_value());
        };
        let zoned = ts.to_zoned(jiff::tz::TimeZone::UTC);
        match jiff::fmt::strtime::format(format.as_str(), &zoned) {
            Ok(s) => Ok(LValue::scalar(s)),
            Err(_) => Ok(input.to_value()),
        }
    }
}

fn parse_date(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    None
}
