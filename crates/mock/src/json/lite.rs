//! A decoded JSON value that borrows from the text it was read from: the form the request path
//! checks, enriches and summarises events in.
//!
//! Why not `serde_json::Value`: with `preserve_order` every object is an `IndexMap` whose keys
//! are hashed with SipHash and every string is its own allocation. Decoding the bench's ~1 KB
//! track body that way, and dropping it, was half of a request's instructions (callgrind,
//! `examples/ingest_count.rs`) although the request path reads about thirty fields of it. Here
//! plain strings are slices of the body, objects are entry vectors in body order, and nothing
//! is hashed. A `Value` is built only where one is written out ([`Lite::into_value`]).
//!
//! Duplicate keys are kept as they came. Every lookup sees the *last* one (Go's
//! `map[string]interface{}` keeps the last value) and [`Lite::into_value`] puts the key where
//! it first appeared with its last value (what `serde_json`'s ordered map does on insert), so
//! the two forms agree on every read.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

/// An object's entries in body order (duplicates included).
pub(crate) type Entries<'a> = Vec<(Cow<'a, str>, Lite<'a>)>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lite<'a> {
    Null,
    Bool(bool),
    /// A number as written; converted like [`number_value`] when asked.
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Lite<'a>>),
    Object(Entries<'a>),
}

impl<'a> Lite<'a> {
    pub(crate) fn as_object(&self) -> Option<&Entries<'a>> {
        match self {
            Lite::Object(e) => Some(e),
            _ => None,
        }
    }

    /// The string, as `Value::as_str` would give it (a number beyond `f64` is kept as text).
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Lite::String(s) => Some(s),
            Lite::Number(t) if number_is_text(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn is_string(&self) -> bool {
        self.as_str().is_some()
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Lite::Object(_))
    }

    /// The `Value` this decodes to, for reads that need number semantics.
    fn number_value(&self) -> Option<Value> {
        match self {
            Lite::Number(t) => Some(number_value(t)),
            _ => None,
        }
    }

    /// An integral number (`i64`, `u64`, or an `f64` without a fraction).
    pub(crate) fn is_integer(&self) -> bool {
        self.number_value().is_some_and(|v| {
            v.as_i64().is_some()
                || v.as_u64().is_some()
                || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        })
    }

    /// JSON type name, as the `Value` form would be named.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Lite::Null => "null",
            Lite::Bool(_) => "boolean",
            Lite::Number(t) if number_is_text(t) => "string",
            Lite::Number(_) => "number",
            Lite::String(_) => "string",
            Lite::Array(_) => "array",
            Lite::Object(_) => "object",
        }
    }

    /// The `serde_json` form (duplicates folded as described in the module doc). Recursive:
    /// callers holding deeply nested values run it on a grown stack ([`super::deep`]).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Lite::Null => Value::Null,
            Lite::Bool(b) => Value::Bool(b),
            Lite::Number(t) => number_value(t),
            Lite::String(s) => Value::String(s.into_owned()),
            Lite::Array(items) => Value::Array(items.into_iter().map(Lite::into_value).collect()),
            Lite::Object(entries) => Value::Object(into_map(entries)),
        }
    }
}

/// A number literal that the `Value` form keeps as a string (out of `f64` range).
fn number_is_text(t: &str) -> bool {
    matches!(number_value(t), Value::String(_))
}

/// [`Lite::into_value`] of an object.
pub(crate) fn into_map(entries: Entries<'_>) -> Map<String, Value> {
    let mut map = Map::with_capacity(entries.len());
    for (k, v) in entries {
        map.insert(k.into_owned(), v.into_value());
    }
    map
}

/// The value of `key` (the last one when it appears more than once).
pub(crate) fn get<'e, 'a>(
    entries: &'e [(Cow<'a, str>, Lite<'a>)],
    key: &str,
) -> Option<&'e Lite<'a>> {
    entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// [`get`], mutably.
pub(crate) fn get_mut<'e, 'a>(
    entries: &'e mut [(Cow<'a, str>, Lite<'a>)],
    key: &str,
) -> Option<&'e mut Lite<'a>> {
    entries
        .iter_mut()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

pub(crate) fn contains_key(entries: &[(Cow<'_, str>, Lite<'_>)], key: &str) -> bool {
    entries.iter().any(|(k, _)| k == key)
}

/// `Map::insert`: an existing key gets the value (in its place), a new one goes last.
pub(crate) fn insert<'a>(entries: &mut Entries<'a>, key: &'a str, value: Lite<'a>) {
    match get_mut(entries, key) {
        Some(v) => *v = value,
        None => entries.push((Cow::Borrowed(key), value)),
    }
}

/// `Map::shift_remove`: takes the value of `key` out (every occurrence goes).
pub(crate) fn remove<'a>(entries: &mut Entries<'a>, key: &str) -> Option<Lite<'a>> {
    let last = entries.iter().rposition(|(k, _)| k == key)?;
    let (_, value) = entries.remove(last);
    entries.retain(|(k, _)| k != key);
    Some(value)
}

