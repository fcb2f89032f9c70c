//! `Destination::explain` held to the real run: over every committed case of the `action`
//! and `route` kinds and over generated events, the explained values placed at their body
//! pointers, with the derived fields, rebuild the request body byte for byte, and an
//! explained error is the real run's, attributed to the field it names.

use usermaven_cases::{case_env, route_destination};
use usermaven_destination::{
    rebuild_body, ActionError, ActionKind, Destination, Explanation, FixedEnv, Options, Request,
    Settings, Subscription,
};
use usermaven_json::Value;

/// `Err` says how the explanation disagrees with the real result.
fn agrees(real: &Result<Request, ActionError>, x: &Explanation) -> Result<(), String> {
    let explained = x.result.as_ref().ok_or("the explanation has no result")?;
    match (real, explained) {
        (Ok(req), Ok(got)) => {
            if got.body != req.body || got.headers != req.headers {
                return Err(format!("request differs:\n{}\n{}", got.body, req.body));
            }
            let rebuilt = rebuild_body(&x.fields, &x.derived).ok_or("cannot rebuild")?;
            if rebuilt != req.body {
                return Err(format!("rebuilt body differs:\n{rebuilt}\n{}", req.body));
            }
        }
        (Err(e), Err(got)) => {
            if got.error.name != e.name || got.error.message != e.message {
                return Err(format!("error differs: {:?} vs {e:?}", got.error));
            }
            error_names_field(e, got.stage, got.field.as_deref(), x)?;
        }
        (real, got) => return Err(format!("real {real:?}, explained {got:?}")),
    }
    Ok(())
}

/// The field an explained error is attributed to is the one the real message names.
fn error_names_field(
    e: &ActionError,
    stage: &str,
    field: Option<&str>,
    x: &Explanation,
) -> Result<(), String> {
    match stage {
        "validation" if e.message.starts_with("The root value must be an object") => Ok(()),
        "validation" => {
            let f = field.ok_or_else(|| format!("no field for {}", e.message))?;
            // The field's own error step is one of the errors the real message joins, and a
            // root `required` error is about the field it names.
            let step = x.fields.iter().find(|xf| xf.field == f).is_some_and(|xf| {
                xf.steps.iter().any(|s| {
                    s.stage == "validation"
                        && s.note
                            .strip_prefix("error: ")
                            .is_some_and(|m| e.message.contains(m))
                })
            });
            let named = match e.message.split_once("missing the required field '") {
                Some((before, after)) if !before.contains(". ") => {
                    after.starts_with(&format!("{f}'"))
                }
                _ => true,
            };
            if named && step {
                Ok(())
            } else {
                Err(format!("field {f} is not the one {:?} names", e.message))
            }
        }
        "perform" => match (e.name.as_str(), field) {
            ("RangeError", Some("timezone")) => Ok(()),
            ("TypeError", Some("url")) if e.message == "Invalid URL" => Ok(()),
            // JSON.stringify of the body called the field's own `toJSON`, which threw.
            (_, Some(f))
                if x.fields.iter().any(|xf| {
                    xf.field == f
                        && xf
                            .value
                            .as_ref()
                            .and_then(|v| v.as_object())
                            .is_some_and(|o| o.get("toJSON").is_some())
                }) =>
            {
                Ok(())
            }
            _ => Err(format!("perform error {e:?} attributed to {field:?}")),
        },
        _ => Ok(()),
    }
}

fn check_case(case: &Value) -> Result<usize, String> {
    let Ok(mut env) = case_env(case) else {
        return Ok(0);
    };
    let mut env2 = env.clone();
    let Some(event) = case.get("event").filter(|e| e.as_object().is_some()) else {
        return Ok(0);
    };
    match case.get("kind").and_then(Value::as_str) {
        Some("action") => {
            let kind = case.get("action").and_then(Value::as_str);
            let Some(kind) = kind.and_then(ActionKind::from_name) else {
                return Ok(0);
            };
            let Some(settings) = case.get("settings") else {
                return Ok(0);
            };
            let mapping = case.get("mapping").filter(|m| m.as_object().is_some());
            let dest = Destination::new(Settings::raw(settings), Options::default());
            let real = dest.execute(kind, mapping, event, &mut env);
            let x = dest.explain_action(kind, mapping, event, &mut env2);
            agrees(&real, &x)?;
            Ok(1)
        }
        Some("route") => {
            let Ok(Ok(dest)) = route_destination(case) else {
                return Ok(0);
            };
            check_route(&dest, event, &mut env, &mut env2)
        }
        _ => Ok(0),
    }
}

