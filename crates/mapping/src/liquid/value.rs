//! Runtime values of the liquid engine with JavaScript semantics: event data is
//! borrowed (objects keep their identity for `==`), computed arrays are shared, and
//! liquidjs' literal drops (`nil`, `empty`, `blank`) are kept as such for comparisons.

use std::rc::Rc;

use usermaven_json::{Object, Str, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DropKind {
    Nil,
    Empty,
    Blank,
    /// `block` inside `{% block %}`.
    Block,
}

#[derive(Clone, Debug)]
pub(super) enum V<'a> {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(Str),
    Arr(Rc<Vec<V<'a>>>),
    RArr(&'a [Value]),
    Obj(&'a Object),
    Drop(DropKind),
}

impl<'a> V<'a> {
    pub(super) fn from_value(v: &'a Value) -> V<'a> {
        match v {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => V::Num(*n),
            Value::String(s) => V::Str(s.clone()),
            Value::Array(a) => V::RArr(a),
            Value::Object(o) => V::Obj(o),
            // Only reachable through a payload built by `@transform`/`@arrayPath`; liquid
            // sees it as its string.
            Value::Builtin(_) => V::str(v.to_js_string()),
        }
    }

    pub(super) fn str(s: impl Into<String>) -> V<'a> {
        V::Str(Str::from(s.into()))
    }

    pub(super) fn arr(items: Vec<V<'a>>) -> V<'a> {
        V::Arr(Rc::new(items))
    }

    /// liquidjs `toValue`: a drop's `valueOf()`.
    pub(super) fn to_value(&self) -> V<'a> {
        match self {
            V::Drop(DropKind::Nil) => V::Null,
            V::Drop(DropKind::Empty | DropKind::Blank) => V::str(""),
            other => other.clone(),
        }
    }

    pub(super) fn is_nil(&self) -> bool {
        matches!(self, V::Undef | V::Null)
    }

    pub(super) fn is_array(&self) -> bool {
        matches!(self, V::Arr(_) | V::RArr(_))
    }

    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn items(&self) -> Option<Vec<V<'a>>> {
        match self {
            V::Arr(a) => Some(a.as_ref().clone()),
            V::RArr(a) => Some(a.iter().map(V::from_value).collect()),
            _ => None,
        }
    }

    pub(super) fn arr_len(&self) -> Option<usize> {
        match self {
            V::Arr(a) => Some(a.len()),
            V::RArr(a) => Some(a.len()),
            _ => None,
        }
    }

    pub(super) fn arr_get(&self, i: usize) -> Option<V<'a>> {
        match self {
            V::Arr(a) => a.get(i).cloned(),
            V::RArr(a) => a.get(i).map(V::from_value),
            _ => None,
        }
    }

    /// liquidjs `isFalsy` without `jsTruthy`: only `false`, `null`, `undefined`.
    pub(super) fn is_falsy(&self) -> bool {
        matches!(self.to_value(), V::Bool(false) | V::Null | V::Undef)
    }

    /// liquidjs `stringify`.
    pub(super) fn stringify(&self) -> String {
        let mut out = String::new();
        self.write_stringify(&mut out);
        out
    }

    fn write_stringify(&self, out: &mut String) {
        match self.to_value() {
            V::Str(s) => out.push_str(&s),
            V::Undef | V::Null => {}
            v @ (V::Arr(_) | V::RArr(_)) => {
                for item in v.items().unwrap_or_default() {
                    item.write_stringify(out);
                }
            }
            other => out.push_str(&other.js_string()),
        }
    }

    /// JS `String(v)`.
    pub(super) fn js_string(&self) -> String {
        match self {
            V::Undef => "undefined".into(),
            V::Null => "null".into(),
            V::Bool(b) => b.to_string(),
            V::Num(n) => num_str(*n),
            V::Str(s) => s.to_string(),
            V::Arr(_) | V::RArr(_) => {
                let mut out = String::new();
                for (i, item) in self.items().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !item.is_nil() {
                        out.push_str(&item.js_string());
                    }
                }
                out
            }
            V::Obj(o) => {
                if usermaven_json::js::object_to_string(o).is_err() {
                    CONVERSION_FAILED.with(|f| f.set(true));
                }
                "[object Object]".into()
            }
            V::Drop(_) => "[object Object]".into(),
        }
    }

    /// JS `Number(v)`.
    pub(super) fn js_number(&self) -> f64 {
        match self {
            V::Undef => f64::NAN,
            V::Null => 0.0,
            V::Bool(b) => f64::from(u8::from(*b)),
            V::Num(n) => *n,
            V::Str(s) => str_to_number(s),
            V::Arr(_) | V::RArr(_) => str_to_number(&self.js_string()),
            V::Obj(_) | V::Drop(DropKind::Block) => f64::NAN,
            V::Drop(_) => self.to_value().js_number(),
        }
    }

    /// liquidjs `toNumber`: `+toValue(v) || 0`.
    pub(super) fn to_number(&self) -> f64 {
        let n = self.to_value().js_number();
        if n.is_nan() || n == 0.0 {
            0.0
        } else {
            n
        }
    }

    /// JS property key (`ToPropertyKey`).
    pub(super) fn prop_key(&self) -> String {
        self.js_string()
    }

    /// Converts back to a JSON value (`undefined` → `null`, drops → their value).
    pub(super) fn to_json_value(&self) -> Value {
        match self.to_value() {
            V::Undef | V::Null => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Num(n) => Value::Number(n),
            V::Str(s) => Value::String(s),
            V::Arr(a) => Value::Array(a.iter().map(V::to_json_value).collect()),
            V::RArr(a) => Value::Array(a.to_vec()),
            V::Obj(o) => Value::Object(o.clone()),
            V::Drop(_) => Value::Object(Object::new()),
        }
    }
}

