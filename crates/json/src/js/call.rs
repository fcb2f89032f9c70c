//! A built-in function called with an object as `this`: what happens when a mapping stores a
//! built-in as an object's own `toString`, `valueOf` or `toJSON` (`{"toJSON": {"@path":
//! "$.userId.trim"}}`) and JavaScript then converts or prints the object.
//!
//! Modelled: `String(obj)` (OrdinaryToPrimitive: `toString`, then `valueOf`) with any built-in
//! in either place, and `obj.toJSON(key)` for `String.prototype` methods, constructors and
//! `Object.prototype` methods. A `String.prototype` method first converts `this` to a string,
//! which calls the object's `toString` again: when that is itself such a method the recursion
//! ends in V8's `RangeError` (modelled by a depth limit). Methods whose result needs a regular
//! expression built from the argument, ICU (locale comparison, locale case mapping, Unicode
//! normalization of non-ASCII text) or a huge string are left to the caller ([`Call::Unknown`]).

use std::borrow::Cow;

use super::builtin::{Builtin, Func, Proto};
use super::number::{is_js_space, string_to_number};
use super::property::{get, JsError};
use super::utf16::units;
use crate::{lone_surrogate_char, lone_surrogate_unit, Object, Value};

/// What calling a built-in gave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    /// A value (an array is an object: not a primitive).
    Value(Value),
    Undefined,
    /// An object other than a plain value (an iterator, a fresh function): prints as `{}`.
    OtherObject,
    /// The object the method was called on.
    This,
    Throws(JsError),
    /// Not modelled.
    Unknown,
}

const STACK: JsError = JsError {
    name: "RangeError",
    message: Cow::Borrowed("Maximum call stack size exceeded"),
};

/// Beyond this many nested conversions the reference would recurse until the stack ends.
const DEPTH: u8 = 16;

/// The longest string built here (JS allows ~2^29 units; a key such as `"1e8"` given to
/// `padEnd` would ask for a hundred megabytes, which is left unmodelled instead).
const MAX_BUILT: usize = 1 << 16;

/// `String(obj)` for an object: OrdinaryToPrimitive with hint string. `Ok(None)`: a call
/// along the way is not modelled.
pub(crate) fn object_to_primitive_string(o: &Object) -> Result<Option<String>, JsError> {
    to_primitive_string(o, 0)
}

fn to_primitive_string(o: &Object, depth: u8) -> Result<Option<String>, JsError> {
    if depth > DEPTH {
        return Err(STACK);
    }
    for key in ["toString", "valueOf"] {
        let Some(Value::Builtin(b)) = lookup(o, key)? else {
            // Data (or nothing): not callable, so JS goes on to the next method.
            continue;
        };
        let f = match b {
            Builtin::Function(f) => f,
            // `Function.prototype` itself is callable and returns undefined.
            Builtin::Prototype(Proto::Function) => return Ok(Some("undefined".into())),
            _ => continue,
        };
        match call(f, o, None, depth + 1)? {
            Call::Value(Value::Object(_) | Value::Array(_) | Value::Builtin(_))
            | Call::OtherObject
            | Call::This => continue,
            Call::Value(v) => {
                let mut out = String::new();
                v.write_js_to_string(&mut out);
                return Ok(Some(out));
            }
            Call::Undefined => return Ok(Some("undefined".into())),
            Call::Throws(e) => return Err(e),
            Call::Unknown => return Ok(None),
        }
    }
    Err(super::property::NO_PRIMITIVE)
}

/// `o[key]`, own or inherited.
fn lookup(o: &Object, key: &str) -> Result<Option<Value>, JsError> {
    if let Some(v) = o.get(key) {
        return Ok(Some(v.clone()));
    }
    let proto = match o.proto() {
        None => Value::Builtin(Builtin::Prototype(Proto::Object)),
        Some(p) => p.clone(),
    };
    Ok(get(&proto, key)?.map(|v| v.into_owned()))
}

