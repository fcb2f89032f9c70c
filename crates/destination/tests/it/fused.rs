//! The fused fast path (`Destination::route_text`) against the general path (`route` on the
//! parsed event): identical results — requests, errors, generated ids — for every event we
//! have (fixtures, samples, the bench corpus, every event of the reference cases), for
//! each of them printed in other ways (pretty, with its values changed to other kinds) and
//! for generated events; and the fast path really is taken for ordinary events.

use proptest::prelude::*;
use usermaven_destination::ActionKind;
use usermaven_destination::{Destination, FixedEnv, Options, Routed, Settings, Subscription};
use usermaven_json::{Object, Str, Value};

use usermaven_test_support::{files, read};

/// Every event text we have, with where it came from.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in files("fixtures/events", ".json") {
        let v = Value::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let event = v.get("event").unwrap();
        out.push((f.display().to_string(), event.to_json()));
    }
    for name in [
        "fixtures/samples/events.ndjson",
        "fixtures/bench/track-events.ndjson",
    ] {
        for (i, line) in read(name).lines().enumerate() {
            out.push((format!("{name}:{}", i + 1), line.to_string()));
        }
    }
    for f in files("fixtures/cases", ".cases.ndjson")
        .into_iter()
        // tz-offsets repeats tz-names' events at other instants (its `now`, which this test
        // fixes): 14k events that add nothing here.
        .filter(|p| !p.to_string_lossy().ends_with("tz-offsets.cases.ndjson"))
    {
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            let Ok(case) = Value::parse(line) else {
                continue;
            };
            if let Some(event) = case.get("event") {
                out.push((format!("{}:{}", f.display(), i + 1), event.to_json()));
            }
        }
    }
    out
}

fn destinations(subs: Option<Vec<Subscription>>) -> Vec<(Destination, Destination)> {
    let mut out = Vec::new();
    for (key, token) in [("demo-key", "demo-token"), ("k{|}", "t^`\\")] {
        for fix in [false, true] {
            let settings = Settings::new(key, token);
            let fused = Options {
                fixes: usermaven_destination::Fixes {
                    fix_company_custom: fix,
                    ..Default::default()
                },
                ..Options::default()
            };
            let general = Options {
                fused: false,
                ..fused.clone()
            };
            let (a, b) = match &subs {
                None => (
                    Destination::new(settings.clone(), fused),
                    Destination::new(settings, general),
                ),
                Some(s) => (
                    Destination::with_subscriptions(settings.clone(), fused, s.clone()),
                    Destination::with_subscriptions(settings, general, s.clone()),
                ),
            };
            out.push((a, b));
        }
    }
    out
}

/// What a routing result says, compared with `==` (a `Request`'s `Debug` redacts its URL).
type Summary<'a> = (
    usize,
    &'a str,
    bool,
    Option<ActionKind>,
    &'a Result<usermaven_destination::Request, usermaven_destination::ActionError>,
);

fn summary(r: &[Routed]) -> Vec<Summary<'_>> {
    r.iter()
        .map(|r| {
            (
                r.index,
                r.subscription.as_str(),
                r.generated_id,
                r.action,
                &r.result,
            )
        })
        .collect()
}

/// Compares both paths on `text`; returns how many results came from the fast path.
fn compare(fast: &Destination, general: &Destination, text: &str, what: &str) -> usize {
    let now = "2025-03-14T09:30:00Z".parse().unwrap();
    let mut env_a = FixedEnv::new(now, 11);
    let mut env_b = FixedEnv::new(now, 11);
    let a = fast.route_text(text, &mut env_a);
    let b = Value::parse(text).map(|e| general.route(&e, &mut env_b));
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(summary(a), summary(b), "{what}\n{text}");
            assert!(b.iter().all(|r| !r.fused));
            // The id stream was used the same way.
            assert_eq!(
                usermaven_destination::Env::generate_id(&mut env_a),
                usermaven_destination::Env::generate_id(&mut env_b),
                "{what}"
            );
            a.iter().filter(|r| r.fused).count()
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "{what}");
            0
        }
        _ => panic!("{what}: {a:?} vs {b:?}\n{text}"),
    }
}

/// The event with the value at `path` replaced by `v` (objects on the way created).
fn with_value(event: &Value, path: &[&str], v: Value) -> Value {
    let mut e = event.clone();
    let mut cur = &mut e;
    for (i, k) in path.iter().enumerate() {
        let Value::Object(o) = cur else {
            return e.clone();
        };
        if i + 1 == path.len() {
            o.set(k, v);
            break;
        }
        if !matches!(o.get(k), Some(Value::Object(_))) {
            o.set(k, Value::Object(Object::new()));
        }
        cur = o.get_mut(k).unwrap();
    }
    e
}

