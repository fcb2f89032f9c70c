//! ajv's type checks and `coerceTypes: 'array'` coercion (ajv `compile/validate/dataType.ts`),
//! plus the JavaScript number conversions they rely on (`+str`, `"" + num`, `parseInt`).

use usermaven_json::js::{Builtin, Proto};
use usermaven_json::{write_number, Value};

use crate::compile::JsonType;

/// What ajv's type checks make of a built-in (`Array.isArray(Array.prototype)` holds;
/// functions are neither objects nor arrays; the other prototypes are objects).
pub(crate) fn builtin_type(b: Builtin) -> Option<JsonType> {
    match b {
        Builtin::Prototype(Proto::Array) => Some(JsonType::Array),
        _ if b.is_callable() => None,
        Builtin::Undefined => None,
        _ => Some(JsonType::Object),
    }
}

/// ajv `checkDataType` with `strictNumbers: true`.
pub(crate) fn is_type(v: &Value, t: JsonType) -> bool {
    match t {
        JsonType::Null => v.is_null(),
        JsonType::Array => {
            matches!(v, Value::Array(_))
                || matches!(v, Value::Builtin(b) if builtin_type(*b) == Some(JsonType::Array))
        }
        JsonType::Object => {
            matches!(v, Value::Object(_))
                || matches!(v, Value::Builtin(b) if builtin_type(*b) == Some(JsonType::Object))
        }
        JsonType::Number => matches!(v, Value::Number(n) if n.is_finite()),
        JsonType::Integer => matches!(v, Value::Number(n) if n.is_finite() && n.fract() == 0.0),
        JsonType::String => matches!(v, Value::String(_)),
        JsonType::Boolean => matches!(v, Value::Bool(_)),
    }
}

/// [`is_any_type`] for types given as a bit set (bit `t as u8` for each type `t`).
#[inline]
pub(crate) fn is_any_type_mask(v: &Value, mask: u8) -> bool {
    let bit = |t: JsonType| mask & (1 << t as u8) != 0;
    match v {
        Value::Null => bit(JsonType::Null),
        Value::Bool(_) => bit(JsonType::Boolean),
        Value::String(_) => bit(JsonType::String),
        Value::Array(_) => bit(JsonType::Array),
        Value::Object(_) => bit(JsonType::Object),
        Value::Builtin(b) => builtin_type(*b).is_some_and(bit),
        Value::Number(n) => {
            n.is_finite() && (bit(JsonType::Number) || (bit(JsonType::Integer) && n.fract() == 0.0))
        }
    }
}

pub(crate) fn is_any_type(v: &Value, types: &[JsonType]) -> bool {
    types.iter().any(|&t| is_type(v, t))
}

/// ajv `checkDataTypes(types, data)` in its "correct type" mode, as `coerceData` uses it on
/// an unwrapped array element. With several types ajv joins the per-type checks with `&&`, so
/// an element practically never matches (`[1]` against `["number","null"]` stays a type error).
fn unwrapped_matches(d: &Value, types: &[JsonType]) -> bool {
    if let [t] = types {
        return is_type(d, *t);
    }
    let has = |t: JsonType| types.contains(&t);
    let mut cond = true;
    let mut rest: Vec<JsonType> = types.to_vec();
    if has(JsonType::Array) && has(JsonType::Object) {
        // `typeof data != "object"`
        let not_obj = !matches!(d, Value::Null | Value::Array(_) | Value::Object(_))
            && !matches!(d, Value::Builtin(b) if builtin_type(*b).is_some());
        cond = if has(JsonType::Null) {
            not_obj
        } else {
            !d.is_truthy() || not_obj
        };
        rest.retain(|t| !matches!(t, JsonType::Null | JsonType::Array | JsonType::Object));
    }
    if has(JsonType::Number) {
        rest.retain(|t| *t != JsonType::Integer);
    }
    cond && rest.iter().all(|&t| is_type(d, t))
}

