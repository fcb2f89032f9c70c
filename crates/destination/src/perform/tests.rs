//! The one-pass body writer against the `Object`-based specification: same bytes, same
//! errors, same `Env` calls, on every payload the fixture cases produce and on random
//! payloads built from the keys request-params.ts reads.

use std::path::PathBuf;

use proptest::prelude::*;
use usermaven_json::{Object, Str, Value};

use super::{body_by_object, body_writer, doc_host, plain_host, url_host};
use crate::{ActionKind, Env, FixedEnv, Options, Settings};

fn now() -> jiff::Timestamp {
    "2024-06-15T12:00:00Z".parse().unwrap()
}

/// Runs both implementations; `true` when the fast one applied.
fn check(kind: ActionKind, payload: &Object, settings: &Settings, options: &Options) -> bool {
    let mut slow_env = FixedEnv::new(now(), 99);
    let mut fast_env = slow_env.clone();
    let slow = body_by_object(kind, payload.clone(), settings, options, &mut slow_env);
    let Some(fast) = body_writer::body(kind, payload, settings, options, &mut fast_env) else {
        let first = payload.keys().next().map(|k| k.to_string());
        assert!(
            first.as_deref().is_some_and(usermaven_json::is_array_index)
                || payload
                    .values()
                    .any(|v| v.is_skipped_member() || body_writer::has_own_to_json(v)),
            "the fast path declined a payload without array-index keys, functions or own toJSON: {}",
            Value::Object(payload.clone()).to_json()
        );
        return false;
    };
    assert_eq!(
        fast,
        slow,
        "{kind:?} on {}",
        Value::Object(payload.clone()).to_json()
    );
    // Both consumed the same number of generated ids.
    assert_eq!(fast_env.generate_id(), slow_env.generate_id());
    true
}

/// Every action kind, with and without a settings api_key, with and without the
/// fixes (company.custom, time-zone offset at the event's time, local midnight).
fn check_all(payload: &Object, raw_settings: Option<&Value>) -> usize {
    let mut settings = vec![Settings::new("k", "t")];
    if let Some(s) = raw_settings {
        settings.push(Settings::raw(s));
    }
    settings.push(Settings {
        api_key: None,
        server_token: None,
    });
    let mut fast = 0;
    for kind in ActionKind::ALL {
        for s in &settings {
            for fix in [false, true] {
                let options = Options {
                    fixes: crate::Fixes {
                        fix_company_custom: fix,
                        tz_offset_at_event_time: fix,
                        fix_tz_midnight: fix,
                    },
                    ..Options::default()
                };
                fast += usize::from(check(kind, payload, s, &options));
            }
        }
    }
    fast
}

/// The committed case files (a missing directory, or one without cases, fails the test).
fn case_files() -> Vec<PathBuf> {
    ["fixtures/cases", "fixtures/peer-suites/cases"]
        .into_iter()
        .flat_map(|dir| usermaven_test_support::files(dir, ".cases.ndjson"))
        // tz-offsets repeats tz-names' payloads at other instants (its `now`, which this test
        // fixes): 14k payloads that add nothing here.
        .filter(|p| !p.to_string_lossy().ends_with("tz-offsets.cases.ndjson"))
        .collect()
}

/// The payloads a case yields: each action's validated payload for its event (through the
/// case's mapping or the defaults), the raw transform output, and the event itself.
fn payloads_of(case: &Value) -> Vec<Object> {
    let mut out = Vec::new();
    let mut push = |v: Option<Value>| {
        if let Some(Value::Object(o)) = v {
            out.push(o);
        }
    };
    let event = case.get("event").or_else(|| case.get("input"));
    let Some(event) = event else {
        return out;
    };
    push(Some(event.clone()));
    let mapping = case
        .get("mapping")
        .filter(|m| matches!(m, Value::Object(_)));
    for kind in ActionKind::ALL {
        let action = kind.action();
        let transformed = match mapping {
            Some(m) => usermaven_mapping::Mapping::compile(m)
                .ok()
                .and_then(|m| m.transform(event, now()).ok().flatten()),
            None => action
                .compiled_default
                .transform_observed(event, now(), &usermaven_mapping::NoObserver)
                .ok()
                .flatten(),
        };
        push(transformed.clone());
        push(
            action
                .schema
                .process_traced(transformed, &mut crate::explain::NoTrace)
                .ok(),
        );
    }
    out
}

