//! `usermaven-json`: a JSON value that behaves like a JavaScript value produced by
//! `JSON.parse` and printed by `JSON.stringify`.
//!
//! Why not `serde_json::Value`: Segment's reference implementation runs on Node, so
//! the bytes we must reproduce follow JS rules that serde_json does not:
//! - numbers are IEEE doubles (`9007199254740993` reads as `9007199254740992`) and
//!   print as ECMAScript `Number::toString` (`1e+21`, `-0` → `0`, `1.0` → `1`);
//! - object keys enumerate with *array-index* keys (`"0"` … `"4294967294"`) first, in
//!   ascending order, then the other keys in insertion order;
//! - a duplicate key keeps its first position and takes its last value;
//! - `delete` removes a key and leaves the others in place.
//!
//! [`Object`] keeps its entries in JS enumeration order at all times, so iteration,
//! serialization and every algorithm built on `Object.keys` agree with Node.
//!
//! The JavaScript object model the reference's code relies on lives in [`js`], once for every
//! crate: property lookups through the prototype chain (an object's prototype replaced by
//! assigning `__proto__` — [`Object::assign`] — then the built-in prototypes, whose functions
//! and prototype objects are [`Value::Builtin`]s), `String(x)` with its `TypeError`, UTF-16
//! code units. No state is shared between values: a replaced prototype belongs to the one
//! copy it was assigned to, so nothing an event does can leak into another (there is no
//! global `Object.prototype` to pollute).
//!
//! **Invariant:** this crate does no I/O and knows nothing of Segment or Usermaven.

mod de;
pub mod extract;
pub mod js;
mod object;
mod parse;
mod ser;

pub use object::{is_array_index, key_eq, Object};
pub use ser::{write_js_string, write_js_string_bytes, write_number};

use std::sync::Arc;

/// The stand-in for a lone UTF-16 surrogate code unit (`0xD800..=0xDFFF`), which a Rust string
/// cannot hold: U+10F800 + (unit − 0xD800), the last 2048 code points of Supplementary Private
/// Use Area-B. [`Value::parse`] produces it for `"\udXXX"` escapes that are not part of a
/// pair, and `JSON.stringify` output ([`Value::to_json`]) writes it back as that escape, so
/// such strings round-trip as they do in JS. (A genuine U+10F800–U+10FFFF character in the
/// input is therefore printed as a surrogate escape; those private-use code points carry no
/// assigned meaning.)
pub fn lone_surrogate_char(unit: u16) -> char {
    let unit = u32::from(unit).clamp(0xD800, 0xDFFF);
    char::from_u32(0x10_F800 + (unit - 0xD800)).unwrap_or('\u{FFFD}')
}

/// The surrogate code unit a [`lone_surrogate_char`] stands for.
pub fn lone_surrogate_unit(c: char) -> Option<u16> {
    let c = c as u32;
    (0x10_F800..=0x10_FFFF)
        .contains(&c)
        .then(|| (c - 0x10_F800 + 0xD800) as u16)
}

/// A JS string. Cheap to clone: values are copied a lot while mapping.
pub type Str = Arc<str>;

/// A JSON value with JavaScript semantics. JS `undefined` is modelled as `Option::None`
/// by the code that needs it, never as a variant.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(Str),
    Array(Vec<Value>),
    Object(Object),
    /// A built-in function or prototype, reached by a property lookup (`$.constructor`,
    /// `$.__proto__`, `"x".toString`); never produced by parsing. `JSON.stringify` skips it
    /// as it skips functions (prototypes print as what they are: `{}`, `[]`, `""`, `0`,
    /// `false`). See [`js`].
    Builtin(js::Builtin),
}

/// A JSON text that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for ParseError {}

