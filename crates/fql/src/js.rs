//! The bits of JavaScript semantics the FQL reference leans on: `Number(x)`, `String(x)`,
//! property access with the built-in prototype chain (for `get.ts`'s `obj[key]`), and
//! strings as UTF-16 code units (for `slice`, `includes`, `startsWith`, `endsWith`).

use usermaven_json::{Object, Value};

use crate::FqlError;

pub(crate) use usermaven_json::js::string_to_number;

/// `Number(value)`; `None` is JS `undefined`.
pub(crate) fn value_to_number(v: Option<&Value>) -> f64 {
    match v {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Number(n)) => *n,
        Some(Value::String(s)) => string_to_number(s),
        Some(a @ Value::Array(_)) => string_to_number(&a.to_js_string()),
        Some(Value::Object(_)) => f64::NAN,
    }
}

/// `String(value)`; `None` is JS `undefined`.
pub(crate) fn value_to_string(v: Option<&Value>) -> String {
    match v {
        None => "undefined".to_string(),
        Some(v) => v.to_js_string(),
    }
}

/// A JS string as the comparison code needs it: UTF-8 when it is well formed (always,
/// except after `slice` cut a surrogate pair in half), UTF-16 code units otherwise.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsText {
    Utf8(Box<str>),
    Utf16(Box<[u16]>),
}

impl JsText {
    pub(crate) fn from_units(units: &[u16]) -> JsText {
        match String::from_utf16(units) {
            Ok(s) => JsText::Utf8(s.into_boxed_str()),
            Err(_) => JsText::Utf16(units.into()),
        }
    }

    pub(crate) fn units(&self) -> Vec<u16> {
        match self {
            JsText::Utf8(s) => s.encode_utf16().collect(),
            JsText::Utf16(u) => u.to_vec(),
        }
    }

    /// The text for display and JSON (lone surrogates become U+FFFD).
    pub(crate) fn lossy(&self) -> String {
        match self {
            JsText::Utf8(s) => s.to_string(),
            JsText::Utf16(u) => String::from_utf16_lossy(u),
        }
    }
}

/// String operations of `validate.ts`, on UTF-16 code units as JS does them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Eq,
    Includes,
    StartsWith,
    EndsWith,
}

/// Apply `op` to a JS string given as UTF-8 or as code units.
pub(crate) fn str_op(actual: ActualStr<'_>, op: StrOp, expected: &JsText) -> bool {
    if let (ActualStr::Utf8(a), JsText::Utf8(e)) = (actual, expected) {
        // Both well formed: byte-wise results equal code-unit-wise results.
        let e: &str = e;
        return match op {
            StrOp::Eq => a == e,
            StrOp::Includes => a.contains(e),
            StrOp::StartsWith => a.starts_with(e),
            StrOp::EndsWith => a.ends_with(e),
        };
    }
    let a: Vec<u16> = match actual {
        ActualStr::Utf8(s) => s.encode_utf16().collect(),
        ActualStr::Unit(u) => vec![u],
    };
    let e = expected.units();
    match op {
        StrOp::Eq => a == e,
        StrOp::Includes => e.is_empty() || a.windows(e.len()).any(|w| w == e.as_slice()),
        StrOp::StartsWith => a.starts_with(&e),
        StrOp::EndsWith => a.ends_with(&e),
    }
}

/// A string seen by `validate`: a borrowed string, or one code unit (`"abc"[1]`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ActualStr<'a> {
    Utf8(&'a str),
    Unit(u16),
}

/// Built-in prototypes reachable through property access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Function,
}

/// A built-in function: its `name`, `length`, and the prototype it constructs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Builtin {
    name: &'static str,
    length: u8,
    ctor: Option<Proto>,
}

