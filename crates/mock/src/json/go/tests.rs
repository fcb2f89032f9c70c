//! Unit tests for the Go JSON port. Expected texts follow Go's `encoding/json/scanner.go`
//! (`stateBeginValue`, `stateEndValue`, `quoteChar`, ...), `decode.go` (`UnmarshalTypeError`),
//! `stream.go` (`Decoder.Decode`: `unexpected EOF`, trailing data ignored) and `encode.go`
//! (`HTMLEscape`); the first case is Jitsu's own `malformed_input.json` expectation.

use super::*;
use serde_json::json;

fn err(input: &str, target: Target) -> String {
    match decode(input.as_bytes(), target) {
        Ok(v) => panic!("expected an error for {input:?}, got {v}"),
        Err(e) => e.to_string(),
    }
}

fn obj_err(input: &str) -> String {
    err(input, Target::Event)
}

fn arr_err(input: &str) -> String {
    err(input, Target::EventSlice)
}

#[test]
fn jitsu_malformed_input_expectation() {
    // Jitsu's integration test: `{ a: ... }` gives this exact text.
    assert_eq!(
        obj_err("{\n  a: 1\n}"),
        "invalid character 'a' looking for beginning of object key string"
    );
}

#[test]
fn syntax_errors_use_go_scanner_wording() {
    let cases = [
        ("{\"a\" 1}", "invalid character '1' after object key"),
        (
            "{\"a\":1 \"b\":2}",
            "invalid character '\"' after object key:value pair",
        ),
        (
            "{\"a\":1,}",
            "invalid character '}' looking for beginning of object key string",
        ),
        (
            "{,}",
            "invalid character ',' looking for beginning of object key string",
        ),
        (
            "{\"a\":}",
            "invalid character '}' looking for beginning of value",
        ),
        ("{\"a\":[1 2]}", "invalid character '2' after array element"),
        (
            "{\"a\":tru}",
            "invalid character '}' in literal true (expecting 'e')",
        ),
        (
            "{\"a\":fals}",
            "invalid character '}' in literal false (expecting 'e')",
        ),
        (
            "{\"a\":nul}",
            "invalid character '}' in literal null (expecting 'l')",
        ),
        (
            "{\"a\":nUll}",
            "invalid character 'U' in literal null (expecting 'u')",
        ),
        ("{\"a\":-}", "invalid character '}' in numeric literal"),
        (
            "{\"a\":1.}",
            "invalid character '}' after decimal point in numeric literal",
        ),
        (
            "{\"a\":1e}",
            "invalid character '}' in exponent of numeric literal",
        ),
        (
            "{\"a\":01}",
            "invalid character '1' after object key:value pair",
        ),
        (
            "{\"a\":\"\\x\"}",
            "invalid character 'x' in string escape code",
        ),
        (
            "{\"a\":\"\\u12G4\"}",
            "invalid character 'G' in \\u hexadecimal character escape",
        ),
        (
            "{\"a\":\"x\ny\"}",
            "invalid character '\\n' in string literal",
        ),
        (
            "{\"a\":'x'}",
            "invalid character '\\'' looking for beginning of value",
        ),
        (
            "{\"a\":\u{1}}",
            "invalid character '\\x01' looking for beginning of value",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(obj_err(input), want, "input {input:?}");
    }
}

#[test]
fn truncated_input_is_unexpected_eof() {
    for input in [
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":\"x",
        "{\"a\":tr",
        "{\"a\":[",
        "{\"a\":1.5e",
    ] {
        assert_eq!(obj_err(input), "unexpected EOF", "input {input:?}");
    }
    assert_eq!(arr_err("[{}"), "unexpected EOF");
    assert_eq!(arr_err("[ "), "unexpected EOF");
}

#[test]
fn trailing_data_after_the_first_value_is_ignored() {
    assert_eq!(
        decode(b"{\"a\":1} trailing garbage", Target::Event).unwrap(),
        json!({"a": 1})
    );
    assert_eq!(decode(b"[{}]]]", Target::EventSlice).unwrap(), json!([{}]));
}

#[test]
fn batch_elements_must_be_objects() {
    let t =
        |kind: &str| format!("json: cannot unmarshal {kind} into Go value of type events.Event");
    assert_eq!(arr_err("[1]"), t("number"));
    assert_eq!(arr_err("[{}, \"x\"]"), t("string"));
    assert_eq!(arr_err("[true]"), t("bool"));
    assert_eq!(arr_err("[[{}]]"), t("array"));
    // The first type error wins, but a later syntax error beats it (Go scans before decoding).
    assert_eq!(arr_err("[1, \"x\"]"), t("number"));
    assert_eq!(
        arr_err("[1, }"),
        "invalid character '}' looking for beginning of value"
    );
    // null elements decode (to a nil map in Go).
    assert_eq!(
        decode(b"[null, {}]", Target::EventSlice).unwrap(),
        json!([null, {}])
    );
    // Nested values of any type are fine.
    assert_eq!(
        decode(b"[{\"a\":[1,\"x\",true,null]}]", Target::EventSlice).unwrap(),
        json!([{"a": [1, "x", true, null]}])
    );
}

#[test]
fn values_decode_like_go() {
    let v = decode(
        br#"{"s":"a\u00e9\ud83d\ude00\n","n":-12,"f":1.5e3,"big":18446744073709551615,"b":false,"z":null,"o":{"k":[]}}"#,
        Target::Event,
    )
    .unwrap();
    assert_eq!(
        v,
        json!({"s": "a\u{e9}\u{1F600}\n", "n": -12, "f": 1500.0, "big": 18446744073709551615u64, "b": false, "z": null, "o": {"k": []}})
    );
    // Lone surrogates and invalid UTF-8 become U+FFFD, as in Go.
    let v = decode(b"{\"a\":\"\\ud800x\",\"b\":\"\xff\"}", Target::Event).unwrap();
    assert_eq!(v, json!({"a": "\u{FFFD}x", "b": "\u{FFFD}"}));
    // Duplicate keys: the last one wins.
    assert_eq!(
        decode(b"{\"a\":1,\"a\":2}", Target::Event).unwrap(),
        json!({"a": 2})
    );
    // Key order is kept.
    let v = decode(b"{\"z\":1,\"a\":2}", Target::Event).unwrap();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["z", "a"]
    );
}

