//! What `perform` did to the payload, recorded by the executable specification
//! (`object_spec.rs`) as it builds the body: every value it placed (a payload field, or a
//! value it derived by a rule), where, and what became of the values it removed or replaced.
//! Read by [`crate::explain`].

use usermaven_json::{Object, Value};

/// Where a placed value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The payload's field of this name; `note` says what perform did to its value.
    Field { name: String, note: Option<String> },
    /// A value perform derives, with its rule in words.
    Rule(String),
}

/// One value placed in the body.
#[derive(Clone, Debug)]
pub struct Placed {
    /// JSON pointer in the body.
    pub pointer: String,
    pub source: Source,
    pub value: Value,
    /// `None` while the value is in the body; otherwise why it is not (removed, replaced).
    pub gone: Option<String>,
    /// Position in the finished body (depth-first, in key order), when it is there.
    pub order: Option<usize>,
}

/// The record of one `perform`.
#[derive(Clone, Debug, Default)]
pub struct PerformTrace {
    pub placed: Vec<Placed>,
    /// The payload field perform was reading last (an error of perform comes from it).
    pub reading: Option<String>,
}

/// `key` as one JSON-pointer token (`~` → `~0`, `/` → `~1`).
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The pointer of a top-level `key`.
pub fn top(key: &str) -> String {
    format!("/{}", pointer_token(key))
}

fn at_or_under(pointer: &str, root: &str) -> bool {
    pointer == root
        || (pointer.starts_with(root) && pointer.as_bytes().get(root.len()) == Some(&b'/'))
}

impl PerformTrace {
    /// `value` placed at `pointer` (replacing whatever was there, and below it).
    pub(crate) fn place(&mut self, pointer: String, source: Source, value: &Value) {
        let why = match &source {
            Source::Field { name, .. } => format!("replaced by the payload's {name}"),
            Source::Rule(rule) => format!("replaced by perform: {rule}"),
        };
        self.gone(&pointer, &why);
        self.placed.push(Placed {
            pointer,
            source,
            value: value.clone(),
            gone: None,
            order: None,
        });
    }

    /// The value at `pointer` (and everything below it) removed, for `why`.
    pub(crate) fn remove(&mut self, pointer: &str, why: &str) {
        self.gone(pointer, why);
    }

    fn gone(&mut self, pointer: &str, why: &str) {
        for p in self.placed.iter_mut().filter(|p| p.gone.is_none()) {
            if at_or_under(&p.pointer, pointer) {
                p.gone = Some(why.to_string());
            }
        }
    }

    /// Numbers the values still placed by their position in the finished `body`.
    pub(crate) fn finish(&mut self, body: &Object) {
        let mut order = Vec::new();
        walk(body, "", &mut order);
        for p in self.placed.iter_mut().filter(|p| p.gone.is_none()) {
            p.order = order.iter().position(|o| *o == p.pointer);
        }
    }
}

fn walk(o: &Object, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in o.iter() {
        let pointer = format!("{prefix}/{}", pointer_token(k));
        out.push(pointer.clone());
        if let Value::Object(inner) = v {
            walk(inner, &pointer, out);
        }
    }
}
