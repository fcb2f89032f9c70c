//! `config::check_with` and `config::convert` over Segment's shapes: the same subscriptions
//! whatever the shape, locations in the file's shape, warnings apart from errors, and
//! conversions that carry everything the destination uses.

use usermaven_destination::config::{self, Inputs, Severity, Shape, Target};
use usermaven_json::Value;

fn inputs() -> Inputs<'static> {
    Inputs {
        env: &|k| (k == "UM_TOKEN").then(|| "from-env".to_string()),
        api_key: Some("flag-key".into()),
        server_token: Some("flag-token".into()),
        ignore_file_settings: false,
        fixes: Default::default(),
    }
}

const PUBLIC: &str = r#"{"data":{"subscriptions":[
  {"id":"a","name":"Orders","actionId":"x","actionSlug":"track","destinationId":"d","modelId":"","enabled":true,
   "trigger":"type = \"track\"","settings":{"event":{"@path":"$.event"},"ip":{"@path":"$.context.ip"}}},
  {"id":"b","name":"Off","actionId":"y","actionSlug":"identify","destinationId":"d","modelId":"","enabled":false,
   "trigger":"typo","settings":{}}
],"pagination":{"current":"MA==","totalEntries":2}}}"#;

#[test]
fn a_list_response_builds_its_subscriptions_with_warnings_only() {
    let v = Value::parse(PUBLIC).unwrap();
    let checked = config::check_with(&v, &inputs());
    assert_eq!(checked.shape, Some(Shape::PublicApiList));
    assert!(!checked.has_errors(), "{:?}", checked.problems);
    let warnings: Vec<String> = checked.warnings().map(|p| p.to_string()).collect();
    assert!(warnings.contains(
        &"data.subscriptions[0] \"Orders\" settings.ip: unknown field for action track (Segment drops it)"
            .to_string()
    ));
    // Every problem of the disabled subscription is a warning, marked as such.
    let off: Vec<_> = checked
        .problems
        .iter()
        .filter(|p| p.location.starts_with("data.subscriptions[1]"))
        .collect();
    assert!(off.len() >= 2, "{off:?}");
    assert!(off.iter().all(|p| p.severity == Severity::Warning));
    assert!(off
        .iter()
        .any(|p| p.message.ends_with("(subscription disabled)")));
    let dest = checked.destination.unwrap();
    let names: Vec<(&str, bool)> = dest
        .subscriptions()
        .iter()
        .map(|s| (s.name.as_str(), s.enabled))
        .collect();
    assert_eq!(names, [("Orders", true), ("Off", false)]);
}

#[test]
fn file_settings_win_over_inputs_and_keep_env_forms() {
    let v = Value::parse(
        r#"{"data":{"destination":{"id":"d","settings":{"api_key":"file-key","server_token":{"$env":"UM_TOKEN"}}},"subscriptions":[]}}"#,
    )
    .unwrap();
    let checked = config::check_with(&v, &inputs());
    assert!(!checked.has_errors(), "{:?}", checked.problems);
    let dest = checked.destination.unwrap();
    assert_eq!(dest.settings().api_key(), "file-key");
    assert_eq!(dest.settings().server_token(), "from-env");
    // The $env form survives a conversion as written.
    let presets = config::convert(&v, Target::Presets).unwrap();
    assert_eq!(
        presets
            .get("settings")
            .and_then(|s| s.get("server_token"))
            .map(Value::to_json),
        Some(r#"{"$env":"UM_TOKEN"}"#.to_string())
    );
}

#[test]
fn conversions_round_trip() {
    let v = Value::parse(PUBLIC).unwrap();
    let presets = config::convert(&v, Target::Presets).unwrap();
    let public = config::convert(&presets, Target::PublicApi).unwrap();
    assert_eq!(
        config::convert(&public, Target::Presets).unwrap().to_json(),
        presets.to_json()
    );
    let public_again = config::convert(&v, Target::PublicApi).unwrap();
    assert_eq!(
        config::convert(&public_again, Target::PublicApi)
            .unwrap()
            .to_json(),
        public_again.to_json()
    );
    // Public API → Public API keeps the ids.
    let first = &public_again
        .get("data")
        .and_then(|d| d.get("subscriptions"))
        .and_then(Value::as_array)
        .unwrap()[0];
    assert_eq!(first.get("id").and_then(Value::as_str), Some("a"));
    assert_eq!(
        first.get("actionSlug").and_then(Value::as_str),
        Some("track")
    );
}

#[test]
fn not_a_configuration_is_an_error_not_a_panic() {
    for text in [
        "1",
        "\"x\"",
        r#"{"data":1}"#,
        r#"{"data":{}}"#,
        r#"{"data":{"subscriptions":1}}"#,
        r#"{"data":{"subscription":{},"subscriptions":[]}}"#,
        r#"[1, {"actionSlug":"nope"}]"#,
        r#"{"subscriptions":[{"partnerAction":"track","trigger":"x"}]}"#,
    ] {
        let v = Value::parse(text).unwrap();
        let checked = config::check_with(&v, &inputs());
        assert!(checked.has_errors(), "{text}: {:?}", checked.problems);
    }
}

#[test]
fn a_first_page_of_many_is_a_warning() {
    let v = Value::parse(
        r#"{"data":{"subscriptions":[],"pagination":{"current":"MA==","next":"MQ==","totalEntries":120}}}"#,
    )
    .unwrap();
    let checked = config::check_with(&v, &inputs());
    assert!(!checked.has_errors(), "{:?}", checked.problems);
    let w: Vec<String> = checked.warnings().map(|p| p.to_string()).collect();
    assert!(
        w[0].starts_with("data.pagination.next: there are more subscriptions"),
        "{w:?}"
    );
    assert!(config::convert(&v, Target::Presets).is_ok());
}

/// Any JSON in any position of any shape: a checked result (never a panic), and a conversion,
/// when there is one, that checks to the same subscriptions.
#[test]
fn arbitrary_values_in_every_shape_never_panic() {
    use proptest::strategy::{Strategy, ValueTree};
    let strategy = usermaven_eventgen::event();
    let mut runner = usermaven_eventgen::runner(7, 99, 300);
    for _ in 0..300 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        let text = v.to_json();
        for wrapped in [
            text.clone(),
            format!("[{text}]"),
            format!(r#"{{"subscriptions":[{text}]}}"#),
            format!(r#"{{"data":{{"subscriptions":[{text}]}}}}"#),
            format!(r#"{{"data":{{"subscription":{text}}}}}"#),
            format!(r#"{{"data":{{"destination":{{"settings":{text}}}}}}}"#),
        ] {
            let config = Value::parse(&wrapped).unwrap();
            let checked = config::check_with(&config, &inputs());
            for to in [Target::Presets, Target::PublicApi] {
                if let Ok(converted) = config::convert(&config, to) {
                    let again = config::check_with(&converted, &inputs());
                    let names = |c: &config::Checked| {
                        c.destination.as_ref().map(|d| {
                            d.subscriptions()
                                .iter()
                                .map(|s| (s.name.clone(), s.enabled))
                                .collect::<Vec<_>>()
                        })
                    };
                    assert_eq!(names(&checked), names(&again), "{wrapped}");
                }
            }
        }
    }
}