/// ECMAScript `Number::toString`.
pub(super) fn num_str(n: f64) -> String {
    let mut s = String::new();
    usermaven_json::write_number(&mut s, n);
    s
}

pub(super) use usermaven_json::js::{
    is_js_space as js_space, js_trim, string_to_number as str_to_number,
};

pub(super) use usermaven_json::js::utf16_len as len16;

thread_local! {
    /// Set when [`V::js_string`] met an object `String()` throws on (an own `toString` that is
    /// not a function): the conversion is deep inside filters that cannot fail, so the
    /// renderer turns the flag into the `TypeError` after the node (see [`take_conversion_error`]).
    static CONVERSION_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a `String()` conversion failed since the last call (and clears the flag).
pub(super) fn take_conversion_error() -> bool {
    CONVERSION_FAILED.with(|f| f.replace(false))
}

/// JS abstract relational comparison `l < r` (`None` when undefined, i.e. NaN involved).
pub(super) fn js_less(l: &V<'_>, r: &V<'_>) -> Option<bool> {
    let pl = to_primitive(l);
    let pr = to_primitive(r);
    if let (V::Str(a), V::Str(b)) = (&pl, &pr) {
        return Some(a.encode_utf16().lt(b.encode_utf16()));
    }
    let a = pl.js_number();
    let b = pr.js_number();
    if a.is_nan() || b.is_nan() {
        None
    } else {
        Some(a < b)
    }
}

fn to_primitive<'a>(v: &V<'a>) -> V<'a> {
    match v {
        V::Arr(_) | V::RArr(_) | V::Obj(_) => V::str(v.js_string()),
        V::Drop(DropKind::Block) => V::str("[object Object]"),
        other => other.to_value(),
    }
}

/// `JSON.stringify(v, null, space)`; `None` for `undefined`.
pub(super) fn json_stringify(v: &V<'_>, indent: &str) -> Option<String> {
    let mut out = String::new();
    match v {
        V::Undef => return None,
        V::Drop(_) => return Some("{}".into()),
        _ => {}
    }
    v.to_json_value().write_json_indented(&mut out, indent);
    Some(out)
}
