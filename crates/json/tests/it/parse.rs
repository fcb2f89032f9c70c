//! `Value::parse` against serde_json (a second, independent RFC 8259 parser) on generated
//! documents, plus the `JSON.parse` behaviours serde_json does not share.

use proptest::prelude::*;
use usermaven_json::Value;

/// serde_json's reading of `text` in JS terms (`None` when it rejects the text).
fn serde_reading(text: &str) -> Option<Value> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|v| Value::from_serde(&v))
}

fn check_same(text: &str) {
    let ours = Value::parse(text);
    match serde_reading(text) {
        Some(expected) => match ours {
            Ok(v) => assert_eq!(v, expected, "{text:?}"),
            Err(e) => panic!("{text:?}: serde_json accepts, we reject: {e}"),
        },
        None => assert!(ours.is_err(), "{text:?}: serde_json rejects, we accept"),
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a",
            "b",
            "type",
            "0",
            "1",
            "10",
            "01",
            "4294967295",
            "é",
            ""
        ])
        .prop_map(String::from),
        "[a-z0-9]{0,12}",
        any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        finite_number(),
        "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?",
    ]
}

/// Numbers serde_json also accepts (it rejects overflow, where JSON.parse gives Infinity).
fn finite_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f}")),
        "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,2})?",
    ]
}

/// A JSON text with arbitrary whitespace and escapes.
fn document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        finite_number(),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        any::<String>().prop_map(|s| escape_all(&s)),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key(), inner, ws()), 0..10).prop_map(|entries| {
                let body: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v, w)| {
                        format!("{w}{}{w}:{w}{v}{w}", serde_json::to_string(&k).unwrap())
                    })
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

fn ws() -> impl Strategy<Value = String> {
    "[ \t\r\n]{0,2}"
}

/// Every character as a `\u` escape (astral characters as surrogate pairs).
fn escape_all(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04X}"));
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn documents_read_as_serde_json_reads_them(doc in document(), pre in ws(), post in ws()) {
        check_same(&format!("{pre}{doc}{post}"));
    }

    #[test]
    fn strings_round_trip(s in any::<String>()) {
        let lit = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(Value::parse(&lit).unwrap(), Value::from(s.as_str()));
        prop_assert_eq!(Value::parse(&escape_all(&s)).unwrap(), Value::from(s.as_str()));
        prop_assert_eq!(Value::from(s.as_str()).to_json(), lit);
    }

    #[test]
    fn numbers_are_correctly_rounded(text in number()) {
        let expected: f64 = text.parse().unwrap();
        prop_assert_eq!(Value::parse(&text).unwrap(), Value::Number(expected));
    }

    #[test]
    fn mutated_documents_never_panic_and_agree(doc in document(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = doc.into_bytes();
        let i = at.index(bytes.len().max(1)).min(bytes.len());
        if cut {
            bytes.truncate(i);
        } else if i < bytes.len() {
            bytes[i] = byte;
        }
        if let Ok(text) = String::from_utf8(bytes) {
            // Lone surrogates and overflowing numbers are where we follow JSON.parse instead.
            if !text.contains("\\u") && !text.contains(['e', 'E']) {
                check_same(&text);
            } else {
                let _ = Value::parse(&text);
            }
        }
    }
}

#[test]
fn overflow_is_infinity_as_in_js() {
    assert_eq!(
        Value::parse("[1e400,-1e400,1e-400]").unwrap(),
        Value::Array(vec![
            Value::Number(f64::INFINITY),
            Value::Number(f64::NEG_INFINITY),
            Value::Number(0.0)
        ])
    );
    // JSON.stringify prints non-finite numbers as null.
    assert_eq!(Value::parse("1e400").unwrap().to_json(), "null");
}

#[test]
fn lone_surrogates_are_kept_as_stand_ins() {
    let v = |s: &str| Value::parse(s).unwrap();
    let lone = usermaven_json::lone_surrogate_char;
    assert_eq!(v(r#""\ud800""#), Value::from(lone(0xD800).to_string()));
    assert_eq!(
        v(r#""x\udfffy""#),
        Value::from(format!("x{}y", lone(0xDFFF)))
    );
    assert_eq!(
        v(r#""\ud83d\u0041""#),
        Value::from(format!("{}A", lone(0xD83D)))
    );
    assert_eq!(
        v(r#""\ud83d\ud83d\ude00""#),
        Value::from(format!("{}😀", lone(0xD83D)))
    );
    // ... and JSON.stringify writes them back as the escapes Node prints.
    assert_eq!(v(r#"{"k\ud83d":1}"#).to_json(), r#"{"k\ud83d":1}"#);
}

#[test]
fn js_parse_details() {
    assert_eq!(
        Value::parse("-0")
            .unwrap()
            .as_f64()
            .map(f64::is_sign_negative),
        Some(true)
    );
    assert_eq!(
        Value::parse(r#"{"a":1,"0":2,"a":3,"b":{"a":4,"a":5}}"#)
            .unwrap()
            .to_json(),
        r#"{"0":2,"a":3,"b":{"a":5}}"#
    );
    // Many keys (the duplicate filter saturates) and many duplicates.
    let keys: Vec<String> = (0..200).map(|i| format!("\"k{}\":{i}", i % 70)).collect();
    let v = Value::parse(&format!("{{{}}}", keys.join(","))).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.len(), 70);
    assert_eq!(o.get("k3"), Some(&Value::Number(143.0)));
    assert_eq!(o.keys().next().map(|k| &**k), Some("k0"));
}

#[test]
fn errors_have_positions() {
    let e = Value::parse("{\n  \"a\": tru }").unwrap_err();
    assert_eq!((e.line, e.column), (2, 11));
    for bad in [
        "",
        " ",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{1:2}",
        "01",
        "1.",
        "1e",
        "-",
        "\"\\x\"",
        "\"a\nb\"",
        "\"abc",
        "[",
        "{",
        "nul",
        "truex",
        "1 2",
        "\"\\ud800\\u12\"",
    ] {
        let e = Value::parse(bad).unwrap_err();
        assert!(e.line >= 1 && e.column >= 1, "{bad:?}: {e}");
        assert!(
            serde_json::from_str::<serde_json::Value>(bad).is_err(),
            "{bad:?}"
        );
    }
    let deep = "[".repeat(128) + &"]".repeat(128);
    assert!(Value::parse(&deep).is_ok());
    let deeper = "[".repeat(129) + &"]".repeat(129);
    assert_eq!(
        Value::parse(&deeper).unwrap_err().message,
        "recursion limit exceeded"
    );
    assert!(Value::parse(&"[".repeat(100_000)).is_err());
}