/// `f.call(o, arg)` (`arg: None`: no argument).
pub(crate) fn call(f: Func, o: &Object, arg: Option<&str>, depth: u8) -> Result<Call, JsError> {
    let this_string = |depth| to_primitive_string(o, depth);
    Ok(match (f.of, f.name) {
        // Constructors called as functions.
        (None, "String") => Call::Value(Value::str(arg.unwrap_or(""))),
        (None, "Number") => Call::Value(Value::Number(arg.map_or(0.0, string_to_number))),
        (None, "Boolean") => Call::Value(Value::Bool(arg.is_some_and(|a| !a.is_empty()))),
        (None, "Object") => match arg {
            Some(a) => Call::Value(Value::str(a)),
            None => Call::Value(Value::Object(Object::new())),
        },
        (None, "Array") => Call::Value(Value::Array(arg.map(Value::str).into_iter().collect())),
        // A new function, which JSON leaves out and which is no primitive.
        (None, "Function") => Call::Value(Value::Builtin(Builtin::Prototype(Proto::Function))),
        (None, _) => Call::Unknown,
        (Some(Proto::Object), name) => object_method(name, o, arg, depth)?,
        (Some(Proto::String), "toString" | "valueOf") => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed(if f.name == "toString" {
                "String.prototype.toString requires that 'this' be a String"
            } else {
                "String.prototype.valueOf requires that 'this' be a String"
            }),
        }),
        (Some(Proto::String), name) => match this_string(depth + 1) {
            Ok(Some(s)) => string_method(name, &s, arg),
            Ok(None) => Call::Unknown,
            Err(e) => Call::Throws(e),
        },
        (Some(Proto::Array), name) => array_method(name, o, arg)?,
        (Some(Proto::Function), "toString") => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed(
                "Function.prototype.toString requires that 'this' be a Function",
            ),
        }),
        // V8 names the call site: JSON.stringify's when it calls `toJSON`.
        (Some(Proto::Function), "apply" | "call") if arg.is_some() => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed("JSON.stringify is not a function"),
        }),
        (Some(Proto::Function), "bind") => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed("Bind must be called on a function"),
        }),
        (Some(Proto::Number), name) => Call::Throws(requires_this("Number", name)),
        (Some(Proto::Boolean), name) => Call::Throws(requires_this("Boolean", name)),
        _ => Call::Unknown,
    })
}

fn requires_this(kind: &str, name: &str) -> JsError {
    let message = match (kind, name) {
        ("Number", "toString") => "Number.prototype.toString requires that 'this' be a Number",
        ("Number", "valueOf") => "Number.prototype.valueOf requires that 'this' be a Number",
        ("Number", "toFixed") => "Number.prototype.toFixed requires that 'this' be a Number",
        ("Number", "toPrecision") => {
            "Number.prototype.toPrecision requires that 'this' be a Number"
        }
        ("Number", "toExponential") => {
            "Number.prototype.toExponential requires that 'this' be a Number"
        }
        ("Number", _) => "Number.prototype.toLocaleString requires that 'this' be a Number",
        ("Boolean", "toString") => "Boolean.prototype.toString requires that 'this' be a Boolean",
        _ => "Boolean.prototype.valueOf requires that 'this' be a Boolean",
    };
    JsError {
        name: "TypeError",
        message: Cow::Borrowed(message),
    }
}

fn object_method(name: &str, o: &Object, arg: Option<&str>, depth: u8) -> Result<Call, JsError> {
    let key = arg.unwrap_or("undefined");
    Ok(match name {
        "toString" => Call::Value(Value::str("[object Object]")),
        "valueOf" => Call::This,
        "hasOwnProperty" | "propertyIsEnumerable" => Call::Value(Value::Bool(o.contains_key(key))),
        "isPrototypeOf" => Call::Value(Value::Bool(false)),
        "__lookupGetter__" | "__lookupSetter__" => Call::Undefined,
        "__defineGetter__" => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed("Object.prototype.__defineGetter__: Expecting function"),
        }),
        "__defineSetter__" => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed("Object.prototype.__defineSetter__: Expecting function"),
        }),
        // `this.toString()`, whatever it gives.
        "toLocaleString" => {
            if depth > DEPTH {
                return Err(STACK);
            }
            match lookup(o, "toString")? {
                Some(Value::Builtin(Builtin::Function(f))) => call(f, o, None, depth + 1)?,
                _ => Call::Unknown,
            }
        }
        _ => Call::Unknown,
    })
}

