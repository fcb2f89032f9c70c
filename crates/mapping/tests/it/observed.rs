//! `Mapping::transform_observed`: the same evaluation as `transform` (every committed
//! `transform` case), with every key entered left again unless evaluation threw, each `@if`
//! reporting its branch and each template what it rendered.

use std::cell::RefCell;

use usermaven_json::Value;
use usermaven_mapping::{Mapping, NoObserver, Observer};

#[derive(Default)]
struct Log(RefCell<Vec<String>>);

impl Observer for Log {
    fn enter_key(&self, key: &str) {
        self.0.borrow_mut().push(format!("enter {key}"));
    }
    fn leave_key(&self, key: &str, value: Option<&Value>) {
        let v = value.map_or("undefined".to_string(), Value::to_json);
        self.0.borrow_mut().push(format!("leave {key} {v}"));
    }
    fn if_branch(&self, condition: bool, branch_present: bool) {
        self.0
            .borrow_mut()
            .push(format!("if {condition} {branch_present}"));
    }
    fn rendered(&self, directive: &'static str, text: &str) {
        self.0.borrow_mut().push(format!("{directive} {text}"));
    }
}

fn now() -> jiff::Timestamp {
    "2025-03-14T09:30:00Z".parse().expect("time")
}

#[test]
fn the_observer_sees_keys_branches_and_templates() {
    let mapping = Value::parse(
        r#"{"a": {"@if": {"exists": {"@path": "$.x"}, "then": "yes"}},
            "b": {"c": {"@template": "hi {{name}}"}}}"#,
    )
    .expect("mapping");
    let m = Mapping::compile(&mapping).expect("valid");
    let log = Log::default();
    let out = m
        .transform_observed(
            &Value::parse(r#"{"name":"Ann"}"#).expect("input"),
            now(),
            &log,
        )
        .expect("transforms");
    assert_eq!(
        out.map(|v| v.to_json()).as_deref(),
        Some(r#"{"b":{"c":"hi Ann"}}"#)
    );
    assert_eq!(
        log.0.into_inner(),
        vec![
            "enter a",
            "if false false",
            "leave a undefined",
            "enter b",
            "enter c",
            "@template hi Ann",
            r#"leave c "hi Ann""#,
            r#"leave b {"c":"hi Ann"}"#,
        ]
    );
}

#[test]
fn observed_transforms_equal_plain_ones_on_every_committed_case() {
    let text = usermaven_test_support::read("fixtures/cases/transform.cases.ndjson");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case = Value::parse(line).expect("case");
        let (Some(mapping), Some(input)) = (case.get("mapping"), case.get("input")) else {
            continue;
        };
        let Ok(m) = Mapping::compile(mapping) else {
            continue;
        };
        let plain = m.transform(input, now());
        let log = Log::default();
        let observed = m.transform_observed(input, now(), &log);
        assert_eq!(format!("{plain:?}"), format!("{observed:?}"), "{line}");
        assert_eq!(
            format!("{:?}", m.transform_observed(input, now(), &NoObserver)),
            format!("{plain:?}")
        );
        if plain.is_ok() {
            let log = log.0.into_inner();
            let enters = log.iter().filter(|l| l.starts_with("enter ")).count();
            let leaves = log.iter().filter(|l| l.starts_with("leave ")).count();
            assert_eq!(enters, leaves, "{line}");
        }
        n += 1;
    }
    assert!(n > 100, "only {n} cases");
}
