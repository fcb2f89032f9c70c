//! `send --output FILE`: one JSON line per request, as its outcome is known (completion
//! order): `{"line":N,"action":S,"subscription":S,"outcome":…,"status":N|null,
//! "attempts":N,"reason":S}`, with `"file":NAME` first when the run read several inputs.
//! `reason` is empty for a delivered request; nothing in it holds the token.

use std::io::Write;

use usermaven_json::{Object, Value};
use usermaven_sender::{Delivery, EventResult};

use super::events::Meta;

pub(super) struct Results {
    out: Box<dyn Write>,
    buf: String,
}

impl Results {
    pub(super) fn new(out: Box<dyn Write>) -> Results {
        Results {
            out,
            buf: String::with_capacity(512),
        }
    }

    pub(super) fn write(&mut self, r: &EventResult<Meta>) -> std::io::Result<()> {
        let mut o = result_head(r);
        let status = match &r.delivery {
            Delivery::Delivered { status, .. } | Delivery::Rejected { status, .. } => {
                Value::Number(f64::from(*status))
            }
            _ => Value::Null,
        };
        o.set("status", status);
        o.set("attempts", Value::Number(f64::from(r.delivery.attempts())));
        o.set("reason", Value::from(r.delivery.reason()));
        self.buf.clear();
        Value::Object(o).write_json(&mut self.buf);
        self.buf.push('\n');
        self.out.write_all(self.buf.as_bytes())
    }

    pub(super) fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// What the `--output` line and the dead-letter line of a request begin with: where it came
/// from (`file` when there are several inputs, `line`, `action`, `subscription`) and its outcome.
pub(super) fn result_head(r: &EventResult<Meta>) -> Object {
    let mut o = Object::new();
    if let Some(file) = &r.meta.file {
        o.set("file", Value::str(file));
    }
    o.set("line", Value::Number(r.meta.line as f64));
    o.set("action", Value::str(&r.meta.action));
    o.set("subscription", Value::str(&r.meta.subscription));
    o.set("outcome", Value::str(r.delivery.kind()));
    o
}