/// An `Array.prototype` method on a plain object without `length` (an empty array-like), for
/// the methods that do not change it: what they give for no elements.
fn array_method(name: &str, o: &Object, arg: Option<&str>) -> Result<Call, JsError> {
    if lookup(o, "length")?.is_some() {
        return Ok(Call::Unknown);
    }
    Ok(match name {
        "at" => Call::Undefined,
        "includes" => Call::Value(Value::Bool(false)),
        "indexOf" | "lastIndexOf" => Call::Value(Value::Number(-1.0)),
        "join" | "toLocaleString" => Call::Value(Value::str("")),
        // No `join` to call: `Object.prototype.toString`'s tag.
        "toString" if lookup(o, "join")?.is_none() => Call::Value(Value::str("[object Object]")),
        "flatMap" => Call::Throws(JsError {
            name: "TypeError",
            message: Cow::Borrowed("flatMap mapper function is not callable"),
        }),
        // The callback is the argument: named in the message when there is none.
        "find" | "findIndex" | "findLast" | "findLastIndex" | "forEach" | "filter" | "map"
        | "every" | "some" | "reduce" | "reduceRight"
            if arg.is_none() =>
        {
            Call::Throws(JsError {
                name: "TypeError",
                message: Cow::Borrowed("undefined is not a function"),
            })
        }
        _ => Call::Unknown,
    })
}

/// `JS ToIntegerOrInfinity(arg)` (`undefined` and NaN are 0).
fn to_integer(arg: Option<&str>) -> f64 {
    let n = arg.map_or(f64::NAN, string_to_number);
    if n.is_nan() {
        0.0
    } else {
        n.trunc()
    }
}

/// A relative index resolved against `len` (`slice`'s start): negative counts from the end.
fn relative(arg: Option<&str>, len: usize) -> usize {
    let n = to_integer(arg);
    let len_f = len as f64;
    if n < 0.0 {
        (len_f + n).max(0.0) as usize
    } else {
        n.min(len_f) as usize
    }
}

fn from_units(u: &[u16]) -> String {
    char::decode_utf16(u.iter().copied())
        .map(|r| r.unwrap_or_else(|e| lone_surrogate_char(e.unpaired_surrogate())))
        .collect()
}

fn find(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return (from <= hay.len()).then_some(from);
    }
    (from..hay.len().saturating_sub(needle.len() - 1)).find(|&i| hay[i..].starts_with(needle))
}

/// Does `new RegExp(s)` (no flags, so Annex B syntax) match `s` literally? `]` and `}` alone
/// are literal characters there; every other special character is left unmodelled.
fn is_regex_literal(s: &str) -> bool {
    !s.chars().any(|c| "\\^$.|?*+()[{".contains(c))
}

/// V8's longest string, in UTF-16 code units.
const MAX_STRING: f64 = 536_870_888.0;

fn too_long() -> JsError {
    JsError {
        name: "RangeError",
        message: Cow::Borrowed("Invalid string length"),
    }
}

fn html(tag: &str, attr: Option<(&str, &str)>, s: &str) -> Call {
    let mut out = format!("<{tag}");
    if let Some((name, value)) = attr {
        out.push_str(&format!(" {name}=\"{}\"", value.replace('"', "&quot;")));
    }
    out.push_str(&format!(">{s}</{tag}>"));
    Call::Value(Value::from(out))
}