#[test]
fn fast_body_matches_the_object_spec_on_every_fixture_payload() {
    let mut fast = 0;
    let mut payloads = 0;
    for file in case_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(case) = Value::parse(line) else {
                continue;
            };
            let settings = case.get("settings").filter(|s| s.as_object().is_some());
            for payload in payloads_of(&case) {
                payloads += 1;
                fast += check_all(&payload, settings);
            }
        }
    }
    // The fixtures hold a few thousand payloads; nearly all take the fast path.
    assert!(payloads > 2000, "only {payloads} payloads");
    assert!(fast > payloads * 10, "fast path taken {fast} times");
}

/// Keys request-params.ts reads, keys it writes, and a few others (array indices included).
const KEYS: &[&str] = &[
    "api_key",
    "ids",
    "doc_encoding",
    "src",
    "screen_resolution",
    "url",
    "doc_host",
    "screen",
    "vp_size",
    "timezone",
    "local_tz_offset",
    "event",
    "event_type",
    "user",
    "user_id",
    "user_anonymous_id",
    "user_email",
    "user_first_name",
    "user_last_name",
    "user_custom_attributes",
    "user_created_at",
    "company",
    "company_id",
    "company_name",
    "company_created_at",
    "company_custom_attributes",
    "event_attributes",
    "page_title",
    "a\"b",
    "email",
    "0",
    "7",
    "01",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0.0),
            Just(1.0),
            Just(-2.5),
            Just(1440.0),
            Just(f64::NAN),
            Just(1e21)
        ]
        .prop_map(Value::Number),
        prop_oneof![
            Just(""),
            Just("x"),
            Just("ab\u{1F355}"),
            Just("https://www.example.com:8443/p?q=1"),
            Just("http://[::1]:80/"),
            Just("mailto:a@b.c"),
            Just("not a url"),
            Just("Europe/Berlin"),
            Just("America/St_Johns"),
            Just("UTC"),
            Just("Mars/Olympus"),
            Just("2024-06-15T12:00:00Z"),
        ]
        .prop_map(Value::str),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "width",
                        "height",
                        "email",
                        "created_at",
                        "first_name",
                        "name",
                        "company_id",
                        "x",
                        "3",
                    ]),
                    inner
                ),
                0..5
            )
            .prop_map(|entries| {
                let mut o = Object::new();
                for (k, v) in entries {
                    o.insert(Str::from(k), v);
                }
                Value::Object(o)
            }),
        ]
    })
}