/// Outcome of ajv `coerceData` for a value of the wrong type.
pub(crate) enum Coerced {
    /// The new value (ajv assigns it to the parent's property).
    To(Value),
    /// No coercion applied: a type error; `unwrapped` tells whether ajv had replaced its local
    /// `data` by the single element of a one-element array (later keywords then see that element).
    Failed { unwrapped: bool },
}

/// ajv `coerceData` with `coerceTypes: 'array'`: unwrap a one-element array, then try each
/// coercible type of the schema in order.
pub(crate) fn coerce(data: &Value, types: &[JsonType], coerce_to: &[JsonType]) -> Coerced {
    let (d, unwrapped) = match data {
        Value::Array(a) if a.len() == 1 => (&a[0], true),
        _ => (data, false),
    };
    if unwrapped && unwrapped_matches(d, types) {
        return Coerced::To(d.clone());
    }
    for &t in coerce_to {
        if let Some(v) = coerce_one(d, t) {
            return Coerced::To(v);
        }
    }
    Coerced::Failed { unwrapped }
}

fn coerce_one(d: &Value, t: JsonType) -> Option<Value> {
    match t {
        JsonType::String => match d {
            Value::Number(n) => Some(Value::from(number_to_string(*n))),
            Value::Bool(b) => Some(Value::str(if *b { "true" } else { "false" })),
            Value::Null => Some(Value::str("")),
            _ => None,
        },
        JsonType::Number | JsonType::Integer => match d {
            Value::Bool(b) => Some(Value::Number(if *b { 1.0 } else { 0.0 })),
            Value::Null => Some(Value::Number(0.0)),
            // `data && data == +data` (and for integers `!(data % 1)`)
            Value::String(s) if !s.is_empty() => {
                let n = string_to_number(s);
                if n.is_nan() {
                    return None;
                }
                // `!(n % 1)`: true for whole numbers and for ±Infinity (NaN remainder).
                if t == JsonType::Integer && n.is_finite() && n.fract() != 0.0 {
                    return None;
                }
                Some(Value::Number(n))
            }
            _ => None,
        },
        JsonType::Boolean => match d {
            Value::String(s) if &**s == "false" => Some(Value::Bool(false)),
            Value::Number(n) if *n == 0.0 => Some(Value::Bool(false)),
            Value::Null => Some(Value::Bool(false)),
            Value::String(s) if &**s == "true" => Some(Value::Bool(true)),
            Value::Number(n) if *n == 1.0 => Some(Value::Bool(true)),
            _ => None,
        },
        JsonType::Null => match d {
            Value::String(s) if s.is_empty() => Some(Value::Null),
            Value::Number(n) if *n == 0.0 => Some(Value::Null),
            Value::Bool(false) => Some(Value::Null),
            _ => None,
        },
        JsonType::Array => match d {
            Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
                Some(Value::Array(vec![d.clone()]))
            }
            _ => None,
        },
        JsonType::Object => None,
    }
}

/// JS `String(n)`.
pub(crate) fn number_to_string(n: f64) -> String {
    let mut s = String::new();
    write_number(&mut s, n);
    s
}

pub(crate) use usermaven_json::js::string_to_number;

/// JS `parseInt(String(n))` as ajv's `multipleOf` uses it.
pub(crate) fn parse_int_of_number(n: f64) -> f64 {
    let s = number_to_string(n);
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s.as_str()),
    };
    let digits: String = body.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    digits.parse::<f64>().map(|x| sign * x).unwrap_or(f64::NAN)
}

/// `fast-deep-equal`, as ajv's `const`/`enum`/`uniqueItems` use it (key order does not matter).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        _ => false,
    }
}

/// JS strict equality (`===`) between a schema literal and data.
pub(crate) fn strict_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        // objects and arrays: identity, never equal to parsed data
        _ => false,
    }
}

pub(crate) use usermaven_json::js::utf16_len;