/// Values of every kind, including the ones the guards must turn away.
fn odd_values() -> Vec<Value> {
    [
        "null",
        "\"\"",
        "0",
        "-0",
        "1.5",
        "12",
        "1e3",
        "true",
        "false",
        "\"x\"",
        "[]",
        "[1]",
        "{}",
        "{\"a\":1}",
        "\"12\"",
        "\"Europe/Paris\"",
        "\"https://a.b:8080/x\"",
        "\"\\u00e9\"",
        "1e400",
        "{\"email\":\"e\",\"1\":2}",
        // Keys special to JavaScript: copies assign `__proto__`; lookups find inherited members.
        "{\"__proto__\":{\"a\":1},\"b\":2}",
        "{\"b\":2,\"__proto__\":7}",
        "{\"__proto__\":null}",
        "{\"x\":{\"__proto__\":[1]}}",
        "[{\"__proto__\":{}}]",
        "{\"toString\":\"x\",\"valueOf\":1,\"constructor\":\"c\"}",
        "\"a\\ud83d\\ude00b\"",
        "\"\\ud83d\"",
    ]
    .iter()
    .map(|t| Value::parse(t).unwrap())
    .collect()
}

const PATHS: &[&[&str]] = &[
    &["type"],
    &["event"],
    &["userId"],
    &["anonymousId"],
    &["messageId"],
    &["timestamp"],
    &["groupId"],
    &["name"],
    &["properties"],
    &["properties", "email"],
    &["properties", "timezone"],
    &["properties", "created_at"],
    &["traits"],
    &["traits", "email"],
    &["traits", "timezone"],
    &["traits", "name"],
    &["context"],
    &["context", "personas"],
    &["context", "page"],
    &["context", "page", "url"],
    &["context", "page", "search"],
    &["context", "screen"],
    &["context", "screen", "width"],
    &["context", "screen", "density"],
    &["context", "campaign", "source"],
    &["context", "traits", "email"],
    &["context", "userAgent"],
    &["__proto__"],
    &["properties", "__proto__"],
    &["traits", "__proto__"],
    &["context", "__proto__"],
    &["context", "page", "__proto__"],
    &["properties", "constructor"],
    &["traits", "toString"],
];

#[test]
fn presets_agree_on_every_event_and_variant() {
    let corpus = corpus();
    assert!(corpus.len() > 300, "{}", corpus.len());
    let dests = destinations(None);
    let mut fused = 0;
    let mut compared = 0;
    let samples = [
        "fixtures/bench/track-events.ndjson:1",
        "fixtures/samples/events.ndjson:1",
        "fixtures/samples/events.ndjson:2",
        "fixtures/samples/events.ndjson:3",
        "fixtures/samples/events.ndjson:4",
    ];
    for (what, text) in &corpus {
        for (a, b) in &dests {
            fused += compare(a, b, text, what);
            compared += 1;
            if let Ok(v) = Value::parse(text) {
                compare(a, b, &v.to_json_pretty(), what);
            }
        }
        if samples.contains(&what.as_str()) {
            // Every odd value at every path the mappings read.
            let event = Value::parse(text).unwrap();
            let (a, b) = &dests[0];
            for path in PATHS {
                for v in odd_values() {
                    let e = with_value(&event, path, v.clone());
                    compare(
                        a,
                        b,
                        &e.to_json(),
                        &format!("{what} {path:?}={}", v.to_json()),
                    );
                }
            }
        }
    }
    // The fast path is really taken for most events.
    assert!(fused * 2 > compared, "fused {fused} of {compared}");
}

