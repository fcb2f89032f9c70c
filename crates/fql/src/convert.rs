//! The conversions and string comparisons the FQL reference leans on: `Number(x)`,
//! `String(x)`, and strings as UTF-16 code units (for `slice`, `includes`, `startsWith`,
//! `endsWith`). Property access (`get.ts`'s `obj[key]` through the prototype chain) is
//! [`usermaven_json::js::get`].

use usermaven_json::js::units;
use usermaven_json::Value;

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
        Some(Value::Object(_) | Value::Builtin(_)) => f64::NAN,
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
            JsText::Utf8(s) => units(s).collect(),
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
        // The expected text is well formed: byte-wise results equal code-unit-wise results
        // (a lone surrogate in `a` is never part of a match).
        let e: &str = e;
        return match op {
            StrOp::Eq => a == e,
            StrOp::Includes => a.contains(e),
            StrOp::StartsWith => a.starts_with(e),
            StrOp::EndsWith => a.ends_with(e),
        };
    }
    let a: Vec<u16> = match actual {
        ActualStr::Utf8(s) => units(s).collect(),
    };
    let e = expected.units();
    match op {
        StrOp::Eq => a == e,
        StrOp::Includes => e.is_empty() || a.windows(e.len()).any(|w| w == e.as_slice()),
        StrOp::StartsWith => a.starts_with(&e),
        StrOp::EndsWith => a.ends_with(&e),
    }
}

/// A string seen by `validate` (lone surrogates held as their stand-ins).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ActualStr<'a> {
    Utf8(&'a str),
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
