//! Path extraction: one validating pass over a JSON text that records where the values at a
//! fixed set of paths are, without building a [`Value`](crate::Value).
//!
//! This is the front half of the fused fast path for plain mappings: a mapping that only
//! reads fixed paths needs a handful of values out of an event, and building the whole
//! document (every string allocated, every object collected) costs more than the rest of the
//! pipeline. [`Extract::run`] scans the text once, checks its grammar, and notes for each
//! path of a [`PathSet`] the value's byte span, its kind and whether its text is
//! *canonical*: byte-identical to what `JSON.stringify(JSON.parse(text))` would print, so it
//! can be copied to the output as it is.
//!
//! It is deliberately conservative: it gives up (returns `None`) on anything it does not
//! handle exactly — a grammar error (the caller then parses with [`Value::parse`], which
//! reports it), a key with an escape on a followed path, a repeated key on a path of the
//! set, deep nesting — and callers fall back to the full parse. A used string holding a
//! character of the range [`crate::lone_surrogate_char`] uses is not canonical. Whatever it accepts, [`Value::parse`](crate::Value::parse) accepts too.
//!
//! Canonical means: strings whose escapes are those `JSON.stringify` writes (`\"`, `\\`, the
//! short escapes of control characters, `\u00xx` in lower case for the others; not `\/`, not
//! `\u` for any other character); numbers written as ECMAScript prints them
//! (checked syntactically: no exponent, no trailing fraction zeros, not `-0`, at most 15
//! significant digits, so the digits are the shortest round trip, and not below 1e-6);
//! `true`/`false`/`null`; arrays and objects of canonical values with no whitespace, and
//! objects with no repeated key, no array-index key (those would move) and no `__proto__`
//! key (copies assign it: it becomes the copy's prototype or is dropped).
//!
//! Three parts: [`PathSet`], the paths as a trie of keys (`path_set.rs`); the scan's working
//! memory, kept per thread between scans (`buffers.rs`); and the scanner itself
//! (`scanner.rs`). This file holds what callers see: [`Extract`], [`Raw`] and [`Kind`].

mod buffers;
mod path_set;
mod scanner;

use buffers::Buffers;
pub use path_set::PathSet;
use scanner::Scanner;

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    False,
    True,
    Number,
    String,
    Object,
    Array,
}

/// One value in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'t> {
    pub kind: Kind,
    /// The value's text, from its first to its last byte.
    pub text: &'t str,
    /// Whether `text` is what `JSON.stringify(JSON.parse(text))` prints. Always computed
    /// for scalars; for arrays and objects only on whole nodes and inside them (elsewhere
    /// `false`).
    pub canonical: bool,
}

impl<'t> Raw<'t> {
    /// The string a canonical string value without escapes holds (its text without the
    /// quotes); `None` for any other value.
    pub fn plain_str(&self) -> Option<&'t str> {
        let inner = &self.text[1..self.text.len().max(2) - 1];
        (self.kind == Kind::String && self.canonical && !inner.as_bytes().contains(&b'\\'))
            .then_some(inner)
    }

    /// JS truthiness, for the kinds it can be told without decoding: `None` for a number
    /// or string that is not canonical.
    pub fn truthy(&self) -> Option<bool> {
        match self.kind {
            Kind::Null | Kind::False => Some(false),
            Kind::True | Kind::Object | Kind::Array => Some(true),
            Kind::String => self.plain_str().map(|s| !s.is_empty()),
            // Canonical numbers have no `-0` and no NaN: only `0` is falsy.
            Kind::Number => self.canonical.then(|| self.text != "0"),
        }
    }
}

/// What one scan of a text found at the paths of a [`PathSet`].
#[derive(Debug)]
pub struct Extract<'t> {
    text: &'t str,
    buf: Buffers,
    parents_are_objects: bool,
}

impl Drop for Extract<'_> {
    fn drop(&mut self) {
        std::mem::take(&mut self.buf).give_back();
    }
}

impl<'t> Extract<'t> {
    /// Scans `text` (a whole JSON document) for the paths of `set`. `None`: the text is
    /// outside what the scan handles exactly (see the module documentation); parse it with
    /// [`Value::parse`](crate::Value::parse) instead.
    pub fn run(set: &PathSet, text: &'t str) -> Option<Extract<'t>> {
        let mut s = Scanner {
            set,
            text,
            b: text.as_bytes(),
            pos: 0,
            ws: 0,
            depth: 0,
            buf: Buffers::take(set.len()),
            parents_are_objects: true,
        };
        let ok = s.document().is_some();
        let ex = Extract {
            text,
            buf: s.buf,
            parents_are_objects: s.parents_are_objects,
        };
        ok.then_some(ex)
    }

    /// The value at `node`; `None` when the document has no value there (JS `undefined`,
    /// or a parent that is not an object).
    pub fn get(&self, node: u32) -> Option<Raw<'t>> {
        let slot = self.buf.slots.get(node as usize)?;
        let kind = slot.kind?;
        Some(Raw {
            kind,
            text: &self.text[slot.start as usize..slot.end as usize],
            canonical: slot.canonical,
        })
    }

