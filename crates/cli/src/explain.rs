//! `explain`: for each event (read as `map` reads its inputs) and each subscription, why
//! Usermaven gets what it gets: the trigger's deciding conditions, each field's directive,
//! steps and place in the body, the values perform derives, and the request or the error.
//! Every fact comes from [`Destination::explain`] (the general path, traced).
//!
//! `json`: one object per event and subscription (`Explanation::to_value` with `line`, and
//! `file` when there are several inputs, in front). `text`: for people, aligned, one line per
//! field; colour when asked (on a terminal).

use std::io::Write;

use usermaven_destination::{Destination, Env, Explanation};
use usermaven_input::Lines;
use usermaven_json::{Object, Value};

use crate::map::read_error;

/// The output form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// What a run saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExplainSummary {
    pub lines: u64,
    /// Explanations of subscriptions that ran (request or error).
    pub matched: u64,
    pub errors: u64,
    pub failed_lines: u64,
}

/// Explain every event of `lines` against every subscription of `dest`.
pub fn explain_stream(
    dest: &Destination,
    env: &mut dyn Env,
    lines: &mut Lines,
    mut out: impl Write,
    format: Format,
    color: bool,
) -> std::io::Result<ExplainSummary> {
    let mut summary = ExplainSummary::default();
    let names: Option<Vec<String>> = (lines.sources().len() > 1)
        .then(|| lines.sources().iter().map(|s| s.name.clone()).collect());
    let paint = Paint(color);
    while let Some(item) = lines.next_line() {
        summary.lines += 1;
        let (source, number, parsed) = match item {
            Ok(line) => (
                line.source,
                line.number,
                Value::parse(line.text).map_err(|e| {
                    let mut o = Object::new();
                    o.set("name", Value::str("InvalidJson"));
                    o.set("message", Value::from(e.to_string()));
                    Value::Object(o)
                }),
            ),
            Err(e) => (e.source, e.line, Err(read_error(&e))),
        };
        let file = names.as_ref().map(|n| n[source].as_str());
        let event = match parsed {
            Ok(event) => event,
            Err(error) => {
                summary.failed_lines += 1;
                match format {
                    Format::Json => {
                        let mut o = head(file, number);
                        o.set("error", error);
                        writeln!(out, "{}", Value::Object(o).to_json())?;
                    }
                    Format::Text => {
                        let message = error.get("message").map(Value::to_js_string);
                        writeln!(
                            out,
                            "{} {}\n",
                            paint.heading(&place(file, number)),
                            paint.error(&message.unwrap_or_default())
                        )?;
                    }
                }
                continue;
            }
        };
        for x in dest.explain(&event, env) {
            if x.matched {
                summary.matched += 1;
            }
            if matches!(x.result, Some(Err(_))) {
                summary.errors += 1;
            }
            match format {
                Format::Json => {
                    let mut o = head(file, number);
                    if let Value::Object(rest) = x.to_value() {
                        for (k, v) in rest {
                            o.insert(k, v);
                        }
                    }
                    writeln!(out, "{}", Value::Object(o).to_json())?;
                }
                Format::Text => write_text(&mut out, &place(file, number), &x, paint)?,
            }
        }
    }
    out.flush()?;
    Ok(summary)
}

fn head(file: Option<&str>, line: u64) -> Object {
    let mut o = Object::new();
    if let Some(f) = file {
        o.set("file", Value::str(f));
    }
    o.set("line", Value::Number(line as f64));
    o
}

fn place(file: Option<&str>, line: u64) -> String {
    match file {
        Some(f) => format!("{f} line {line}"),
        None => format!("line {line}"),
    }
}

/// ANSI colour, when on.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn heading(self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn good(self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn error(self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn name(self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// Longest directive or value shown in full on a field's line.
const CELL: usize = 44;

fn cell(v: Option<&Value>) -> String {
    let s = v.map_or_else(|| "undefined".to_string(), Value::to_json);
    if s.chars().count() <= CELL {
        return s;
    }
    let mut short: String = s.chars().take(CELL - 1).collect();
    short.push('…');
    short
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

fn write_text(
    out: &mut impl Write,
    at: &str,
    x: &Explanation,
    paint: Paint,
) -> std::io::Result<()> {
    let status = if !x.enabled {
        paint.dim("disabled")
    } else if x.matched {
        paint.good("matched")
    } else {
        paint.dim("not matched")
    };
    writeln!(
        out,
        "{}",
        paint.heading(&format!("── {at} · {} · {} ", x.subscription, x.action))
    )?;
    writeln!(out, "trigger   {}  {status}", x.trigger.fql)?;
    if let Some(invalid) = &x.trigger.invalid {
        writeln!(out, "          {}", paint.error(invalid))?;
    }
    for d in &x.trigger.decided_by {
        writeln!(
            out,
            "          decided by {} → {} (read {})",
            d.fql,
            d.result,
            cell(d.actual.as_ref())
        )?;
    }
    if x.result.is_none() {
        writeln!(out)?;
        return Ok(());
    }
    let name_w = x
        .fields
        .iter()
        .map(|f| f.field.chars().count())
        .max()
        .unwrap_or(0);
    let dir_w = x
        .fields
        .iter()
        .map(|f| cell(f.directive.as_ref()).chars().count())
        .max()
        .unwrap_or(0);
    let val_w = x
        .fields
        .iter()
        .map(|f| cell(f.value.as_ref()).chars().count())
        .max()
        .unwrap_or(0);
    for f in &x.fields {
        let directive = match &f.directive {
            Some(d) => cell(Some(d)),
            None => "-".to_string(),
        };
        let pointer = f.body_pointer.as_deref().unwrap_or("(not in body)");
        // The mapping's own "resolved to" step repeats the value column.
        let notes: Vec<String> = f
            .steps
            .iter()
            .filter(|s| !(s.stage == "mapping" && s.note.starts_with("resolved to ")))
            .map(|s| format!("{}: {}", s.stage, s.note))
            .collect();
        let line = format!(
            "  {} {} {} {}",
            paint.name(&pad(&f.field, name_w)),
            pad(&directive, dir_w),
            pad(&cell(f.value.as_ref()), val_w),
            pointer
        );
        if notes.is_empty() {
            writeln!(out, "{line}")?;
        } else {
            writeln!(out, "{line}  {}", paint.dim(&notes.join("; ")))?;
        }
    }
    let ptr_w = x
        .derived
        .iter()
        .map(|d| d.body_pointer.chars().count())
        .max()
        .unwrap_or(0);
    let dval_w = x
        .derived
        .iter()
        .map(|d| cell(Some(&d.value)).chars().count())
        .max()
        .unwrap_or(0);
    for d in &x.derived {
        writeln!(
            out,
            "  {} {} {}",
            paint.name(&pad(&format!("+{}", d.body_pointer), ptr_w + 1)),
            pad(&cell(Some(&d.value)), dval_w),
            paint.dim(&d.rule)
        )?;
    }
    match &x.result {
        Some(Ok(req)) => writeln!(
            out,
            "request   {} {} ({} body bytes)",
            req.method,
            req.redacted_url(),
            req.body.len()
        )?,
        Some(Err(e)) => {
            let field = e
                .field
                .as_deref()
                .map(|f| format!(" [field {f}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "error     {} at {}{field}: {}",
                e.error.name,
                e.stage,
                paint.error(&e.error.message)
            )?
        }
        None => {}
    }
    writeln!(out)
}