/// `String.prototype[name].call(this, arg)`, `this` already converted to `s`.
fn string_method(name: &str, s: &str, arg: Option<&str>) -> Call {
    let u: Vec<u16> = units(s).collect();
    let len = u.len();
    let a = arg.unwrap_or("undefined");
    let au: Vec<u16> = units(a).collect();
    let str_of = |v: String| Call::Value(Value::from(v));
    let num = |n: f64| Call::Value(Value::Number(n));
    let at_index = |i: f64| -> Option<usize> { (i >= 0.0 && i < len as f64).then_some(i as usize) };
    match name {
        "anchor" => html("a", Some(("name", a)), s),
        "big" => html("big", None, s),
        "blink" => html("blink", None, s),
        "bold" => html("b", None, s),
        "fixed" => html("tt", None, s),
        "italics" => html("i", None, s),
        "small" => html("small", None, s),
        "strike" => html("strike", None, s),
        "sub" => html("sub", None, s),
        "sup" => html("sup", None, s),
        "fontcolor" => html("font", Some(("color", a)), s),
        "fontsize" => html("font", Some(("size", a)), s),
        "link" => html("a", Some(("href", a)), s),
        "at" => {
            let n = to_integer(arg);
            let k = if n < 0.0 { len as f64 + n } else { n };
            match at_index(k) {
                Some(i) => str_of(from_units(&u[i..=i])),
                None => Call::Undefined,
            }
        }
        "charAt" => {
            str_of(at_index(to_integer(arg)).map_or(String::new(), |i| from_units(&u[i..=i])))
        }
        "charCodeAt" => num(at_index(to_integer(arg)).map_or(f64::NAN, |i| f64::from(u[i]))),
        "codePointAt" => match at_index(to_integer(arg)) {
            None => Call::Undefined,
            Some(i) => {
                let first = u[i];
                let cp = match u.get(i + 1) {
                    Some(&next)
                        if (0xD800..0xDC00).contains(&first)
                            && (0xDC00..0xE000).contains(&next) =>
                    {
                        0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(next) - 0xDC00)
                    }
                    _ => u32::from(first),
                };
                num(f64::from(cp))
            }
        },
        "concat" => str_of(format!("{s}{}", arg.unwrap_or(""))),
        "endsWith" => Call::Value(Value::Bool(u.ends_with(&au))),
        "startsWith" => Call::Value(Value::Bool(u.starts_with(&au))),
        "includes" => Call::Value(Value::Bool(find(&u, &au, 0).is_some())),
        "indexOf" => num(find(&u, &au, 0).map_or(-1.0, |i| i as f64)),
        "lastIndexOf" => num((0..=len)
            .rev()
            .find(|&i| u[i..].starts_with(&au))
            .map_or(-1.0, |i| i as f64)),
        "isWellFormed" => Call::Value(Value::Bool(
            !s.chars().any(|c| lone_surrogate_unit(c).is_some()),
        )),
        "toWellFormed" => str_of(
            s.chars()
                .map(|c| {
                    if lone_surrogate_unit(c).is_some() {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        ),
        "padEnd" | "padStart" => {
            let n = to_integer(arg);
            if n <= len as f64 {
                return str_of(s.to_string());
            }
            if n > MAX_STRING {
                return Call::Throws(too_long());
            }
            if n > MAX_BUILT as f64 {
                return Call::Unknown;
            }
            let fill = " ".repeat(n as usize - len);
            str_of(if name == "padEnd" {
                format!("{s}{fill}")
            } else {
                format!("{fill}{s}")
            })
        }
        "repeat" => {
            let n = to_integer(arg);
            if n < 0.0 || n.is_infinite() {
                let mut count = String::new();
                Value::Number(n).write_js_to_string(&mut count);
                return Call::Throws(JsError {
                    name: "RangeError",
                    message: Cow::Owned(format!("Invalid count value: {count}")),
                });
            }
            if n == 0.0 || len == 0 {
                return str_of(String::new());
            }
            if n * len as f64 > MAX_STRING {
                return Call::Throws(too_long());
            }
            if n * len as f64 > MAX_BUILT as f64 {
                return Call::Unknown;
            }
            str_of(s.repeat(n as usize))
        }
        "replace" => str_of(match find(&u, &au, 0) {
            Some(i) => format!(
                "{}undefined{}",
                from_units(&u[..i]),
                from_units(&u[i + au.len()..])
            ),
            None => s.to_string(),
        }),
        "replaceAll" => {
            let mut out = String::new();
            if au.is_empty() {
                for i in 0..len {
                    out.push_str("undefined");
                    out.push_str(&from_units(&u[i..=i]));
                }
                out.push_str("undefined");
                // Code units split apart must be joined again where they were pairs.
                return str_of(super::utf16::join_surrogate_pairs(out));
            }
            let mut pos = 0;
            while let Some(i) = find(&u, &au, pos) {
                out.push_str(&from_units(&u[pos..i]));
                out.push_str("undefined");
                pos = i + au.len();
            }
            out.push_str(&from_units(&u[pos..]));
            str_of(out)
        }
        "search" | "match" | "matchAll" => {
            // `new RegExp(arg)`: only a pattern without special characters is modelled.
            let pattern: Vec<u16> = match arg {
                None => Vec::new(),
                Some(a) if is_regex_literal(a) => au.clone(),
                Some(_) => return Call::Unknown,
            };
            let at = find(&u, &pattern, 0);
            match name {
                "search" => num(at.map_or(-1.0, |i| i as f64)),
                "match" => match at {
                    Some(_) => Call::Value(Value::Array(vec![Value::from(from_units(&pattern))])),
                    None => Call::Value(Value::Null),
                },
                _ => Call::OtherObject,
            }
        }
        "slice" | "substr" => str_of(from_units(&u[relative(arg, len)..])),
        "substring" => {
            let start = to_integer(arg).clamp(0.0, len as f64) as usize;
            str_of(from_units(&u[start..]))
        }
        "split" => match arg {
            None => Call::Value(Value::Array(vec![Value::str(s)])),
            Some(_) if au.is_empty() => Call::Value(Value::Array(
                (0..len)
                    .map(|i| Value::from(from_units(&u[i..=i])))
                    .collect(),
            )),
            Some(_) => {
                let mut parts = Vec::new();
                let mut pos = 0;
                while let Some(i) = find(&u, &au, pos) {
                    parts.push(Value::from(from_units(&u[pos..i])));
                    pos = i + au.len();
                }
                parts.push(Value::from(from_units(&u[pos..])));
                Call::Value(Value::Array(parts))
            }
        },
        "trim" => str_of(s.trim_matches(is_js_space).to_string()),
        "trimStart" => str_of(s.trim_start_matches(is_js_space).to_string()),
        "trimEnd" => str_of(s.trim_end_matches(is_js_space).to_string()),
        "toLowerCase" => str_of(s.to_lowercase()),
        "toUpperCase" => str_of(s.to_uppercase()),
        "toLocaleLowerCase" if arg.is_none() => str_of(s.to_lowercase()),
        "toLocaleUpperCase" if arg.is_none() => str_of(s.to_uppercase()),
        "normalize" => match arg {
            None | Some("NFC" | "NFD" | "NFKC" | "NFKD") if s.is_ascii() => str_of(s.to_string()),
            None | Some("NFC" | "NFD" | "NFKC" | "NFKD") => Call::Unknown,
            Some(_) => Call::Throws(JsError {
                name: "RangeError",
                message: Cow::Borrowed(
                    "The normalization form should be one of NFC, NFD, NFKC, NFKD.",
                ),
            }),
        },
        _ => Call::Unknown,
    }
}

/// The error `JSON.stringify(value)` throws, if any: an object's own `toJSON` built-in that
/// throws when called with the key the object sits under (`key` for `value` itself). Walks in
/// the order JSON.stringify does and stops at the first.
pub fn stringify_error(value: &Value, key: &str) -> Option<JsError> {
    match value {
        Value::Object(o) => {
            if let Some(Value::Builtin(Builtin::Function(f))) = o.get("toJSON") {
                match call(*f, o, Some(key), 0) {
                    Err(e) | Ok(Call::Throws(e)) => return Some(e),
                    Ok(Call::This) => {}
                    // What it returned is printed instead, and holds no `toJSON` of its own.
                    Ok(_) => return None,
                }
            }
            o.iter().find_map(|(k, v)| stringify_error(v, k))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| stringify_error(v, &i.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A built-in reached by a path from `{"s": "x", "n": 1, "b": true}`.
    fn builtin(path: &[&str]) -> Func {
        let mut cur = Value::parse(r#"{"s":"x","n":1,"b":true}"#).unwrap();
        for k in path {
            cur = get(&cur, k).unwrap().unwrap().into_owned();
        }
        match cur {
            Value::Builtin(Builtin::Function(f)) => f,
            other => panic!("not a function: {other:?}"),
        }
    }

    fn to_json(f: Func, key: &str) -> Call {
        call(f, &Object::new(), Some(key), 0).unwrap()
    }

    fn text(s: &str) -> Call {
        Call::Value(Value::str(s))
    }

    // Expected values: what Node 20 printed for `{toJSON: <method>}` under each key and for
    // `String()` of an object holding the built-in (hostile/to-json-* and
    // hostile/to-string-* cases).
    #[test]
    fn string_methods_as_to_json() {
        let m = |name| builtin(&["s", name]);
        assert_eq!(to_json(m("trim"), "x"), text("[object Object]"));
        assert_eq!(
            to_json(m("anchor"), "x"),
            text("<a name=\"x\">[object Object]</a>")
        );
        assert_eq!(to_json(m("charAt"), "1"), text("o"));
        assert_eq!(to_json(m("charAt"), " 2 "), text("b"));
        assert_eq!(to_json(m("charAt"), "-1"), text(""));
        assert_eq!(
            to_json(m("charCodeAt"), "x"),
            Call::Value(Value::Number(91.0))
        );
        assert_eq!(to_json(m("concat"), "x"), text("[object Object]x"));
        assert_eq!(
            to_json(m("replaceAll"), "b"),
            text("[oundefinedject Oundefinedject]")
        );
        assert_eq!(
            to_json(m("split"), "O"),
            Call::Value(Value::parse(r#"["[object ","bject]"]"#).unwrap())
        );
        assert_eq!(to_json(m("toUpperCase"), "x"), text("[OBJECT OBJECT]"));
        assert_eq!(to_json(m("at"), "20"), Call::Undefined);
        let thrown = |c: Call| match c {
            Call::Throws(e) => (e.name, e.message.into_owned()),
            other => panic!("no throw: {other:?}"),
        };
        assert_eq!(
            thrown(to_json(m("repeat"), "-1")),
            ("RangeError", "Invalid count value: -1".to_string())
        );
        assert_eq!(
            thrown(to_json(m("padEnd"), "9007199254740993")),
            ("RangeError", "Invalid string length".to_string())
        );
        assert_eq!(
            thrown(to_json(m("normalize"), "x")).1,
            "The normalization form should be one of NFC, NFD, NFKC, NFKD."
        );
        assert_eq!(
            thrown(to_json(builtin(&["n", "toFixed"]), "x")).1,
            "Number.prototype.toFixed requires that 'this' be a Number"
        );
        // Not modelled: a pattern that is a regular expression, locale-dependent methods.
        assert_eq!(to_json(m("match"), "a.b"), Call::Unknown);
        assert_eq!(to_json(m("localeCompare"), "x"), Call::Unknown);
    }

    #[test]
    fn builtins_as_to_string_and_value_of() {
        let with = |entries: &[(&str, Value)]| {
            let mut o = Object::new();
            for (k, v) in entries {
                o.insert((*k).into(), v.clone());
            }
            object_to_primitive_string(&o)
        };
        let f = |path: &[&str]| Value::Builtin(Builtin::Function(builtin(path)));
        assert_eq!(with(&[("toString", f(&["s", "trim"]))]), Err(STACK));
        assert_eq!(
            with(&[("toString", f(&["n", "constructor"]))]),
            Ok(Some("0".into()))
        );
        assert_eq!(
            with(&[
                ("toString", Value::Number(5.0)),
                ("valueOf", f(&["b", "constructor"]))
            ]),
            Ok(Some("false".into()))
        );
        assert_eq!(
            with(&[("toString", f(&["hasOwnProperty"]))]),
            Ok(Some("false".into()))
        );
        assert_eq!(
            with(&[("toString", f(&["valueOf"]))]).map_err(|e| e.message),
            Err(Cow::Borrowed("Cannot convert object to primitive value"))
        );
    }
}