fn check_route(
    dest: &Destination,
    event: &Value,
    env: &mut FixedEnv,
    env2: &mut FixedEnv,
) -> Result<usize, String> {
    let real = dest.route(event, env);
    let xs = dest.explain(event, env2);
    let matched = xs.iter().filter(|x| x.matched).count();
    if matched != real.len() {
        return Err(format!(
            "{} routed, {matched} explained as matched",
            real.len()
        ));
    }
    for r in &real {
        let x = xs
            .iter()
            .find(|x| x.index == r.index)
            .ok_or("no explanation")?;
        if !x.matched {
            return Err(format!("subscription {} routed but not matched", r.index));
        }
        agrees(&r.result, x).map_err(|e| format!("subscription {}: {e}", r.index))?;
    }
    Ok(real.len())
}

#[test]
fn explanations_rebuild_every_committed_action_and_route_case() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in ["fixtures/cases", "fixtures/peer-suites/cases"] {
        for file in usermaven_test_support::files(dir, ".cases.ndjson") {
            let text = std::fs::read_to_string(&file).expect("case file");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(case) = Value::parse(line) else {
                    continue;
                };
                match check_case(&case) {
                    Ok(n) => checked += n,
                    Err(e) => failures.push(format!(
                        "{}: {}",
                        case.get("id").map(Value::to_json).unwrap_or_default(),
                        e
                    )),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the explained results disagree:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
    assert!(checked > 500, "only {checked} results checked");
}

#[test]
fn explanations_rebuild_generated_events() {
    let dest = Destination::new(Settings::new("key", "token"), Options::default());
    let now = "2025-03-14T09:30:00Z".parse().expect("time");
    let mut checked = 0;
    for (i, event) in usermaven_eventgen::generate(18, 400).iter().enumerate() {
        let mut env = FixedEnv::new(now, i as u64);
        let mut env2 = FixedEnv::new(now, i as u64);
        checked += check_route(&dest, event, &mut env, &mut env2)
            .unwrap_or_else(|e| panic!("event {i} {}: {e}", event.to_json()));
    }
    assert!(checked > 200, "only {checked} results checked");
}

#[test]
fn the_preset_track_mapping_explains_utc_time_as_the_timestamp_path() {
    let dest = Destination::new(Settings::new("key", "token"), Options::default());
    let event = Value::parse(
        r#"{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","timestamp":"2024-06-15T11:59:59.993Z"}"#,
    )
    .expect("event");
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().expect("time"), 1);
    let xs = dest.explain(&event, &mut env);
    let track = xs
        .iter()
        .find(|x| x.action == "track" && x.matched)
        .expect("track runs");
    let utc = track
        .fields
        .iter()
        .find(|f| f.field == "utc_time")
        .expect("utc_time");
    assert_eq!(
        utc.directive,
        Some(Value::parse(r#"{"@path": "$.timestamp"}"#).expect("directive"))
    );
    assert_eq!(utc.value, Some(Value::str("2024-06-15T11:59:59.993Z")));
    assert_eq!(utc.body_pointer.as_deref(), Some("/utc_time"));
    // The trigger: the preset's `type = "track"`, decided by that comparison.
    assert_eq!(track.trigger.decided_by.len(), 1);
    assert_eq!(track.trigger.decided_by[0].fql, r#"type = "track""#);
    // The explanation as JSON has the documented keys.
    let json = track.to_value();
    for key in [
        "subscription",
        "matched",
        "trigger",
        "fields",
        "derived",
        "request",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {}", json.to_json());
    }
}

#[test]
fn a_missed_custom_trigger_names_the_failing_comparison() {
    let mapping = ActionKind::Track.action().default_mapping.clone();
    let sub = Subscription::new(
        "Orders",
        ActionKind::Track,
        r#"type = "track" and event = "Order Completed""#,
        &mapping,
    );
    let dest = Destination::with_subscriptions(
        Settings::new("key", "token"),
        Options::default(),
        vec![sub],
    );
    let event =
        Value::parse(r#"{"type":"track","event":"Order Viewed","userId":"u1"}"#).expect("event");
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().expect("time"), 1);
    let x = &dest.explain(&event, &mut env)[0];
    assert!(!x.matched);
    assert!(x.result.is_none());
    assert_eq!(x.trigger.decided_by.len(), 1);
    let d = &x.trigger.decided_by[0];
    assert_eq!(d.fql, r#"event = "Order Completed""#);
    assert_eq!(d.actual, Some(Value::str("Order Viewed")));
    assert!(!d.result);
}

#[test]
fn validation_steps_show_coercion_removal_and_additional_keys() {
    let mapping = Value::parse(
        r#"{"event": {"@path": "$.event"}, "user_id": {"@literal": 42},
            "page_title": {"@template": "{{properties.title}}"},
            "not_a_field": "x",
            "timezone": {"@if": {"exists": {"@path": "$.properties.tz"}, "then": {"@path": "$.properties.tz"}, "else": "UTC"}}}"#,
    )
    .expect("mapping");
    let dest = Destination::new(Settings::new("key", "token"), Options::default());
    let event =
        Value::parse(r#"{"type":"track","event":"Signed Up","properties":{}}"#).expect("event");
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().expect("time"), 1);
    let x = dest.explain_action(ActionKind::Track, Some(&mapping), &event, &mut env);
    let notes = |f: &str| -> Vec<String> {
        x.field(f)
            .unwrap_or_else(|| panic!("no {f}"))
            .steps
            .iter()
            .map(|s| format!("{}: {}", s.stage, s.note))
            .collect()
    };
    assert!(
        notes("user_id").contains(&r#"validation: coerced 42 → "42""#.to_string()),
        "{:?}",
        notes("user_id")
    );
    assert_eq!(
        x.field("user_id").unwrap().body_pointer.as_deref(),
        Some("/user/id")
    );
    assert!(
        notes("not_a_field")
            .iter()
            .any(|n| n.starts_with("validation: dropped as additional")),
        "{:?}",
        notes("not_a_field")
    );
    assert_eq!(x.field("not_a_field").unwrap().body_pointer, None);
    // An empty rendered template: removeEmptyValues takes the key out.
    assert!(
        notes("page_title").contains(&r#"mapping: @template rendered """#.to_string()),
        "{:?}",
        notes("page_title")
    );
    assert!(
        notes("page_title")
            .iter()
            .any(|n| n.starts_with("removeEmptyValues: removed")),
        "{:?}",
        notes("page_title")
    );
    // The branch @if took, and the zone and instant perform used for local_tz_offset.
    assert!(notes("timezone")
        .iter()
        .any(|n| n.contains("the condition is false, so the else branch")));
    let tz = x
        .derived
        .iter()
        .find(|d| d.body_pointer == "/local_tz_offset")
        .expect("offset");
    assert!(
        tz.rule
            .contains(r#"zone "UTC" at 2025-03-14T09:30:00Z (now)"#),
        "{}",
        tz.rule
    );
    let id = x
        .derived
        .iter()
        .find(|d| d.body_pointer == "/user/anonymous_id")
        .expect("id");
    assert!(id.rule.contains("generated"), "{}", id.rule);
    assert!(x.generated_id);
}

#[test]
fn an_explained_validation_error_is_the_real_one_on_its_field() {
    let mapping = Value::parse(r#"{"event": {"@path": "$.properties"}}"#).expect("mapping");
    let dest = Destination::new(Settings::new("key", "token"), Options::default());
    let event =
        Value::parse(r#"{"type":"track","event":"x","properties":{"a":1}}"#).expect("event");
    let now = "2025-03-14T09:30:00Z".parse().expect("time");
    let real = dest
        .execute(
            ActionKind::Track,
            Some(&mapping),
            &event,
            &mut FixedEnv::new(now, 1),
        )
        .expect_err("an object is not a string");
    let x = dest.explain_action(
        ActionKind::Track,
        Some(&mapping),
        &event,
        &mut FixedEnv::new(now, 1),
    );
    let Some(Err(e)) = &x.result else {
        panic!("no error")
    };
    assert_eq!(e.error.message, real.message);
    assert_eq!(e.stage, "validation");
    assert_eq!(e.field.as_deref(), Some("event"));
}