/// A member of a built-in prototype.
#[derive(Debug, Clone, Copy)]
enum Member {
    Func(Builtin),
    Num(f64),
    Str(&'static str),
    /// `Object.prototype.__proto__`: the receiver's prototype.
    ProtoAccessor,
    /// `Function.prototype.arguments` / `.caller`: throws for built-ins.
    Throws,
}

const fn f(name: &'static str, length: u8) -> Member {
    Member::Func(Builtin {
        name,
        length,
        ctor: None,
    })
}

const fn ctor(name: &'static str, proto: Proto) -> Member {
    Member::Func(Builtin {
        name,
        length: 1,
        ctor: Some(proto),
    })
}

// Own properties of the built-in prototypes in Node 20 (string keys only).
static OBJECT_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Object", Proto::Object)),
    ("__defineGetter__", f("__defineGetter__", 2)),
    ("__defineSetter__", f("__defineSetter__", 2)),
    ("hasOwnProperty", f("hasOwnProperty", 1)),
    ("__lookupGetter__", f("__lookupGetter__", 1)),
    ("__lookupSetter__", f("__lookupSetter__", 1)),
    ("isPrototypeOf", f("isPrototypeOf", 1)),
    ("propertyIsEnumerable", f("propertyIsEnumerable", 1)),
    ("toString", f("toString", 0)),
    ("valueOf", f("valueOf", 0)),
    ("__proto__", Member::ProtoAccessor),
    ("toLocaleString", f("toLocaleString", 0)),
];

static ARRAY_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("Array", Proto::Array)),
    ("at", f("at", 1)),
    ("concat", f("concat", 1)),
    ("copyWithin", f("copyWithin", 2)),
    ("fill", f("fill", 1)),
    ("find", f("find", 1)),
    ("findIndex", f("findIndex", 1)),
    ("findLast", f("findLast", 1)),
    ("findLastIndex", f("findLastIndex", 1)),
    ("lastIndexOf", f("lastIndexOf", 1)),
    ("pop", f("pop", 0)),
    ("push", f("push", 1)),
    ("reverse", f("reverse", 0)),
    ("shift", f("shift", 0)),
    ("unshift", f("unshift", 1)),
    ("slice", f("slice", 2)),
    ("sort", f("sort", 1)),
    ("splice", f("splice", 2)),
    ("includes", f("includes", 1)),
    ("indexOf", f("indexOf", 1)),
    ("join", f("join", 1)),
    ("keys", f("keys", 0)),
    ("entries", f("entries", 0)),
    ("values", f("values", 0)),
    ("forEach", f("forEach", 1)),
    ("filter", f("filter", 1)),
    ("flat", f("flat", 0)),
    ("flatMap", f("flatMap", 1)),
    ("map", f("map", 1)),
    ("every", f("every", 1)),
    ("some", f("some", 1)),
    ("reduce", f("reduce", 1)),
    ("reduceRight", f("reduceRight", 1)),
    ("toLocaleString", f("toLocaleString", 0)),
    ("toString", f("toString", 0)),
    ("toReversed", f("toReversed", 0)),
    ("toSorted", f("toSorted", 1)),
    ("toSpliced", f("toSpliced", 2)),
    ("with", f("with", 2)),
];

static STRING_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("String", Proto::String)),
    ("anchor", f("anchor", 1)),
    ("at", f("at", 1)),
    ("big", f("big", 0)),
    ("blink", f("blink", 0)),
    ("bold", f("bold", 0)),
    ("charAt", f("charAt", 1)),
    ("charCodeAt", f("charCodeAt", 1)),
    ("codePointAt", f("codePointAt", 1)),
    ("concat", f("concat", 1)),
    ("endsWith", f("endsWith", 1)),
    ("fontcolor", f("fontcolor", 1)),
    ("fontsize", f("fontsize", 1)),
    ("fixed", f("fixed", 0)),
    ("includes", f("includes", 1)),
    ("indexOf", f("indexOf", 1)),
    ("isWellFormed", f("isWellFormed", 0)),
    ("italics", f("italics", 0)),
    ("lastIndexOf", f("lastIndexOf", 1)),
    ("link", f("link", 1)),
    ("localeCompare", f("localeCompare", 1)),
    ("match", f("match", 1)),
    ("matchAll", f("matchAll", 1)),
    ("normalize", f("normalize", 0)),
    ("padEnd", f("padEnd", 1)),
    ("padStart", f("padStart", 1)),
    ("repeat", f("repeat", 1)),
    ("replace", f("replace", 2)),
    ("replaceAll", f("replaceAll", 2)),
    ("search", f("search", 1)),
    ("slice", f("slice", 2)),
    ("small", f("small", 0)),
    ("split", f("split", 2)),
    ("strike", f("strike", 0)),
    ("sub", f("sub", 0)),
    ("substr", f("substr", 2)),
    ("substring", f("substring", 2)),
    ("sup", f("sup", 0)),
    ("startsWith", f("startsWith", 1)),
    ("toString", f("toString", 0)),
    ("toWellFormed", f("toWellFormed", 0)),
    ("trim", f("trim", 0)),
    ("trimStart", f("trimStart", 0)),
    ("trimLeft", f("trimStart", 0)),
    ("trimEnd", f("trimEnd", 0)),
    ("trimRight", f("trimEnd", 0)),
    ("toLocaleLowerCase", f("toLocaleLowerCase", 0)),
    ("toLocaleUpperCase", f("toLocaleUpperCase", 0)),
    ("toLowerCase", f("toLowerCase", 0)),
    ("toUpperCase", f("toUpperCase", 0)),
    ("valueOf", f("valueOf", 0)),
];