impl Value {
    /// Parse a JSON text as `JSON.parse` would (duplicate keys: last value, first position;
    /// numbers correctly rounded, `1e400` → `Infinity`; `__proto__` an ordinary own key). A
    /// lone UTF-16 surrogate escape (`"\ud800"`), which a Rust string cannot hold, becomes its
    /// stand-in character ([`lone_surrogate_char`]) and prints back as the same escape. One
    /// deviation, documented in `parse.rs`: nesting deeper than 128 levels is an error.
    pub fn parse(text: &str) -> Result<Value, ParseError> {
        parse::parse(text)
    }

    /// `JSON.stringify(value)`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        ser::write_value(&mut out, self);
        out
    }

    /// `JSON.stringify(value)` appended to `out`.
    pub fn write_json(&self, out: &mut String) {
        ser::write_value(out, self);
    }

    /// `JSON.stringify(value, null, 2)`.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::with_capacity(512);
        ser::write_indented(&mut out, self, "  ", 0);
        out
    }

    /// `JSON.stringify(value, null, gap)` appended to `out` (no indentation when `gap` is
    /// empty).
    pub fn write_json_indented(&self, out: &mut String, gap: &str) {
        if gap.is_empty() {
            ser::write_value(out, self);
        } else {
            ser::write_indented(out, self, gap, 0);
        }
    }

    pub fn str(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// `obj[key]` for objects; `None` (JS `undefined`) for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.get(key),
            _ => None,
        }
    }

    /// Is this a value `JSON.stringify` leaves out of an object (a function, `undefined`)?
    #[inline]
    pub fn is_skipped_member(&self) -> bool {
        matches!(self, Value::Builtin(b) if b.is_skipped_by_json())
    }

    /// JS truthiness (`!!value`).
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null | Value::Builtin(js::Builtin::Undefined) => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) | Value::Builtin(_) => true,
        }
    }

    /// `typeof value` as JS reports it (`null` → `"object"`, arrays → `"object"`).
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null | Value::Array(_) | Value::Object(_) => "object",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Builtin(js::Builtin::Undefined) => "undefined",
            Value::Builtin(b) => {
                if b.is_callable() {
                    "function"
                } else {
                    "object"
                }
            }
        }
    }

    /// `String(value)`: JS ToString, for values whose conversion cannot throw. An object
    /// prints `[object Object]` here even when JS would throw (an own `toString` that is not
    /// a function, a `null` prototype): where the reference converts objects, use
    /// [`js::to_string`], which models that.
    pub fn to_js_string(&self) -> String {
        let mut out = String::new();
        self.write_js_to_string(&mut out);
        out
    }

    pub(crate) fn write_js_to_string(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => write_number(out, *n),
            Value::String(s) => out.push_str(s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // `[null, undefined].join()` prints neither.
                    if !item.is_null() && !matches!(item, Value::Builtin(js::Builtin::Undefined)) {
                        item.write_js_to_string(out);
                    }
                }
            }
            Value::Object(_) => out.push_str("[object Object]"),
            Value::Builtin(b) => js::write_builtin_string(out, *b),
        }
    }

    /// Convert from a `serde_json::Value` (numbers become doubles, keys take JS order).
    pub fn from_serde(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_serde).collect()),
            serde_json::Value::Object(m) => {
                let mut o = Object::with_capacity(m.len());
                for (k, v) in m {
                    o.insert(Arc::from(k.as_str()), Value::from_serde(v));
                }
                Value::Object(o)
            }
        }
    }
}

/// Structural equality with JS number semantics (`-0 == 0`; `NaN` equal to itself, for tests).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Builtin(a), Value::Builtin(b)) => a == b,
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(o)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null | Value::Builtin(_) => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => {
                if !n.is_finite() {
                    serializer.serialize_unit()
                } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
                    serializer.serialize_i64(*n as i64)
                } else {
                    serializer.serialize_f64(*n)
                }
            }
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(a) => {
                let mut seq = serializer.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = serializer.serialize_map(Some(o.len()))?;
                for (k, v) in o.iter() {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(de::ValueVisitor)
    }
}

#[cfg(test)]
mod tests;
