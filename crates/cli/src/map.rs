//! `map`: Segment events (NDJSON) → the requests Segment would send, one NDJSON line each.
//! Streams: one line in memory at a time; a bad line is reported with its number and the
//! run goes on.

use std::io::{BufRead, Write};

use usermaven_destination::{Destination, Env};
use usermaven_json::{Object, Value};

use crate::cases::{error_value, request_value};

/// Counters of a `map` run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MapSummary {
    pub lines: u64,
    pub requests: u64,
    pub unmatched: u64,
    pub failed_lines: u64,
    pub errors: u64,
}

/// Map every line of `input` and write `{"line":N,"action":S,"request":{…}}` lines (URL token
/// redacted), `{"line":N,"action":S,"subscription":S,"error":{…}}` for action errors and
/// `{"line":N,"error":{"name":"InvalidJson",…}}` for lines that are not a JSON object.
/// Why an input line is not an event.
#[derive(Debug)]
pub enum LineError {
    /// Valid JSON, but not an object.
    NotObject,
    Json(usermaven_json::ParseError),
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::NotObject => f.write_str("the line is not a JSON object"),
            // A line has one line: its column says enough.
            LineError::Json(e) if e.line <= 1 => write!(f, "{} at column {}", e.message, e.column),
            LineError::Json(e) => write!(f, "{e}"),
        }
    }
}

/// Routes one input line (a Segment event as JSON) with [`Destination::route_text`], which
/// takes the fused fast path where it can.
pub fn route_line(
    dest: &Destination,
    env: &mut dyn Env,
    line: &str,
) -> Result<Vec<usermaven_destination::Routed>, LineError> {
    if !line.trim_start().starts_with('{') {
        // Not an object: either not JSON at all, or another JSON value.
        return Err(match Value::parse(line) {
            Ok(_) => LineError::NotObject,
            Err(e) => LineError::Json(e),
        });
    }
    dest.route_text(line, env).map_err(LineError::Json)
}

pub fn map_stream(
    dest: &Destination,
    env: &mut dyn Env,
    input: impl BufRead,
    mut out: impl Write,
) -> std::io::Result<MapSummary> {
    let mut summary = MapSummary::default();
    let mut buf = String::with_capacity(4096);
    for (i, line) in input.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        summary.lines += 1;
        let routed = match route_line(dest, env, &line) {
            Ok(routed) => routed,
            Err(message) => {
                summary.failed_lines += 1;
                write_line(&mut out, &mut buf, invalid(line_no, &message.to_string()))?;
                continue;
            }
        };
        if routed.is_empty() {
            summary.unmatched += 1;
        }
        for r in routed {
            let mut o = Object::new();
            o.set("line", Value::Number(line_no as f64));
            o.set("action", Value::str(&r.action_name));
            o.set("subscription", Value::str(&r.subscription));
            match &r.result {
                Ok(req) => {
                    summary.requests += 1;
                    let mut rv = request_value(req);
                    if let Some(obj) = rv.as_object_mut() {
                        obj.set("url", Value::from(req.redacted_url()));
                    }
                    o.set("request", rv);
                }
                Err(e) => {
                    summary.errors += 1;
                    o.set("error", error_value(e));
                }
            }
            write_line(&mut out, &mut buf, Value::Object(o))?;
        }
    }
    out.flush()?;
    Ok(summary)
}

fn invalid(line: u64, message: &str) -> Value {
    let mut o = Object::new();
    o.set("line", Value::Number(line as f64));
    let mut e = Object::new();
    e.set("name", Value::str("InvalidJson"));
    e.set("message", Value::str(message));
    o.set("error", Value::Object(e));
    Value::Object(o)
}

fn write_line(out: &mut impl Write, buf: &mut String, v: Value) -> std::io::Result<()> {
    buf.clear();
    v.write_json(buf);
    buf.push('\n');
    out.write_all(buf.as_bytes())
}
