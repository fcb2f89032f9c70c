use super::*;

fn rt(s: &str) -> String {
    Value::parse(s).unwrap().to_json()
}

#[test]
fn js_key_order_and_duplicates() {
    assert_eq!(
        rt(r#"{"b":1,"2":2,"a":3,"1":4,"b":5}"#),
        r#"{"1":4,"2":2,"b":5,"a":3}"#
    );
    assert_eq!(
        rt(r#"{"10":1,"9":2,"01":3,"4294967295":4,"4294967294":5}"#),
        r#"{"9":2,"10":1,"4294967294":5,"01":3,"4294967295":4}"#
    );
}

#[test]
fn js_numbers() {
    assert_eq!(
        rt("[9007199254740993,1E21,-0,1.0,12345678901234567890,0.1,1e-7,123e-20,5e-324]"),
        "[9007199254740992,1e+21,0,1,12345678901234567000,0.1,1e-7,1.23e-18,5e-324]"
    );
}

#[test]
fn js_strings() {
    assert_eq!(
        rt(r#""a\"b\\c\n\u0001\u007f\u2028é""#),
        "\"a\\\"b\\\\c\\n\\u0001\u{7f}\u{2028}é\""
    );
}

#[test]
fn delete_keeps_order() {
    let mut v = Value::parse(r#"{"a":1,"b":2,"c":3,"0":0}"#).unwrap();
    v.as_object_mut().unwrap().remove("b");
    v.as_object_mut().unwrap().set("b", Value::Number(9.0));
    v.as_object_mut().unwrap().set("5", Value::Number(5.0));
    assert_eq!(v.to_json(), r#"{"0":0,"5":5,"a":1,"c":3,"b":9}"#);
}

#[test]
fn pretty_matches_stringify_indent_2() {
    let v = Value::parse(r#"{"a":[],"b":{},"c":[1,{"d":null}]}"#).unwrap();
    assert_eq!(v.to_json_pretty(), "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ]\n}");
}

#[test]
fn to_js_string() {
    let v = Value::parse(r#"[1,null,"x",[2,3],{"a":1},true,1.5e300]"#).unwrap();
    assert_eq!(v.to_js_string(), "1,,x,2,3,[object Object],true,1.5e+300");
}

#[test]
fn stringify_escapes_and_integers() {
    let s = "plain long enough to use words \"q\" \\ \u{1} \u{1f}\n\r\t\u{8}\u{c}/é😀\u{7f}";
    assert_eq!(
        Value::from(s).to_json(),
        "\"plain long enough to use words \\\"q\\\" \\\\ \\u0001 \\u001f\\n\\r\\t\\b\\f/é😀\u{7f}\""
    );
    assert_eq!(
        rt("[0,-1,7,10,123456789012345,-999999999999999,1e15,-5e-7]"),
        "[0,-1,7,10,123456789012345,-999999999999999,1000000000000000,-5e-7]"
    );
}

#[test]
fn lone_surrogates_round_trip_as_js_escapes() {
    // JSON.parse → JSON.stringify in Node keeps lone surrogates as escapes; pairs join.
    assert_eq!(rt(r#""a\ud800b""#), r#""a\ud800b""#);
    assert_eq!(rt(r#""\udfff""#), r#""\udfff""#);
    assert_eq!(rt(r#""\ud83d\ude00""#), "\"\u{1F600}\"");
    assert_eq!(rt(r#""\ud83d\ud83d\ude00""#), "\"\\ud83d\u{1F600}\"");
    assert_eq!(rt(r#"{"\udc00k":"\n\ud800"}"#), r#"{"\udc00k":"\n\ud800"}"#);
}

#[test]
fn string_bytes_are_the_strings_bytes() {
    use proptest::prelude::*;
    let same = |s: &str| {
        let mut text = String::from("x");
        write_js_string(&mut text, s);
        let mut bytes = b"x".to_vec();
        write_js_string_bytes(&mut bytes, s);
        assert_eq!(bytes, text.as_bytes(), "{s:?}");
    };
    let body = Value::parse(r#"{"a":"q\"b\\c\n\u0001é/","b":[1,{"c":"\ud800"}]}"#).unwrap();
    for s in [
        "",
        "a",
        "\"",
        "12345678",
        "1234567\"",
        "\"1234567",
        "\u{1}\u{1f}\u{8}\u{c}\n\r\t\u{7f}",
        "é😀 \u{2028}",
        &body.to_json(),
        &lone_surrogate_char(0xd800).to_string(),
        &format!("{}{}", "abc\"def\\".repeat(9), lone_surrogate_char(0xdfff)),
    ] {
        same(s);
    }
    proptest!(|(s in any::<String>(), t in "[\"\\\\a-z\u{0}-\u{1f}é]{0,40}")| {
        same(&s);
        same(&t);
    });
}