#[test]
fn user_subscriptions_agree() {
    let mut subs = Vec::new();
    for f in [
        "track-minimal.json",
        "track-unknown-keys.json",
        "identify-custom-traits.json",
    ] {
        let v = Value::parse(&read(format!("fixtures/mappings/{f}"))).unwrap();
        let mapping = v.get("mapping").cloned().unwrap_or(v.clone());
        for kind in [ActionKind::Track, ActionKind::Identify] {
            subs.push(Subscription::new(f, kind, "type = \"track\"", &mapping));
            subs.push(Subscription::new(f, kind, "type = \"identify\"", &mapping));
        }
    }
    // A plain mapping that reads an object field through a path, and one with undeclared keys.
    let plain = Value::parse(
        r#"{"event":{"@path":"$.event"},"event_attributes":{"@if":{"exists":{"@path":"$.properties"},"then":{"@path":"$.properties"},"else":{"@path":"$.traits"}}},"user_id":{"@path":"$.userId"}}"#,
    )
    .unwrap();
    subs.push(Subscription::new(
        "plain",
        ActionKind::Track,
        "type = \"track\"",
        &plain,
    ));
    // Mappings with keys and paths special to JavaScript: not plain, the general path decides.
    for m in [
        r#"{"event":{"@path":"$.event"},"__proto__":{"user_id":{"@path":"$.userId"}}}"#,
        r#"{"event":{"@path":"$.event"},"user_id":{"@path":"$.constructor.name"}}"#,
        r#"{"event":{"@path":"$.event"},"event_attributes":{"@path":"$.properties.__proto__"}}"#,
    ] {
        subs.push(Subscription::new(
            "hostile",
            ActionKind::Track,
            "type = \"track\"",
            &Value::parse(m).unwrap(),
        ));
    }
    // Plain, but without the required `user_email` of Identify User: every event fails.
    let no_email = Value::parse(r#"{"user_id":{"@path":"$.userId"}}"#).unwrap();
    subs.push(Subscription::new(
        "no-email",
        ActionKind::Identify,
        "type = \"track\"",
        &no_email,
    ));
    let mut disabled = Subscription::preset(ActionKind::Track);
    disabled.enabled = false;
    subs.push(disabled);
    let dests = destinations(Some(subs));
    let mut fused = 0;
    for (what, text) in corpus() {
        for (a, b) in &dests {
            fused += compare(a, b, &text, &what);
        }
    }
    assert!(fused > 100, "{fused}");
}

/// Triggers of every shape the FQL engine knows, on the preset mappings: the fast path
/// evaluates them on the values they read and must agree with the general path.
const TRIGGERS: &[&str] = &[
    "type = \"track\" and event = \"Order Completed\"",
    "type = \"track\" or type = \"page\"",
    "event != \"Order Completed\"",
    "type = \"identify\" and traits.email exists",
    "type = \"track\" and properties.total > 10",
    "properties.total number_equals 10.5 or properties.currency = \"USD\"",
    "contains(event, \"Order\") and !(userId = \"user-0\")",
    "context.page.url exists and context.library.name = \"analytics.js\"",
    "properties.products.0.sku exists",
    "name = \"Home\" or userId exists",
    "properties.email is_true or properties.coupon starts_with \"SP\"",
    "traits.address.city = \"Berlin\"",
    "type = \"group\" and (traits.name exists or groupId exists)",
    "properties.nested.deep.value = \"x\"",
    "type = 'track'",
    "",
    "type = ",
    "properties.constructor exists",
    "type = \"track\" and properties.__proto__ exists",
    "traits.toString.name = \"toString\" or context.valueOf exists",
    "properties.__proto__.a = 1",
];

#[test]
fn fql_triggers_agree() {
    let mut subs = Vec::new();
    for (i, t) in TRIGGERS.iter().enumerate() {
        let kind = ActionKind::PRESET_ORDER[i % 4];
        subs.push(Subscription::new(
            &format!("t{i}"),
            kind,
            t,
            &kind.action().default_mapping,
        ));
    }
    let dests = destinations(Some(subs));
    let mut fused = 0;
    for (what, text) in corpus() {
        for (a, b) in dests.iter().take(2) {
            fused += compare(a, b, &text, &what);
        }
    }
    assert!(fused > 200, "{fused}");
    // Odd values on the paths the triggers read.
    let base = read("fixtures/samples/events.ndjson");
    let (a, b) = &dests[0];
    for line in base.lines().take(8) {
        let event = Value::parse(line).unwrap();
        for path in [
            &["event"][..],
            &["properties"],
            &["properties", "total"],
            &["properties", "products"],
            &["traits"],
            &["traits", "email"],
            &["context", "page"],
            &["userId"],
            &["type"],
        ] {
            for v in odd_values() {
                let e = with_value(&event, path, v.clone());
                compare(a, b, &e.to_json(), &format!("{path:?}={}", v.to_json()));
            }
        }
    }
}

/// Object keys, some of them special to JavaScript.
fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9]{1,6}",
        1 => prop::sample::select(vec![
            "__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "length", "0",
        ])
        .prop_map(str::to_string),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1e6f64..1e6).prop_map(Value::Number),
        (0i64..100_000).prop_map(|n| Value::Number(n as f64)),
        "[a-z0-9 ./:@é]{0,12}".prop_map(|s| Value::String(Str::from(s))),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((arb_key(), inner), 0..4).prop_map(|kv| {
                let mut o = Object::new();
                for (k, v) in kv {
                    o.set(&k, v);
                }
                Value::Object(o)
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn generated_events_agree(
        base in 0usize..5,
        changes in prop::collection::vec((0usize..PATHS.len(), arb_value()), 0..6),
        pretty in any::<bool>(),
    ) {
        let text = read("fixtures/samples/events.ndjson");
        let mut event = Value::parse(text.lines().nth(base).unwrap()).unwrap();
        for (p, v) in changes {
            event = with_value(&event, PATHS[p], v);
        }
        let text = if pretty { event.to_json_pretty() } else { event.to_json() };
        let dests = destinations(None);
        let (a, b) = &dests[0];
        compare(a, b, &text, "generated");
    }
}
