//! Observed evaluation: the observer sees the same evaluation (same results on every
//! committed `fql` case) and [`Decision`] names the conditions that decided.

use usermaven_fql::{parse, Decision, NoObserver};
use usermaven_json::Value;

fn decided(fql: &str, event: &str) -> (bool, Vec<(String, Option<String>, bool)>) {
    let t = parse(fql).expect("parses");
    let event = Value::parse(event).expect("event");
    let mut d = Decision::new();
    let result = t.try_matches_observed(&event, &mut d).expect("evaluates");
    let by = d
        .decided_by()
        .into_iter()
        .map(|x| (x.fql, x.actual.map(|v| v.to_json()), x.result))
        .collect();
    (result, by)
}

#[test]
fn a_failed_event_comparison_is_named_with_the_value_read() {
    let (result, by) = decided(
        r#"type = "track" and event = "Order Completed""#,
        r#"{"type":"track","event":"Order Viewed"}"#,
    );
    assert!(!result);
    assert_eq!(
        by,
        vec![(
            r#"event = "Order Completed""#.to_string(),
            Some(r#""Order Viewed""#.to_string()),
            false
        )]
    );
}

#[test]
fn an_or_is_decided_by_its_first_true_child_and_a_true_and_by_all() {
    let (result, by) = decided(
        r#"type = "identify" or (type = "track" and properties.total > 20)"#,
        r#"{"type":"track","properties":{"total":25}}"#,
    );
    assert!(result);
    let names: Vec<&str> = by.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(names, vec![r#"type = "track""#, "properties.total > 20"]);
    let (result, by) = decided(
        r#"type = "identify" or type = "group""#,
        r#"{"type":"page"}"#,
    );
    assert!(!result);
    assert_eq!(by.len(), 2);
    assert!(by
        .iter()
        .all(|b| b.1.as_deref() == Some(r#""page""#) && !b.2));
}

#[test]
fn an_undefined_value_reads_as_none() {
    let (_, by) = decided("properties.missing exists", r#"{"type":"track"}"#);
    assert_eq!(
        by,
        vec![("properties.missing != null".to_string(), None, false)]
    );
}

/// Every committed `fql` case: observing changes nothing, with or without the observer.
#[test]
fn observed_evaluation_gives_the_plain_result_on_every_committed_case() {
    let text = usermaven_test_support::read("fixtures/cases/fql.cases.ndjson");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case = Value::parse(line).expect("case");
        let (Some(fql), Some(event)) = (case.get("fql").and_then(Value::as_str), case.get("event"))
        else {
            continue;
        };
        let Ok(t) = parse(fql) else { continue };
        let plain = t.try_matches(event);
        let mut d = Decision::new();
        let observed = t.try_matches_observed(event, &mut d);
        assert_eq!(plain, observed, "{line}");
        assert_eq!(t.try_matches_observed(event, &mut NoObserver), plain);
        if plain.is_ok() {
            // The conditions that decided are among those evaluated.
            let all = d.evaluated();
            assert!(d.decided_by().iter().all(|x| all.contains(x)), "{line}");
        }
        n += 1;
    }
    assert!(n > 100, "only {n} cases");
}