/// Values that make the key's step do something (a valid URL, zone, screen…) half the time.
fn value_for(key: &'static str) -> BoxedStrategy<Value> {
    let typical: Vec<Value> = match key {
        "url" => vec![
            Value::str("https://www.example.com/p?q=1"),
            Value::str("HTTP://Example.COM:8080/a"),
            Value::str("file:///tmp/x"),
        ],
        "timezone" => vec![
            Value::str("Europe/Berlin"),
            Value::str("Asia/Kolkata"),
            Value::str("Etc/GMT+5"),
        ],
        "screen" => vec![
            Value::parse(r#"{"width":1440,"height":900,"density":2}"#).unwrap(),
            Value::parse(r#"{"height":"7","width":1.5}"#).unwrap(),
            Value::parse(r#"{"width":0,"height":900}"#).unwrap(),
        ],
        "event" | "user_anonymous_id" | "company_id" => {
            vec![Value::str("Signed Up"), Value::Number(42.0)]
        }
        "user_custom_attributes" | "company_custom_attributes" | "event_attributes" => vec![
            Value::parse(r#"{"email":"e","a":1,"created_at":"c","name":"n","first_name":"f"}"#)
                .unwrap(),
            Value::parse(r#"{"company_id":1,"company_created_at":2,"last_name":3,"z":[]}"#)
                .unwrap(),
        ],
        _ => vec![Value::str("v")],
    };
    prop_oneof![value(), prop::sample::select(typical)].boxed()
}

fn payload() -> impl Strategy<Value = Object> {
    let entry = prop::sample::select(KEYS).prop_flat_map(|k| (Just(k), value_for(k)));
    prop::collection::vec(entry, 0..14).prop_map(|entries| {
        let mut o = Object::new();
        for (k, v) in entries {
            o.insert(Str::from(k), v);
        }
        o
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn fast_body_matches_the_object_spec_on_random_payloads(p in payload()) {
        check_all(&p, None);
    }
}

/// Payloads longer than the writer's remembered classifications, special keys past the end.
#[test]
fn fast_body_matches_on_long_payloads() {
    for extra in 30..40 {
        let mut o = Object::new();
        for i in 0..extra {
            o.insert(Str::from(format!("k{i}")), Value::Number(f64::from(i)));
        }
        for (k, v) in [
            ("event", Value::str("Signed Up")),
            ("api_key", Value::str("own")),
            ("screen", Value::parse(r#"{"width":3,"height":4}"#).unwrap()),
            ("vp_size", Value::Null),
            ("user_email", Value::str("e")),
            ("company_id", Value::Number(1.0)),
            (
                "event_attributes",
                Value::parse(r#"{"email":1,"b":2}"#).unwrap(),
            ),
        ] {
            o.insert(Str::from(k), v);
        }
        assert!(check_all(&o, None) > 0);
    }
}

#[test]
fn plain_host_agrees_with_the_url_parser() {
    let url_crate = |s: &str| url::Url::parse(s).ok().map(|u| url_host(&u));
    proptest!(ProptestConfig::with_cases(4000), |(s in "(https?|HTTPS?|ftp|ws|http:/)(://|:/|:///)[a-zA-Z0-9.\\-@:%_\\[\\]é]{0,14}([/?#\\\\ ][ -~]{0,10})?[ \t]?")| {
        if let Some(h) = plain_host(&s) {
            prop_assert_eq!(Some(h.to_string()), url_crate(&s), "{}", s);
        }
        prop_assert_eq!(doc_host(&s).map(|h| h.into_owned()), url_crate(&s), "{}", s);
    });
    for (s, h) in [
        ("https://www.example.com/?utm_source=x", "www.example.com"),
        ("http://localhost", "localhost"),
        ("https://a-b.c0.io#x", "a-b.c0.io"),
        (
            "https://shop.example.co.uk/p/1?q=%20a",
            "shop.example.co.uk",
        ),
    ] {
        assert_eq!(plain_host(s), Some(h));
        assert_eq!(url_crate(s).as_deref(), Some(h));
    }
    for s in [
        "https://EXAMPLE.com",
        "https://a.com:443",
        "https://u@a.com",
        "https://1.2.3.4/",
        "https://a..b/",
        "https://xn--nxasmq6b.com/",
        "https:///a.com",
        " https://a.com",
        "https://a.com/\t",
        "https://a.0x1f/",
        "https://-a.com",
        "https://a.com\\b",
        "https://a.com./",
    ] {
        assert_eq!(plain_host(s), None, "{s}");
    }
}

/// The time-zone fixes, on both implementations: the offset at the payload's `utc_time`
/// (falling back to now when it is missing or not a date-time), and local midnight read as
/// hour 0.
#[test]
fn time_zone_fixes() {
    let body = |payload: &str, options: &Options, now: &str| {
        let Value::Object(p) = Value::parse(payload).unwrap() else {
            panic!("object")
        };
        let now: jiff::Timestamp = now.parse().unwrap();
        let mut env = FixedEnv::new(now, 1);
        let slow = body_by_object(
            ActionKind::Track,
            p.clone(),
            &Settings::new("k", "t"),
            options,
            &mut env,
        )
        .unwrap();
        let mut env = FixedEnv::new(now, 1);
        let fast = body_writer::body(
            ActionKind::Track,
            &p,
            &Settings::new("k", "t"),
            options,
            &mut env,
        )
        .unwrap()
        .unwrap();
        assert_eq!(fast, slow);
        let v = Value::parse(&fast).unwrap();
        v.get("local_tz_offset").unwrap().to_json()
    };
    let reference = Options::default();
    let at_event = Options {
        fixes: crate::Fixes {
            tz_offset_at_event_time: true,
            ..Default::default()
        },
        ..Options::default()
    };
    let midnight = Options {
        fixes: crate::Fixes {
            fix_tz_midnight: true,
            ..Default::default()
        },
        ..Options::default()
    };
    let winter = r#"{"event":"e","timezone":"Europe/Amsterdam","utc_time":"2024-01-10T09:00:00.000Z","user_anonymous_id":"a"}"#;
    let summer_now = "2024-06-15T12:00:00Z";
    assert_eq!(body(winter, &reference, summer_now), "-120");
    assert_eq!(body(winter, &at_event, summer_now), "-60");
    // An old event, in the 1930s: ICU's history for Amsterdam (no backzone) is Brussels'
    // (Belgian summer time, +1:00; Amsterdam's own was +1:19:32). Node 20 prints -60 too.
    let old = r#"{"event":"e","timezone":"Europe/Amsterdam","utc_time":"1937-07-01T09:00:00Z","user_anonymous_id":"a"}"#;
    assert_eq!(body(old, &at_event, summer_now), "-60");
    for unusable in [
        r#"{"event":"e","timezone":"Europe/Amsterdam","user_anonymous_id":"a"}"#,
        r#"{"event":"e","timezone":"Europe/Amsterdam","utc_time":"yesterday","user_anonymous_id":"a"}"#,
    ] {
        assert_eq!(body(unusable, &at_event, summer_now), "-120");
    }
    // Local midnight in Amsterdam (22:00Z in summer): the reference's hour "24".
    let at_midnight = "2024-06-14T22:00:00Z";
    let a_minute_later = "2024-06-14T22:01:00Z";
    let tz = r#"{"event":"e","timezone":"Europe/Amsterdam","user_anonymous_id":"a"}"#;
    assert_eq!(body(tz, &reference, at_midnight), "-1560");
    assert_eq!(body(tz, &reference, a_minute_later), "null");
    assert_eq!(body(tz, &midnight, at_midnight), "-120");
    assert_eq!(body(tz, &midnight, a_minute_later), "-120");
}

/// A `#` in a setting: the fragment stays in the request URL (the exact serializations are
/// checked against the reference by the `settings` cases), and the redacted URL hides all
/// of the token, fragment included.
#[test]
fn fragment_stays_in_the_url_and_is_redacted() {
    let options = Options::default();
    for (key, token) in [
        ("key#frag", "tok3n-secret"),
        ("k#a b'c{d}", "srv_s3cret"),
        ("k3y-secret", "t#ok3n-secret"),
        ("#", "#"),
    ] {
        let (url, host) = super::request_url(&Settings::new(key, token), &options);
        assert_eq!(host, "events.usermaven.com");
        let url = url.expose().to_string();
        assert!(url.contains('#'), "{url}");
        let redacted = crate::redact_url(&url);
        for secret in [key, token]
            .iter()
            .flat_map(|s| s.split(['#', ' ', '\'', '{', '}']))
            .filter(|p| p.len() >= 3)
        {
            assert!(!redacted.contains(secret), "{redacted} shows {secret}");
        }
        assert!(redacted.ends_with("token=REDACTED#REDACTED"), "{redacted}");
    }
}
