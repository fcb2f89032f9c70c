//! `map`: Segment events (NDJSON) → the requests Segment would send, one NDJSON line each.
//! Streams: one line in memory at a time; a bad line is reported with its number and the
//! run goes on.

use std::io::{BufRead, Write};

use usermaven_destination::{Destination, Env};
use usermaven_json::{write_js_string, write_number, Object, Value};

use usermaven_cases::error_value;

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
            // `{"line":N,"action":S,"subscription":S,` then the request or the error.
            buf.clear();
            buf.push_str("{\"line\":");
            write_number(&mut buf, line_no as f64);
            buf.push_str(",\"action\":");
            write_js_string(&mut buf, &r.action_name);
            buf.push_str(",\"subscription\":");
            write_js_string(&mut buf, &r.subscription);
            match &r.result {
                Ok(req) => {
                    summary.requests += 1;
                    buf.push_str(",\"request\":");
                    write_request(&mut buf, req);
                }
                Err(e) => {
                    summary.errors += 1;
                    buf.push_str(",\"error\":");
                    error_value(e).write_json(&mut buf);
                }
            }
            buf.push_str("}\n");
            out.write_all(buf.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(summary)
}

/// `{"url","method","headers","body"}` of a request, the URL redacted (the shape of
/// [`usermaven_cases::request_value`], written directly).
fn write_request(buf: &mut String, req: &usermaven_destination::Request) {
    buf.push_str("{\"url\":");
    write_js_string(buf, &req.redacted_url());
    buf.push_str(",\"method\":");
    write_js_string(buf, req.method);
    buf.push_str(",\"headers\":{");
    for (i, (k, v)) in req.headers.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        write_js_string(buf, k);
        buf.push(':');
        write_js_string(buf, v);
    }
    buf.push_str("},\"body\":");
    write_js_string(buf, &req.body);
    buf.push('}');
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
