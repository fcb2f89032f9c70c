//! The Usermaven destination's field shapes, written as [`FieldDef`]s: string fields, object
//! fields with properties (`utm`; `screen` with integer height/width and number density), a
//! free-form object (`event_attributes`), an `allowNull` string (`user_anonymous_id`),
//! required fields, and the `api_key`/`server_token` settings.
//!
//! Expected schemas, payloads and errors in `data/usermaven-reference.json` were produced by
//! the reference implementation (see its `_about`).

use usermaven_json::Value;
use usermaven_schema::{fields_to_json_schema, CompiledSchema, FieldDef, FieldType};

fn reference() -> Value {
    let text = include_str!("data/usermaven-reference.json");
    Value::parse(text).expect("reference data parses")
}

fn path(p: &str) -> Option<Value> {
    let mut o = usermaven_json::Object::new();
    o.set("@path", Value::str(p));
    Some(Value::Object(o))
}

fn field(label: &str, kind: FieldType, description: &str, default: Option<Value>) -> FieldDef {
    FieldDef {
        description: Some(description.to_string()),
        default,
        ..FieldDef::new(label, kind)
    }
}

fn string(label: &str, description: &str, at: &str) -> FieldDef {
    field(label, FieldType::String, description, path(at))
}

fn prop(label: &str, kind: FieldType, description: &str) -> FieldDef {
    field(label, kind, description, None)
}

fn if_exists(first: &str, second: &str) -> Option<Value> {
    Value::parse(&format!(
        r#"{{"@if":{{"exists":{{"@path":"{first}"}},"then":{{"@path":"{first}"}},"else":{{"@path":"{second}"}}}}}}"#
    ))
    .ok()
}

fn defaults(pairs: &[(&str, &str)]) -> Option<Value> {
    let mut o = usermaven_json::Object::new();
    for (k, p) in pairs {
        o.set(k, path(p).unwrap_or_default());
    }
    Some(Value::Object(o))
}

/// `track/index.ts` fields followed by `common-definitions.ts`.
fn track_fields() -> Vec<(String, FieldDef)> {
    let mut fields = vec![
        (
            "event",
            FieldDef {
                required: true,
                ..string("Event Name", "The event name", "$.event")
            },
        ),
        (
            "event_attributes",
            field(
                "Event Attributes",
                FieldType::Object,
                "Attributes associated with the event",
                path("$.properties"),
            ),
        ),
        (
            "user_id",
            string(
                "User id",
                "The user id, to uniquely identify the user",
                "$.userId",
            ),
        ),
        (
            "user_email",
            field(
                "Email address",
                FieldType::String,
                "The user email address",
                if_exists("$.properties.email", "$.context.traits.email"),
            ),
        ),
        (
            "user_created_at",
            field(
                "Created at",
                FieldType::String,
                "The timestamp when the user was created",
                if_exists("$.properties.created_at", "$.context.traits.created_at"),
            ),
        ),
        (
            "user_anonymous_id",
            FieldDef {
                allow_null: true,
                ..string("Anonymous ID", "User Anonymous id", "$.anonymousId")
            },
        ),
        (
            "event_id",
            string("Event ID", "The ID of the event.", "$.messageId"),
        ),
        (
            "doc_path",
            string(
                "Document Path",
                "The path of the document.",
                "$.context.page.path",
            ),
        ),
        (
            "doc_search",
            string(
                "Document Search",
                "The search query of the document.",
                "$.context.page.search",
            ),
        ),
        (
            "event_type",
            string("Event Type", "The type of the event.", "$.type"),
        ),
        (
            "page_title",
            string(
                "Page Title",
                "The title of the page where the event occurred.",
                "$.context.page.title",
            ),
        ),
        (
            "referer",
            string(
                "Referrer",
                "The referrer of the page where the event occurred.",
                "$.context.page.referrer",
            ),
        ),
        (
            "url",
            string(
                "URL",
                "The URL of the page where the event occurred.",
                "$.context.page.url",
            ),
        ),
        (
            "user_agent",
            string(
                "User Agent",
                "The user agent of the browser.",
                "$.context.userAgent",
            ),
        ),
        (
            "user_language",
            string(
                "User Language",
                "The language of the browser.",
                "$.context.locale",
            ),
        ),
        (
            "utc_time",
            string("UTC Time", "The time of the event in UTC.", "$.timestamp"),
        ),
    ];
    let utm = FieldDef {
        properties: Some(
            [
                ("source", "Source", "The source of the campaign."),
                ("medium", "Medium", "The medium of the campaign."),
                ("name", "Name", "The name of the campaign."),
                ("term", "Term", "The term of the campaign."),
                ("content", "Content", "The content of the campaign."),
            ]
            .iter()
            .map(|(k, l, d)| (k.to_string(), prop(l, FieldType::String, d)))
            .collect(),
        ),
        ..field(
            "UTM",
            FieldType::Object,
            "Information about the UTM parameters.",
            defaults(&[
                ("source", "$.context.campaign.source"),
                ("medium", "$.context.campaign.medium"),
                ("name", "$.context.campaign.name"),
                ("term", "$.context.campaign.term"),
                ("content", "$.context.campaign.content"),
            ]),
        )
    };
    let screen = FieldDef {
        properties: Some(vec![
            (
                "height".to_string(),
                prop("Height", FieldType::Integer, "The height of the screen."),
            ),
            (
                "width".to_string(),
                prop("Width", FieldType::Integer, "The width of the screen."),
            ),
            (
                "density".to_string(),
                prop("Density", FieldType::Number, "The density of the screen."),
            ),
        ]),
        ..field(
            "Screen",
            FieldType::Object,
            "Information about the screen.",
            defaults(&[
                ("height", "$.context.screen.height"),
                ("width", "$.context.screen.width"),
                ("density", "$.context.screen.density"),
            ]),
        )
    };
    fields.push(("utm", utm));
    fields.push(("screen", screen));
    fields.push((
        "timezone",
        field(
            "Timezone",
            FieldType::String,
            "The timezone of the browser.",
            if_exists("$.properties.timezone", "$.traits.timezone"),
        ),
    ));
    fields.push((
        "source_ip",
        string("IP Address", "The IP address of the user.", "$.context.ip"),
    ));
    fields
        .into_iter()
        .map(|(k, f)| (k.to_string(), f))
        .collect()
}