/// Converts a JSON number literal into a `serde_json` number, keeping integers exact.
pub(super) fn number_value(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Ok(u) = text.parse::<u64>() {
        return Value::Number(u.into());
    }
    match text.parse::<f64>().ok().and_then(Number::from_f64) {
        Some(n) => Value::Number(n),
        // Out of f64 range: Go keeps the literal (UseNumber); keep its text.
        None => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::go::{decode, decode_lite, Target};

    fn lite(text: &str) -> Entries<'_> {
        match decode_lite(text.as_bytes(), Target::Event) {
            Ok(Lite::Object(e)) => e,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn duplicates_read_last_and_fold_first_place_last_value() {
        let text = r#"{"a":1,"b":{"x":1},"a":"two","b":{"y":2}}"#;
        let e = lite(text);
        assert_eq!(get(&e, "a").and_then(Lite::as_str), Some("two"));
        assert_eq!(
            Value::Object(into_map(e)),
            serde_json::from_str::<Value>(text).expect("json")
        );
    }

    #[test]
    fn edits_agree_with_the_ordered_map() {
        let text = r#"{"k":1,"e":{"id":"x"},"k":2,"z":null}"#;
        let mut e = lite(text);
        let mut m = decode(text.as_bytes(), Target::Event)
            .expect("decodes")
            .as_object()
            .cloned()
            .expect("object");
        insert(&mut e, "k", Lite::String("new".into()));
        m.insert("k".into(), Value::String("new".into()));
        insert(&mut e, "n", Lite::Bool(true));
        m.insert("n".into(), Value::Bool(true));
        assert_eq!(remove(&mut e, "z"), Some(Lite::Null));
        m.shift_remove("z");
        assert!(!contains_key(&e, "z"));
        assert_eq!(Value::Object(into_map(e)), Value::Object(m));
    }

    #[test]
    fn numbers_beyond_f64_read_as_the_value_form_does() {
        let e = lite(r#"{"big":1e400,"int":12,"float":1.5,"whole":2.0}"#);
        let big = get(&e, "big").expect("big");
        assert_eq!((big.kind(), big.as_str()), ("string", Some("1e400")));
        assert!(get(&e, "int").is_some_and(Lite::is_integer));
        assert!(get(&e, "whole").is_some_and(Lite::is_integer));
        assert!(!get(&e, "float").is_some_and(Lite::is_integer));
        assert_eq!(get(&e, "float").map(Lite::kind), Some("number"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// JSON text with repeated keys (a small key alphabet), escapes, non-ASCII text and
        /// numbers in several spellings.
        fn json_text() -> impl Strategy<Value = String> {
            let string = prop_oneof![
                "[a-c]{0,3}".prop_map(|s| format!("\"{s}\"")),
                Just("\"\\n\\u00e9\\\"x\"".to_owned()),
                Just("\"\\ud83d\\ude00 \\/\"".to_owned()),
                Just("\"é ü 日本\"".to_owned()),
            ];
            let leaf = prop_oneof![
                string.clone(),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| n.to_string()),
                Just("1.5".to_owned()),
                Just("2e3".to_owned()),
                Just("-0.25E-2".to_owned()),
                Just("true".to_owned()),
                Just("null".to_owned()),
            ];
            leaf.prop_recursive(4, 48, 6, move |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5)
                        .prop_map(|items| format!("[{}]", items.join(","))),
                    proptest::collection::vec(("[a-c]{1,2}", inner), 0..6).prop_map(|entries| {
                        let body: Vec<String> = entries
                            .into_iter()
                            .map(|(k, v)| format!("\"{k}\" : {v}"))
                            .collect();
                        format!("{{ {} }}", body.join(", "))
                    }),
                ]
            })
        }

        proptest! {
            /// The borrowed form converts to exactly what `serde_json`'s ordered map makes of
            /// the same text (duplicates: first place, last value), and every lookup reads the
            /// value the map holds.
            #[test]
            fn lite_agrees_with_the_ordered_map(inner in json_text()) {
                let text = format!("{{\"x\":{inner},\"y\":{inner},\"x\":{{\"k\":{inner}}}}}");
                let want: Value = serde_json::from_str(&text).expect("valid JSON");
                let got = decode_lite(text.as_bytes(), Target::Event).expect("decodes");
                if let (Lite::Object(entries), Value::Object(map)) = (&got, &want) {
                    for (k, v) in map {
                        prop_assert_eq!(get(entries, k).cloned().map(Lite::into_value), Some(v.clone()));
                    }
                }
                prop_assert_eq!(got.into_value(), want);
            }
        }
    }
}
