//! The intermediate value produced while resolving a mapping: a JS value that can be
//! `undefined`, can borrow from the mapping or the input, and can hold `undefined`
//! inside arrays and objects (as the reference's intermediate JS objects do, which
//! matters for `@merge`, `@flatten` and `@arrayPath`).

use usermaven_json::{is_array_index, write_js_string, Object, Str, Value};

/// A resolved JS value. `Obj` entries are kept in JS enumeration order with unique keys.
#[derive(Clone, Debug)]
pub(crate) enum Js<'a> {
    Undef,
    Ref(&'a Value),
    Val(Value),
    Arr(Vec<Js<'a>>),
    Obj(Vec<(Str, Js<'a>)>),
}

impl<'a> Js<'a> {
    pub(crate) fn from_opt(v: Option<&'a Value>) -> Js<'a> {
        match v {
            Some(v) => Js::Ref(v),
            None => Js::Undef,
        }
    }

    /// The plain value behind `Ref`/`Val`, if any.
    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Js::Ref(v) => Some(v),
            Js::Val(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Js::Undef)
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value(), Some(Value::Null))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        self.value().and_then(Value::as_str)
    }

    /// `realTypeOf` of real-type-of.ts.
    pub(crate) fn real_type(&self) -> &'static str {
        match self {
            Js::Undef => "undefined",
            Js::Arr(_) => "array",
            Js::Obj(_) => "object",
            Js::Ref(v) => real_type_of(v),
            Js::Val(v) => real_type_of(v),
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        self.real_type() == "object"
    }

    /// Converts to an owned value that no longer borrows anything.
    pub(crate) fn into_owned(self) -> Js<'static> {
        match self {
            Js::Undef => Js::Undef,
            Js::Ref(v) => Js::Val(v.clone()),
            Js::Val(v) => Js::Val(v),
            Js::Arr(a) => Js::Arr(a.into_iter().map(Js::into_owned).collect()),
            Js::Obj(o) => Js::Obj(o.into_iter().map(|(k, v)| (k, v.into_owned())).collect()),
        }
    }

    /// `removeUndefined` followed by the conversion to a plain value: `undefined` object
    /// entries are removed; `undefined` array items become `null` (what `JSON.stringify`
    /// prints for them). A top-level `undefined` gives `None`.
    pub(crate) fn into_value(self) -> Option<Value> {
        match self {
            Js::Undef => None,
            Js::Ref(v) => Some(v.clone()),
            Js::Val(v) => Some(v),
            Js::Arr(a) => Some(Value::Array(
                a.into_iter()
                    .map(|v| v.into_value().unwrap_or(Value::Null))
                    .collect(),
            )),
            Js::Obj(o) => {
                // Entries are unique and in JS order already.
                let mut out = Vec::with_capacity(o.len());
                for (k, v) in o {
                    if let Some(v) = v.into_value() {
                        out.push((k, v));
                    }
                }
                Some(Value::Object(Object::from_unique_entries(out)))
            }
        }
    }

    /// JS truthiness.
    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            Js::Undef => false,
            Js::Arr(_) | Js::Obj(_) => true,
            Js::Ref(v) => v.is_truthy(),
            Js::Val(v) => v.is_truthy(),
        }
    }

    /// `String(value)` (JS ToString; `undefined` → `"undefined"`).
    pub(crate) fn write_js_string(&self, out: &mut String) {
        match self {
            Js::Undef => out.push_str("undefined"),
            Js::Ref(v) => push_to_string(out, v),
            Js::Val(v) => push_to_string(out, v),
            Js::Obj(_) => out.push_str("[object Object]"),
            Js::Arr(a) => {
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !(item.is_undefined() || item.is_null()) {
                        item.write_js_string(out);
                    }
                }
            }
        }
    }

    /// `JSON.stringify(value)`; `None` when JS returns `undefined`.
    pub(crate) fn to_json(&self) -> Option<String> {
        if self.is_undefined() {
            return None;
        }
        let mut out = String::new();
        self.write_json(&mut out);
        Some(out)
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Js::Undef => out.push_str("null"),
            Js::Ref(v) => v.write_json(out),
            Js::Val(v) => v.write_json(out),
            Js::Arr(a) => {
                out.push('[');
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Js::Obj(o) => {
                out.push('{');
                let mut first = true;
                for (k, v) in o {
                    if v.is_undefined() {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_js_string(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// `Object.entries(value)` for objects and arrays (borrowing where possible).
    pub(crate) fn entries(&self) -> Vec<(Str, Js<'_>)> {
        match self {
            Js::Obj(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Js::Arr(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (index_key(i), v.clone()))
                .collect(),
            Js::Ref(v) => value_entries(v),
            Js::Val(v) => value_entries(v),
            Js::Undef => Vec::new(),
        }
    }
}

fn value_entries(v: &Value) -> Vec<(Str, Js<'_>)> {
    match v {
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), Js::Ref(v))).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (index_key(i), Js::Ref(v)))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn index_key(i: usize) -> Str {
    Str::from(i.to_string())
}

fn push_to_string(out: &mut String, v: &Value) {
    out.push_str(&v.to_js_string());
}

/// `realTypeOf` for a plain value.
pub(crate) fn real_type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `obj[key] = value` on an ordered entry list: existing keys keep their position,
/// array-index keys go first in ascending order.
pub(crate) fn obj_set<'a>(entries: &mut Vec<(Str, Js<'a>)>, key: Str, value: Js<'a>) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
        return;
    }
    if let Some(idx) = array_index(&key) {
        let at = entries
            .iter()
            .position(|(k, _)| match array_index(k) {
                Some(other) => other > idx,
                None => true,
            })
            .unwrap_or(entries.len());
        entries.insert(at, (key, value));
    } else {
        entries.push((key, value));
    }
}

pub(crate) fn array_index(key: &str) -> Option<u32> {
    if is_array_index(key) {
        key.parse().ok()
    } else {
        None
    }
}

/// Length of a string in UTF-16 code units (JS `.length`).
pub(crate) fn js_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The string for the UTF-16 code unit at `i` (JS `s[i]`). An astral character's halves
/// cannot be represented on their own; both give the whole character.
pub(crate) fn js_char_at(s: &str, i: usize) -> Option<String> {
    let mut pos = 0;
    for c in s.chars() {
        let w = c.len_utf16();
        if i < pos + w {
            return Some(c.to_string());
        }
        pos += w;
    }
    None
}