fn settings_fields() -> Vec<(String, FieldDef)> {
    let secret = |label: &str| FieldDef {
        required: true,
        ..prop(
            label,
            FieldType::Password,
            "Found on your general settings page.",
        )
    };
    vec![
        ("api_key".to_string(), secret("API Key")),
        ("server_token".to_string(), secret("Server Token")),
    ]
}

#[test]
fn track_fields_give_the_reference_schema() {
    let want = reference().get("track_schema").cloned().unwrap_or_default();
    assert_eq!(
        fields_to_json_schema(&track_fields()).to_json(),
        want.to_json()
    );
}

#[test]
fn settings_fields_give_the_reference_schema() {
    let want = reference()
        .get("settings_schema")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        fields_to_json_schema(&settings_fields()).to_json(),
        want.to_json()
    );
}

#[test]
fn usermaven_payloads_process_as_the_reference() {
    let reference = reference();
    let track = CompiledSchema::from_fields(&track_fields()).expect("track schema compiles");
    let settings =
        CompiledSchema::from_fields(&settings_fields()).expect("settings schema compiles");
    let identify =
        CompiledSchema::compile(reference.get("identify_schema").unwrap_or(&Value::Null))
            .expect("identify schema compiles");
    let cases = reference
        .get("cases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.get("name").and_then(Value::as_str).unwrap_or("?");
        let payload = case.get("payload").cloned().unwrap_or_default();
        let expect = case.get("expect").cloned().unwrap_or_default();
        let result = match case.get("schema").and_then(Value::as_str) {
            Some("settings") => settings.validate_settings(payload),
            Some("identify") => identify.process(payload),
            _ => track.process(payload),
        };
        match (result, expect.get("ok")) {
            (Ok(got), Some(want)) if got.to_json() == want.to_json() => {}
            (Err(e), None) => {
                let want_msg = expect
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let want_list: Vec<&str> = expect
                    .get("errors")
                    .and_then(Value::as_array)
                    .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).collect());
                let got_list: Vec<&str> = e.errors.iter().map(|x| x.message.as_str()).collect();
                if e.message != want_msg || got_list != want_list || e.name != "AggregateAjvError" {
                    failures.push(format!(
                        "{name}: got error {:?}, want {want_msg:?}",
                        e.message
                    ));
                }
            }
            (got, _) => failures.push(format!("{name}: got {got:?}, want {}", expect.to_json())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn settings_errors_carry_status_400() {
    let settings =
        CompiledSchema::from_fields(&settings_fields()).expect("settings schema compiles");
    let err = settings
        .validate_settings(Value::Object(usermaven_json::Object::new()))
        .expect_err("missing keys");
    assert_eq!(err.status, Some(400));
    assert_eq!(
        err.message,
        "The root value is missing the required field 'api_key'. The root value is missing the required field 'server_token'."
    );
}
