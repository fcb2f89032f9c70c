//! The result shape of each case kind, on small cases whose answers the reference gives
//! (`reference/README.md`, "Contract").

use usermaven_cases::run_line;

#[test]
fn fql_cases_answer_ok_or_the_message() {
    assert_eq!(
        run_line(r#"{"id":"a","kind":"fql","fql":"type = \"track\"","event":{"type":"track"}}"#)
            .to_json(),
        r#"{"id":"a","ok":true}"#
    );
    assert_eq!(
        run_line(r#"{"id":"b","kind":"fql","fql":"","event":{"type":"track"}}"#).to_json(),
        r#"{"id":"b","error":"Cannot read properties of undefined (reading 'type')"}"#
    );
}

#[test]
fn transform_cases_mark_undefined() {
    assert_eq!(
        run_line(r#"{"id":"t","kind":"transform","mapping":{"@path":"$.nope"},"input":{}}"#)
            .to_json(),
        r#"{"id":"t","ok":null,"undefined":true}"#
    );
}

#[test]
fn malformed_cases_are_invalid_cases() {
    let v = run_line("{");
    assert_eq!(v.get("id"), Some(&usermaven_json::Value::Null));
    let e = v.get("error").unwrap();
    assert_eq!(e.get("name").and_then(|n| n.as_str()), Some("InvalidCase"));
    let message = e.get("message").and_then(|m| m.as_str()).unwrap();
    assert!(message.starts_with("line 1: "), "{message}");
    let v = run_line(r#"{"id":"x","kind":"nope"}"#);
    assert_eq!(
        v.to_json(),
        r#"{"id":"x","error":{"name":"InvalidCase","message":"unknown kind: \"nope\"","status":null}}"#
    );
}

#[test]
fn results_agree_only_with_byte_equal_bodies() {
    use usermaven_cases::{request_bodies, same_result};
    use usermaven_json::Value;
    let parse = |s: &str| Value::parse(s).unwrap();
    let a = parse(r#"{"id":"r","matches":[{"index":0,"ok":{"body":"{\"a\":1,\"b\":2}"}}]}"#);
    let b = parse(r#"{"id":"r","matches":[{"index":0,"ok":{"body":"{\"b\":2,\"a\":1}"}}]}"#);
    assert_eq!(request_bodies(&a), [r#"{"a":1,"b":2}"#]);
    assert!(same_result(&a, &a.clone()));
    assert!(!same_result(&a, &b));
}
