//! Public API behaviour; every expected value below was observed from
//! `@segment/destination-subscriptions` 3.37.0 (see reference/fql/).

use usermaven_fql::{evaluate, generate, parse, validate, ConditionKind, Node, Trigger};
use usermaven_json::Value;

fn json(s: &str) -> Value {
    Value::parse(s).unwrap()
}

#[test]
fn parse_tree_shape_and_round_trip() {
    let t = parse(r#"type = "track" and (event = "A" or properties.total >= 100)"#).unwrap();
    assert_eq!(
        t.to_value().to_json(),
        r#"{"type":"group","operator":"and","children":[{"type":"event-type","operator":"=","value":"track"},{"type":"group","operator":"or","children":[{"type":"event","operator":"=","value":"A"},{"type":"event-property","name":"total","operator":">=","value":100}]}]}"#
    );
    assert_eq!(
        t.generate().unwrap(),
        r#"type = "track" and (event = "A" or properties.total >= 100)"#
    );
    let root = t.root().unwrap();
    assert_eq!(root.operator(), Some("and"));
    let Node::Condition(c) = &root.children()[0] else {
        panic!("condition expected")
    };
    assert_eq!(c.kind(), ConditionKind::EventType);
    assert_eq!(c.value().and_then(Value::as_str), Some("track"));
}

#[test]
fn parse_errors_are_returned() {
    let e = parse("typo").unwrap_err();
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'type')"
        )
    );
    let e = parse("type").unwrap_err();
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("Error", "Value token is missing")
    );
    assert_eq!(
        parse("contains(event").unwrap_err().message,
        "contains() is missing a 2nd argument"
    );
    assert_eq!(
        parse("((type = \"a\"))").unwrap_err().message,
        "Cannot read properties of undefined (reading 'type')"
    );
}

#[test]
fn quirks() {
    let ev = json(r#"{"type":"track","event":"Ord*er Done","properties":{"total":25,"s":"'x'"}}"#);
    // `not` is ignored.
    assert_eq!(evaluate(r#"not type = "track""#, &ev), Ok(true));
    // The last connective wins for the whole group.
    assert_eq!(
        evaluate(r#"type = "page" or type = "track" and event = "zzz""#, &ev),
        Ok(false)
    );
    // Numeric comparison with a string literal; `= 25` needs a number, `= "25"` a string.
    assert_eq!(evaluate(r#"properties.total > "20""#, &ev), Ok(true));
    assert_eq!(evaluate("properties.total = 25", &ev), Ok(true));
    assert_eq!(evaluate(r#"properties.total = "25""#, &ev), Ok(false));
    // match: `"X*"` is starts-with; anything else is ends-with minus the first character.
    assert_eq!(evaluate(r#"match(event, "Ord*er*")"#, &ev), Ok(true));
    assert_eq!(evaluate(r#"match(event, "xDone")"#, &ev), Ok(true));
    // Single quotes stay part of the value.
    assert_eq!(evaluate("properties.s = 'x'", &ev), Ok(true));
    // `()` leaves an undefined child: fatal under `and`, skipped by a short-circuiting `or`.
    assert_eq!(evaluate(r#"type = "track" or ()"#, &ev), Ok(true));
    assert_eq!(
        evaluate(r#"type = "track" and ()"#, &ev)
            .unwrap_err()
            .message,
        "Cannot read properties of undefined (reading 'type')"
    );
}

#[test]
fn evaluate_parses_then_matches() {
    let ev = json(r#"{"type":"track"}"#);
    assert_eq!(evaluate(r#"type = "track""#, &ev), Ok(true));
    assert_eq!(
        evaluate("", &ev).unwrap_err().message,
        "Cannot read properties of undefined (reading 'type')"
    );
}

#[test]
fn json_trees() {
    let tree = json(
        r#"{"type":"group","operator":"and","children":[{"type":"event-property","name":"value","operator":"number_equals","value":"123"}]}"#,
    );
    assert!(validate(&json(r#"{"properties":{"value":123}}"#), &tree));
    assert!(!validate(&json(r#"{"properties":{"value":"123"}}"#), &tree));
    assert_eq!(generate(&tree).unwrap(), "properties.value = 123");
    assert_eq!(Trigger::from_value(&tree).to_value(), tree);
    let err = json(r#"{"error":{"name":"Error","message":"boom"}}"#);
    assert!(!validate(&json("{}"), &err));
    assert_eq!(generate(&err).unwrap_err().message, "boom");
}

#[test]
fn null_event_throws_like_the_reference() {
    let t = parse(r#"properties.x = 1"#).unwrap();
    assert_eq!(
        t.try_matches(&Value::Null).unwrap_err().message,
        "Cannot read properties of null (reading 'properties')"
    );
    assert!(!t.matches(&Value::Null));
}
