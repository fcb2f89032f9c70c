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
pub(super) enum LiquidValue<'a> {
    Undef,
    Null,
    Bool(bool),
    Num(f64),
    Str(Str),
    Arr(Rc<Vec<LiquidValue<'a>>>),
    RArr(&'a [Value]),
    Obj(&'a Object),
    Drop(DropKind),
}

impl<'a> LiquidValue<'a> {
    pub(super) fn from_value(v: &'a Value) -> LiquidValue<'a> {
        match v {
            Value::Null => LiquidValue::Null,
            Value::Bool(b) => LiquidValue::Bool(*b),
            Value::Number(n) => LiquidValue::Num(*n),
            Value::String(s) => LiquidValue::Str(s.clone()),
            Value::Array(a) => LiquidValue::RArr(a),
            Value::Object(o) => LiquidValue::Obj(o),
            // Only reachable through a payload built by `@transform`/`@arrayPath`; liquid
            // sees it as its string.
            Value::Builtin(_) => LiquidValue::str(v.to_js_string()),
        }
    }

    pub(super) fn str(s: impl Into<String>) -> LiquidValue<'a> {
        LiquidValue::Str(Str::from(s.into()))
    }

    pub(super) fn arr(items: Vec<LiquidValue<'a>>) -> LiquidValue<'a> {
        LiquidValue::Arr(Rc::new(items))
    }

    /// liquidjs `toValue`: a drop's `valueOf()`.
    pub(super) fn to_value(&self) -> LiquidValue<'a> {
        match self {
            LiquidValue::Drop(DropKind::Nil) => LiquidValue::Null,
            LiquidValue::Drop(DropKind::Empty | DropKind::Blank) => LiquidValue::str(""),
            other => other.clone(),
        }
    }

    pub(super) fn is_nil(&self) -> bool {
        matches!(self, LiquidValue::Undef | LiquidValue::Null)
    }

    pub(super) fn is_array(&self) -> bool {
        matches!(self, LiquidValue::Arr(_) | LiquidValue::RArr(_))
    }

    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            LiquidValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn items(&self) -> Option<Vec<LiquidValue<'a>>> {
        match self {
            LiquidValue::Arr(a) => Some(a.as_ref().clone()),
            LiquidValue::RArr(a) => Some(a.iter().map(LiquidValue::from_value).collect()),
            _ => None,
        }
    }

    pub(super) fn arr_len(&self) -> Option<usize> {
        match self {
            LiquidValue::Arr(a) => Some(a.len()),
            LiquidValue::RArr(a) => Some(a.len()),
            _ => None,
        }
    }

    pub(super) fn arr_get(&self, i: usize) -> Option<LiquidValue<'a>> {
        match self {
            LiquidValue::Arr(a) => a.get(i).cloned(),
            LiquidValue::RArr(a) => a.get(i).map(LiquidValue::from_value),
            _ => None,
        }
    }

    /// liquidjs `isFalsy` without `jsTruthy`: only `false`, `null`, `undefined`.
    pub(super) fn is_falsy(&self) -> bool {
        matches!(
            self.to_value(),
            LiquidValue::Bool(false) | LiquidValue::Null | LiquidValue::Undef
        )
    }

    /// liquidjs `stringify`.
    pub(super) fn stringify(&self) -> String {
        let mut out = String::new();
        self.write_stringify(&mut out);
        out
    }

    fn write_stringify(&self, out: &mut String) {
        match self.to_value() {
            LiquidValue::Str(s) => out.push_str(&s),
            LiquidValue::Undef | LiquidValue::Null => {}
            v @ (LiquidValue::Arr(_) | LiquidValue::RArr(_)) => {
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
            LiquidValue::Undef => "undefined".into(),
            LiquidValue::Null => "null".into(),
            LiquidValue::Bool(b) => b.to_string(),
            LiquidValue::Num(n) => num_str(*n),
            LiquidValue::Str(s) => s.to_string(),
            LiquidValue::Arr(_) | LiquidValue::RArr(_) => {
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
            LiquidValue::Obj(o) => {
                if usermaven_json::js::object_to_string(o).is_err() {
                    CONVERSION_FAILED.with(|f| f.set(true));
                }
                "[object Object]".into()
            }
            LiquidValue::Drop(_) => "[object Object]".into(),
        }
    }

    /// JS `Number(v)`.
    pub(super) fn js_number(&self) -> f64 {
        match self {
            LiquidValue::Undef => f64::NAN,
            LiquidValue::Null => 0.0,
            LiquidValue::Bool(b) => f64::from(u8::from(*b)),
            LiquidValue::Num(n) => *n,
            LiquidValue::Str(s) => str_to_number(s),
            LiquidValue::Arr(_) | LiquidValue::RArr(_) => str_to_number(&self.js_string()),
            LiquidValue::Obj(_) | LiquidValue::Drop(DropKind::Block) => f64::NAN,
            LiquidValue::Drop(_) => self.to_value().js_number(),
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
            LiquidValue::Undef | LiquidValue::Null => Value::Null,
            LiquidValue::Bool(b) => Value::Bool(b),
            LiquidValue::Num(n) => Value::Number(n),
            LiquidValue::Str(s) => Value::String(s),
            LiquidValue::Arr(a) => Value::Array(a.iter().map(LiquidValue::to_json_value).collect()),
            LiquidValue::RArr(a) => Value::Array(a.to_vec()),
            LiquidValue::Obj(o) => Value::Object(o.clone()),
            LiquidValue::Drop(_) => Value::Object(Object::new()),
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
    /// Set when [`LiquidValue::js_string`] met an object `String()` throws on (an own `toString` that is
    /// not a function): the conversion is deep inside filters that cannot fail, so the
    /// renderer turns the flag into the `TypeError` after the node (see [`take_conversion_error`]).
    static CONVERSION_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a `String()` conversion failed since the last call (and clears the flag).
pub(super) fn take_conversion_error() -> bool {
    CONVERSION_FAILED.with(|f| f.replace(false))
}

/// JS abstract relational comparison `l < r` (`None` when undefined, i.e. NaN involved).
pub(super) fn js_less(l: &LiquidValue<'_>, r: &LiquidValue<'_>) -> Option<bool> {
    let pl = to_primitive(l);
    let pr = to_primitive(r);
    if let (LiquidValue::Str(a), LiquidValue::Str(b)) = (&pl, &pr) {
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

fn to_primitive<'a>(v: &LiquidValue<'a>) -> LiquidValue<'a> {
    match v {
        LiquidValue::Arr(_) | LiquidValue::RArr(_) | LiquidValue::Obj(_) => {
            LiquidValue::str(v.js_string())
        }
        LiquidValue::Drop(DropKind::Block) => LiquidValue::str("[object Object]"),
        other => other.to_value(),
    }
}

/// `JSON.stringify(v, null, space)`; `None` for `undefined`.
pub(super) fn json_stringify(v: &LiquidValue<'_>, indent: &str) -> Option<String> {
    let mut out = String::new();
    match v {
        LiquidValue::Undef => return None,
        LiquidValue::Drop(_) => return Some("{}".into()),
        _ => {}
    }
    v.to_json_value().write_json_indented(&mut out, indent);
    Some(out)
}