static NUMBER_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Number", Proto::Number)),
    ("toExponential", f("toExponential", 1)),
    ("toFixed", f("toFixed", 1)),
    ("toPrecision", f("toPrecision", 1)),
    ("toString", f("toString", 1)),
    ("valueOf", f("valueOf", 0)),
    ("toLocaleString", f("toLocaleString", 0)),
];

static BOOLEAN_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Boolean", Proto::Boolean)),
    ("toString", f("toString", 0)),
    ("valueOf", f("valueOf", 0)),
];

static FUNCTION_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("name", Member::Str("")),
    ("arguments", Member::Throws),
    ("caller", Member::Throws),
    ("constructor", ctor("Function", Proto::Function)),
    ("apply", f("apply", 2)),
    ("bind", f("bind", 1)),
    ("call", f("call", 1)),
    ("toString", f("toString", 0)),
];

fn members(p: Proto) -> &'static [(&'static str, Member)] {
    match p {
        Proto::Object => OBJECT_MEMBERS,
        Proto::Array => ARRAY_MEMBERS,
        Proto::String => STRING_MEMBERS,
        Proto::Number => NUMBER_MEMBERS,
        Proto::Boolean => BOOLEAN_MEMBERS,
        Proto::Function => FUNCTION_MEMBERS,
    }
}

