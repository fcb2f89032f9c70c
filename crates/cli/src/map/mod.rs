//! `map`: Segment events (NDJSON) → the requests Segment would send, one NDJSON line each.
//! Streams: one line in memory at a time (read by `usermaven-input`); a bad line is reported
//! with its number (and its file, when there are several inputs) and the run goes on.

use std::io::Write;

use usermaven_input::{ErrorKind, Lines};

use usermaven_destination::{Destination, Env};
use usermaven_json::{write_js_string, write_js_string_bytes, write_number, Object, Value};

use usermaven_cases::error_value;

use crate::parallel::{Item, LineRef};

mod pretty;

/// How `map` writes its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// One JSON line per request or error, for programs (the default).
    #[default]
    Ndjson,
    /// For people: a header line per request (input, line, subscription, action), then the
    /// method and redacted URL, then the body as indented JSON in its own key order.
    Pretty,
}

/// Counters of a `map` run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MapSummary {
    pub lines: u64,
    pub requests: u64,
    pub unmatched: u64,
    pub failed_lines: u64,
    pub errors: u64,
}

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

/// Map every line of `lines` and write `{"line":N,"action":S,"subscription":S,"request":{…}}`
/// lines (URL token redacted), `{"line":N,"action":S,"subscription":S,"error":{…}}` for action
/// errors, and `{"line":N,"error":{"name":…,"message":…}}` for lines that are no event
/// (`InvalidJson`, `InvalidUtf8`, `LineTooLong`, `ReadError`). With several inputs every line
/// starts with `"file":NAME`.
pub fn map_stream(
    dest: &Destination,
    env: &mut dyn Env,
    lines: &mut Lines,
    out: impl Write,
) -> std::io::Result<MapSummary> {
    map_stream_as(dest, env, lines, out, Format::Ndjson)
}

/// [`map_stream`] in the given [`Format`], on one thread.
pub fn map_stream_as(
    dest: &Destination,
    env: &mut dyn Env,
    lines: &mut Lines,
    out: impl Write,
    format: Format,
) -> std::io::Result<MapSummary> {
    map_stream_jobs(dest, env, lines, out, format, 1)
}

/// [`map_stream_as`] routing on `jobs` threads ([`crate::parallel`]): the same output, byte
/// for byte and in input order, generated ids included. `Format::Pretty` runs on one thread.
pub fn map_stream_jobs(
    dest: &Destination,
    env: &mut dyn Env,
    lines: &mut Lines,
    mut out: impl Write,
    format: Format,
    jobs: usize,
) -> std::io::Result<MapSummary> {
    if format == Format::Pretty {
        return pretty::map_pretty(dest, env, lines, out);
    }
    let mut summary = MapSummary::default();
    let names: Option<Vec<String>> = (lines.sources().len() > 1)
        .then(|| lines.sources().iter().map(|s| s.name.clone()).collect());
    let names = names.as_deref();
    let mut buf = String::with_capacity(4096);
    crate::parallel::route_lines(
        lines,
        jobs,
        env,
        |line, env| map_line(dest, env, names, line),
        |item| {
            summary.lines += 1;
            match item {
                Item::Line(_, m) => {
                    summary.requests += m.requests;
                    summary.errors += m.errors;
                    summary.unmatched += u64::from(m.unmatched);
                    summary.failed_lines += u64::from(m.failed);
                    out.write_all(&m.out)?;
                }
                Item::Bad(e) => {
                    summary.failed_lines += 1;
                    head(&mut buf, names, e.source, e.line);
                    buf.push_str(",\"error\":");
                    read_error(&e).write_json(&mut buf);
                    buf.push_str("}\n");
                    out.write_all(buf.as_bytes())?;
                }
            }
            Ok::<_, std::io::Error>(true)
        },
    )?;
    out.flush()?;
    Ok(summary)
}

/// One line's output lines and what they count.
struct MapLine {
    /// The output lines, as bytes: the request body is escaped straight into them
    /// ([`write_js_string_bytes`]).
    out: Vec<u8>,
    requests: u64,
    errors: u64,
    unmatched: bool,
    failed: bool,
}

/// `{"file":NAME,"line":N` or `{"line":N` into a cleared `buf`.
fn head(buf: &mut String, names: Option<&[String]>, source: usize, line: u64) {
    buf.clear();
    buf.push('{');
    if let Some(names) = names {
        buf.push_str("\"file\":");
        write_js_string(buf, &names[source]);
        buf.push(',');
    }
    buf.push_str("\"line\":");
    write_number(buf, line as f64);
}

/// Routes one line and writes its output lines.
fn map_line(
    dest: &Destination,
    env: &mut dyn Env,
    names: Option<&[String]>,
    line: LineRef<'_>,
) -> MapLine {
    let mut m = MapLine {
        out: Vec::with_capacity(2048),
        requests: 0,
        errors: 0,
        unmatched: false,
        failed: false,
    };
    let mut buf = String::new();
    let routed = match route_line(dest, env, line.text) {
        Ok(routed) => routed,
        Err(message) => {
            m.failed = true;
            head(&mut buf, names, line.source, line.number);
            buf.push_str(",\"error\":");
            error_object("InvalidJson", &message.to_string()).write_json(&mut buf);
            buf.push_str("}\n");
            m.out.extend_from_slice(buf.as_bytes());
            return m;
        }
    };
    m.unmatched = routed.is_empty();
    for r in routed {
        // `{"line":N,"action":S,"subscription":S,` then the request or the error.
        head(&mut buf, names, line.source, line.number);
        buf.push_str(",\"action\":");
        write_js_string(&mut buf, &r.action_name);
        buf.push_str(",\"subscription\":");
        write_js_string(&mut buf, &r.subscription);
        match &r.result {
            Ok(req) => {
                m.requests += 1;
                buf.push_str(",\"request\":");
                write_request_head(&mut buf, req);
                m.out.extend_from_slice(buf.as_bytes());
                write_js_string_bytes(&mut m.out, &req.body);
                m.out.extend_from_slice(b"}}\n");
            }
            Err(e) => {
                m.errors += 1;
                buf.push_str(",\"error\":");
                error_value(e).write_json(&mut buf);
                buf.push_str("}\n");
                m.out.extend_from_slice(buf.as_bytes());
            }
        }
    }
    m
}

/// `{"name","message"}` of a line the reader could not hand out.
pub fn read_error(e: &usermaven_input::LineError) -> Value {
    let name = match e.kind {
        ErrorKind::InvalidUtf8 { .. } => "InvalidUtf8",
        ErrorKind::TooLong { .. } => "LineTooLong",
        _ => "ReadError",
    };
    error_object(name, &e.to_string())
}

/// `{"url","method","headers","body":` of a request, the URL redacted (the shape of
/// [`usermaven_cases::request_value`], written directly); the caller appends the body as a
/// JSON string and the closing `}`.
fn write_request_head(buf: &mut String, req: &usermaven_destination::Request) {
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
}

pub(crate) fn error_object(name: &str, message: &str) -> Value {
    let mut e = Object::new();
    e.set("name", Value::str(name));
    e.set("message", Value::str(message));
    Value::Object(e)
}