    /// Whether every node of the set that has children holds an object or nothing: then a
    /// path's value is simply the value at its last node (absent when a parent is).
    pub fn parents_are_objects(&self) -> bool {
        self.parents_are_objects
    }

    /// The entries (key, value) of the object at a whole `node`, in document order (which
    /// is JS order when the object is canonical: no array-index keys).
    pub fn entries(&self, node: u32) -> impl Iterator<Item = (&'t str, Raw<'t>)> + '_ {
        let (from, to) = self
            .buf
            .slots
            .get(node as usize)
            .map_or((0, 0), |s| s.entries);
        self.buf.entries[from as usize..to as usize]
            .iter()
            .map(|e| {
                (
                    &self.text[e.key.0 as usize..e.key.1 as usize],
                    Raw {
                        kind: e.kind,
                        text: &self.text[e.value.0 as usize..e.value.1 as usize],
                        canonical: e.canonical,
                    },
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::path_set::{signature, signature_at};
    use super::*;
    use crate::Value;

    fn set(paths: &[&[&str]], whole: &[&[&str]]) -> PathSet {
        let mut s = PathSet::new();
        for p in paths {
            s.node(p);
        }
        for p in whole {
            let n = s.node(p);
            s.mark_whole(n);
        }
        s
    }

    /// `canonical` must imply "JSON.stringify(JSON.parse(text)) == text" (the check may
    /// be conservative); returns it.
    fn check_canonical(text: &str) -> bool {
        let s = set(&[], &[&["v"]]);
        let doc = format!("{{\"v\":{text}}}");
        let ex = Extract::run(&s, &doc).expect("scans");
        let v = ex.get(1).expect("present");
        let round = Value::parse(text).unwrap().to_json();
        assert!(!v.canonical || round == text, "{text} → {round}");
        v.canonical
    }

    #[test]
    fn canonical_matches_stringify() {
        for t in [
            "0",
            "-0",
            "1",
            "-1",
            "10",
            "1.5",
            "1.50",
            "0.1",
            "0.000001",
            "0.0000001",
            "1e3",
            "1E3",
            "123456789012345",
            "1234567890123456",
            "0.30000000000000004",
            "19.99",
            "-0.5",
            "-0.0",
            "100000000000000",
            "1.0",
            "\"a\"",
            "\"a\\/b\"",
            "\"\\u0041\"",
            "\"\\n\"",
            "\"\\u001f\"",
            "\"\\u001F\"",
            "\"\\u0008\"",
            "\"\\u000a\"",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\"a\\/b\\\"c\"",
            "\"\\b\\f\\r\\t\\\\\"",
            "true",
            "null",
            "[]",
            "{}",
            "[1,2]",
            "[1, 2]",
            "{\"a\":1}",
            "{\"a\":1,\"a\":2}",
            "{\"1\":1}",
            "{\"b\":1,\"0\":2}",
            "{\"a\":{\"b\":[1.0]}}",
            "{\"a\":{\"b\":[1.5]}}",
            "\"é\"",
            "\"\u{2028}\"",
            "123.456",
            "0.123456789012345",
            "0.1234567890123456",
        ] {
            check_canonical(t);
        }
        // What realistic events hold is recognised as canonical.
        for t in [
            "0",
            "1440",
            "-3",
            "19.99",
            "0.5",
            "2.25",
            "0.000001",
            "123456789012345",
            "\"Order Completed\"",
            "\"Uno \\\"Card\\\" Game\"",
            "\"Loves it.\\nSecond line\"",
            "\"\\u001f\\b\\f\\r\\t\\\\\"",
            "{\"name\":\"a\\\"b\",\"n\":1}",
            "\"é ✓\"",
            "true",
            "null",
            "[]",
            "{}",
            "[{\"sku\":\"a\",\"price\":1.5}]",
            "{\"a\":{\"b\":[1,\"x\",null]}}",
        ] {
            assert!(check_canonical(t), "{t}");
        }
    }

    #[test]
    fn canonical_numbers_print_as_they_are_written() {
        use proptest::prelude::*;
        proptest!(|(text in "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?")| {
            check_canonical(&text);
        });
    }

    #[test]
    fn canonical_escapes_print_as_they_are_written() {
        use proptest::prelude::*;
        proptest!(|(text in "\"([a-z é]|\\\\[\"\\\\/bfnrt]|\\\\u00[01][0-9a-fA-F]|\\\\u[0-9a-fA-F]{4})*\"")| {
            check_canonical(&text);
        });
    }

    #[test]
    fn finds_paths_and_entries() {
        let s = set(
            &[
                &["type"],
                &["context", "page", "url"],
                &["properties", "email"],
            ],
            &[&["properties"]],
        );
        let text = r#"{"type":"track","context":{"page":{"url":"https://x"},"ip":"1"},"properties":{"email":"a@b","n":[1,{"x":null}]}}"#;
        let ex = Extract::run(&s, text).unwrap();
        assert_eq!(ex.get(1).unwrap().plain_str(), Some("track"));
        let url = s.clone().node(&["context", "page", "url"]);
        assert_eq!(ex.get(url).unwrap().plain_str(), Some("https://x"));
        let props = s.clone().node(&["properties"]);
        let p = ex.get(props).unwrap();
        assert!(p.canonical);
        let keys: Vec<&str> = ex.entries(props).map(|(k, _)| k).collect();
        assert_eq!(keys, ["email", "n"]);
    }

    #[test]
    fn signatures_read_in_place_equal_computed_ones() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for at in 0..text.len() {
            for n in 0..=text.len() - at {
                assert_eq!(
                    signature_at(text.as_bytes(), at, n),
                    signature(&text[at..at + n]),
                    "{at} {n}"
                );
            }
        }
    }

    #[test]
    fn many_and_similar_keys_are_told_apart() {
        let check = |keys: &[String]| {
            let mut s = PathSet::new();
            let ids: Vec<u32> = keys.iter().map(|k| s.node(&[k])).collect();
            for (k, &id) in keys.iter().zip(&ids) {
                let text = format!("{{\"{k}\":1,\"{k}_\":2}}");
                let ex = Extract::run(&s, &text).unwrap();
                assert_eq!(ex.get(id).map(|r| r.text), Some("1"), "{k}");
            }
        };
        // Past the table size (linear search), and keys that share a signature.
        check(&(0..300).map(|i| format!("k{i}")).collect::<Vec<_>>());
        check(&["created_at_x", "created_at_y", "a", "b"].map(String::from));
        check(&(0..40).map(|i| format!("key{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn stand_in_characters_are_not_canonical() {
        // U+10F800 prints as `\ud800` in the general path, so used text holding it is not
        // copied as it is.
        let s = set(&[&["a"]], &[&["w"]]);
        let text = "{\"a\":\"x\u{10F800}\",\"w\":{\"\u{10F801}\":1},\"z\":\"\u{10F800}\"}";
        let ex = Extract::run(&s, text).unwrap();
        assert!(!ex.get(1).unwrap().canonical);
        assert!(!ex.get(2).unwrap().canonical);
        let plain = "{\"a\":\"é\u{10FFFF}\u{F0000}\"}";
        assert!(Extract::run(&s, plain).unwrap().get(1).is_some());
    }

    #[test]
    fn gives_up_where_the_full_parser_decides() {
        let s = set(&[&["a"]], &[]);
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "[1,]",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1} x",
            "\u{feff}{}",
            "{\"a\":1,\"a\":2}",
            "{\"\\u0061\":1}",
            "{\"a\":tru}",
            "{\"a\":-}",
            "{\"a\":1e}",
        ] {
            assert!(Extract::run(&s, bad).is_none(), "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(Extract::run(&s, &deep).is_none());
    }

    #[test]
    fn never_panics_on_any_text() {
        use proptest::prelude::*;
        let s = set(&[&["a"], &["a", "b"], &["c", "d"]], &[&["c"], &["e"]]);
        proptest!(ProptestConfig::with_cases(2000), |(text in any::<String>(), json in "[{}\\[\\]\",:a-e0-9\\\\. é\u{10F800}-]{0,40}")| {
            for t in [text.as_str(), json.as_str()] {
                if let Some(ex) = Extract::run(&s, t) {
                    prop_assert!(Value::parse(t).is_ok(), "{:?}", t);
                    for n in 0..s.len() as u32 {
                        let _ = ex.get(n);
                        let _ = ex.entries(n).count();
                    }
                }
            }
        });
    }

    #[test]
    fn accepts_only_what_the_full_parser_accepts() {
        use proptest::prelude::*;
        let s = set(&[&["a"], &["a", "b"]], &[&["c"]]);
        proptest!(|(text in "[\\[\\]{}\",:0-9a-fe.+\\- \\\\u]{0,24}")| {
            let doc = format!("{{\"a\":{text}}}");
            if Extract::run(&s, &doc).is_some() {
                prop_assert!(Value::parse(&doc).is_ok(), "{}", doc);
            }
        });
    }
}
