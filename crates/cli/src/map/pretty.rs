//! `map --format pretty`: the requests for people to read.
//!
//! ```text
//! ── line 2 · Track Event · track ────────────────
//! POST https://events.usermaven.com/api/v1/s2s/event?token=REDACTED
//! {
//!   "api_key": "…",
//!   …
//! }
//! ```
//!
//! The body is re-printed with a two-space indent from its own text, so its keys keep the
//! order in which the destination wrote them. With several inputs the header names the file.

use std::io::Write;

use usermaven_destination::{Destination, Env};
use usermaven_input::Lines;
use usermaven_json::Value;

use super::{read_error, route_line, MapSummary};

/// Width of the header rule.
const RULE: usize = 72;

pub(super) fn map_pretty(
    dest: &Destination,
    env: &mut dyn Env,
    lines: &mut Lines,
    mut out: impl Write,
) -> std::io::Result<MapSummary> {
    let mut summary = MapSummary::default();
    let several = lines.sources().len() > 1;
    let names: Vec<String> = lines.sources().iter().map(|s| s.name.clone()).collect();
    let place = |source: usize, line: u64| match several {
        true => format!("{} line {line}", names[source]),
        false => format!("line {line}"),
    };
    while let Some(item) = lines.next_line() {
        summary.lines += 1;
        let line = match item {
            Ok(line) => line,
            Err(e) => {
                summary.failed_lines += 1;
                let v = read_error(&e);
                header(&mut out, &[&place(e.source, e.line), "error"])?;
                error_text(&mut out, &v)?;
                continue;
            }
        };
        let routed = match route_line(dest, env, line.text) {
            Ok(routed) => routed,
            Err(message) => {
                summary.failed_lines += 1;
                header(&mut out, &[&place(line.source, line.number), "error"])?;
                writeln!(out, "InvalidJson: {message}\n")?;
                continue;
            }
        };
        if routed.is_empty() {
            summary.unmatched += 1;
        }
        for r in routed {
            let at = place(line.source, line.number);
            header(&mut out, &[&at, &r.subscription, &r.action_name])?;
            match &r.result {
                Ok(req) => {
                    summary.requests += 1;
                    writeln!(out, "{} {}", req.method, req.redacted_url())?;
                    // The body is JSON.stringify output; were it ever not JSON, show it as is.
                    match Value::parse(&req.body) {
                        Ok(body) => writeln!(out, "{}\n", body.to_json_pretty())?,
                        Err(_) => writeln!(out, "{}\n", req.body)?,
                    }
                }
                Err(e) => {
                    summary.errors += 1;
                    error_text(&mut out, &usermaven_cases::error_value(e))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(summary)
}

fn header(out: &mut impl Write, parts: &[&str]) -> std::io::Result<()> {
    let text = parts.join(" · ");
    let fill = RULE.saturating_sub(text.chars().count() + 4).max(3);
    writeln!(out, "── {text} {}", "─".repeat(fill))
}

/// `Name: message` of an error object.
fn error_text(out: &mut impl Write, v: &Value) -> std::io::Result<()> {
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    writeln!(out, "{}: {}\n", field("name"), field("message"))
}