#[test]
fn nesting_depth_is_limited_like_go() {
    let deep = format!("{}{}", "[".repeat(10_001), "]".repeat(10_001));
    assert_eq!(
        decode(format!("{{\"a\":{deep}}}").as_bytes(), Target::Event)
            .unwrap_err()
            .to_string(),
        "invalid character '[' exceeded max depth"
    );
    let ok = format!("{{\"a\":{}{}}}", "[".repeat(9_999), "]".repeat(9_999));
    // The decoder is iterative; converting and dropping the value are not (see `crate::deep`).
    crate::json::deep::on_stack_for(ok.as_bytes(), || {
        assert!(decode(ok.as_bytes(), Target::Event).is_ok())
    });
}

#[test]
fn quoting_matches_go() {
    assert_eq!(go_quote_rune(b' '), "\" \"");
    assert_eq!(go_quote_rune(b'\n'), "\"\\n\"");
    assert_eq!(go_quote_rune(b'x'), "\"x\"");
    assert_eq!(go_quote_rune(b'"'), "\"\\\"\"");
    assert_eq!(go_quote_rune(0x01), "\"\\x01\"");
    assert_eq!(go_quote_rune(0x7f), "\"\\x7f\"");
    assert_eq!(go_quote_rune(0x85), "\"\\u0085\"");
    assert_eq!(go_quote_rune(0xef), "\"\u{ef}\"");
    assert_eq!(quote_char(b'\''), "'\\''");
    assert_eq!(quote_char(b'"'), "'\"'");
    assert_eq!(quote_char(b'\\'), "'\\\\'");
}

#[test]
fn go_json_string_escapes_html() {
    assert_eq!(
        go_json_string("a<b>&\"\\\n\u{1}\u{2028}é"),
        "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001\\u2028é\""
    );
}