/// A JS value reached by walking an event: borrowed from the event, or a built-in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Actual<'a> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    /// One UTF-16 code unit, from indexing a string.
    Unit(u16),
    Arr(&'a [Value]),
    Obj(&'a Object),
    Func(Builtin),
    /// A built-in prototype object (via `__proto__` or `constructor.prototype`).
    Proto(Proto),
}

const STRICT_ARGUMENTS: &str = "'caller', 'callee', and 'arguments' properties may not be accessed on strict mode functions or the arguments objects for calls to them";

impl<'a> Actual<'a> {
    pub(crate) fn from_value(v: &'a Value) -> Actual<'a> {
        match v {
            Value::Null => Actual::Null,
            Value::Bool(b) => Actual::Bool(*b),
            Value::Number(n) => Actual::Num(*n),
            Value::String(s) => Actual::Str(s),
            Value::Array(a) => Actual::Arr(a),
            Value::Object(o) => Actual::Obj(o),
        }
    }

    /// JS truthiness.
    pub(crate) fn truthy(self) -> bool {
        match self {
            Actual::Undefined | Actual::Null => false,
            Actual::Bool(b) => b,
            Actual::Num(n) => n != 0.0 && !n.is_nan(),
            Actual::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    pub(crate) fn as_str(self) -> Option<ActualStr<'a>> {
        match self {
            Actual::Str(s) => Some(ActualStr::Utf8(s)),
            Actual::Unit(u) => Some(ActualStr::Unit(u)),
            _ => None,
        }
    }

    fn proto(self) -> Option<Proto> {
        Some(match self {
            Actual::Undefined | Actual::Null => return None,
            Actual::Bool(_) => Proto::Boolean,
            Actual::Num(_) => Proto::Number,
            Actual::Str(_) | Actual::Unit(_) => Proto::String,
            Actual::Arr(_) => Proto::Array,
            Actual::Obj(_) => Proto::Object,
            Actual::Func(_) => Proto::Function,
            Actual::Proto(Proto::Object) => return None,
            Actual::Proto(_) => Proto::Object,
        })
    }

    /// `self[key]` for a non-nullish `self`.
    pub(crate) fn get(self, key: &str) -> Result<Actual<'a>, FqlError> {
        // Own properties first.
        match self {
            Actual::Obj(o) => {
                if let Some(v) = o.get(key) {
                    return Ok(Actual::from_value(v));
                }
            }
            Actual::Arr(a) => {
                if key == "length" {
                    return Ok(Actual::Num(a.len() as f64));
                }
                if let Some(i) = array_index(key) {
                    if let Some(v) = a.get(i) {
                        return Ok(Actual::from_value(v));
                    }
                }
            }
            Actual::Str(s) => {
                if key == "length" {
                    return Ok(Actual::Num(s.encode_utf16().count() as f64));
                }
                if let Some(i) = array_index(key) {
                    if let Some(u) = s.encode_utf16().nth(i) {
                        return Ok(Actual::Unit(u));
                    }
                }
            }
            Actual::Unit(u) => {
                if key == "length" {
                    return Ok(Actual::Num(1.0));
                }
                if key == "0" {
                    return Ok(Actual::Unit(u));
                }
            }
            Actual::Func(b) => match key {
                "name" => return Ok(Actual::Str(b.name)),
                "length" => return Ok(Actual::Num(f64::from(b.length))),
                "prototype" => {
                    if let Some(p) = b.ctor {
                        return Ok(Actual::Proto(p));
                    }
                }
                _ => {}
            },
            Actual::Proto(p) => {
                if let Some(m) = lookup(members(p), key) {
                    return self.member(m);
                }
            }
            _ => {}
        }
        // Then the prototype chain.
        let mut proto = self.proto();
        while let Some(p) = proto {
            if let Some(m) = lookup(members(p), key) {
                return self.member(m);
            }
            proto = Actual::Proto(p).proto();
        }
        Ok(Actual::Undefined)
    }

    fn member(self, m: Member) -> Result<Actual<'a>, FqlError> {
        Ok(match m {
            Member::Func(b) => Actual::Func(b),
            Member::Num(n) => Actual::Num(n),
            Member::Str(s) => Actual::Str(s),
            Member::ProtoAccessor => self.proto().map_or(Actual::Null, Actual::Proto),
            Member::Throws => return Err(FqlError::type_error(STRICT_ARGUMENTS)),
        })
    }
}

fn lookup(table: &'static [(&'static str, Member)], key: &str) -> Option<Member> {
    table.iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

/// A canonical array index (`"0"`, `"17"`; not `"01"` or `"-1"`).
fn array_index(key: &str) -> Option<usize> {
    let b = key.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    key.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_conversion() {
        let cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("  12  ", 12.0),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("+5", 5.0),
            ("-5", -5.0),
            ("0x10", 16.0),
            ("0b101", 5.0),
            ("0o17", 15.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("\u{a0}7\u{feff}", 7.0),
        ];
        for (s, n) in cases {
            assert_eq!(string_to_number(s), *n, "{s:?}");
        }
        for s in [
            "abc", "-0x10", "1_000", "inf", "NaN", "1e", ".", "-", "0x", "1 2", "infinity",
        ] {
            assert!(string_to_number(s).is_nan(), "{s:?}");
        }
    }

    #[test]
    fn utf16_string_ops() {
        let e = JsText::from_units(&[0xDE00, u16::from(b'x')]);
        assert!(matches!(e, JsText::Utf16(_)));
        assert!(str_op(ActualStr::Utf8("a😀x"), StrOp::EndsWith, &e));
        assert!(!str_op(ActualStr::Utf8("a😀x"), StrOp::StartsWith, &e));
        assert!(str_op(ActualStr::Utf8("a😀x"), StrOp::Includes, &e));
    }
}
