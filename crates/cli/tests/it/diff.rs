//! `diff BASE HEAD [EVENTS…]`.

use crate::{bin, root, run, scratch};

fn example(p: &str) -> std::path::PathBuf {
    root().join("examples/segment-workspace").join(p)
}

fn event_files() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(example("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn diff(base: &std::path::Path, head: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let (out, text) = run(bin()
        .args(["diff", "--now", "2025-01-01T00:00:00Z"])
        .arg(base)
        .arg(head)
        .args(extra)
        .args(event_files()));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        text,
    )
}

#[test]
fn a_configuration_against_itself_differs_nowhere() {
    let config = example("config.json");
    let (code, stdout, text) = diff(&config, &config, &["--generate", "300"]);
    assert_eq!(code, 0, "{text}");
    assert!(stdout.contains("308 events compared, 0 differ"), "{stdout}");
    assert!(stdout.contains("0 changed, 0 added, 0 removed"), "{stdout}");
}

#[test]
fn one_changed_path_is_named_with_old_and_new_values() {
    let dir = scratch();
    let head = dir.path().join("head.json");
    let text = std::fs::read_to_string(example("config.json")).unwrap();
    // Orders: user_id now from anonymousId.
    let changed = text.replacen(
        r#""user_id": { "@path": "$.userId" },"#,
        r#""user_id": { "@path": "$.anonymousId" },"#,
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&head, changed).unwrap();
    let (code, stdout, all) = diff(&example("config.json"), &head, &[]);
    assert_eq!(code, 1, "{all}");
    assert!(
        stdout.contains("event events/order-completed.json")
            || stdout.contains("order-completed.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"/user/id: "u_1001" -> "a3f1c2d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d""#),
        "{stdout}"
    );
    // The anonymous Order Completed (more.ndjson:4) gains a user id.
    assert!(
        stdout.contains(r#"/user/id: (absent) -> "7d3e9f10-2b4c-4e8a-9f6d-1c2b3a4d5e6f""#),
        "{stdout}"
    );
    // Summary: the path with its count, the other subscriptions unchanged.
    let summary = stdout.split("changed paths:").nth(1).unwrap();
    assert!(summary.contains("2  /user/id"), "{stdout}");
    assert!(stdout.contains("2 changed, 0 added, 0 removed"), "{stdout}");

    // --json: the same facts for programs.
    let (code, stdout, _) = diff(&example("config.json"), &head, &["--json"]);
    assert_eq!(code, 1);
    let v = usermaven_json::Value::parse(&stdout).unwrap();
    let summary = v.get("summary").unwrap();
    assert_eq!(summary.get("changed").and_then(|n| n.as_f64()), Some(2.0));
    let paths = summary.get("paths").and_then(|p| p.as_array()).unwrap();
    assert!(paths
        .iter()
        .any(|p| p.get("path").and_then(|s| s.as_str()) == Some("/user/id")));
}

#[test]
fn requests_and_errors_appearing_and_key_order_are_reported() {
    let dir = scratch();
    let text = std::fs::read_to_string(example("config.json")).unwrap();
    // Signups disabled (its request disappears); Identify now requires a user_email the
    // anonymous identify lacks already (unchanged error) and Pricing page's keys reordered.
    let head_text = text
        .replacen(
            r#""name": "Signups",
        "actionId": "act_track_3nY8",
        "actionSlug": "track",
        "destinationId": "dst_64f0c2a91be7",
        "modelId": "",
        "enabled": true,"#,
            r#""name": "Signups",
        "actionId": "act_track_3nY8",
        "actionSlug": "track",
        "destinationId": "dst_64f0c2a91be7",
        "modelId": "",
        "enabled": false,"#,
            1,
        )
        .replacen(
            r#""user_email": { "@path": "$.traits.email" },"#,
            r#""user_email": { "@path": "$.traits.mail" },"#,
            1,
        )
        .replacen(
            r#""order_id": { "@path": "$.properties.order_id" },
            "revenue": { "@path": "$.properties.revenue" },"#,
            r#""revenue": { "@path": "$.properties.revenue" },
            "order_id": { "@path": "$.properties.order_id" },"#,
            1,
        );
    let head = dir.path().join("head.json");
    std::fs::write(&head, head_text).unwrap();
    let (code, stdout, all) = diff(&example("config.json"), &head, &[]);
    assert_eq!(code, 1, "{all}");
    assert!(
        stdout.contains("- Signups (track): request removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("! Identify customers (identify): error appeared: AggregateAjvError"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/event_attributes: key order [\"order_id\",\"revenue\""),
        "{stdout}"
    );
    assert!(stdout.contains("/event_attributes (key order)"), "{stdout}");
    assert!(stdout.contains("1 removed; errors: 1 appeared"), "{stdout}");
    // And the other way round.
    let (code, stdout, _) = diff(&head, &example("config.json"), &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("+ Signups (track): request added"),
        "{stdout}"
    );
    assert!(stdout.contains("error disappeared"), "{stdout}");
}

#[test]
fn bad_input_exits_2() {
    let dir = scratch();
    let events = dir.path().join("bad.ndjson");
    std::fs::write(&events, "{\"type\":\"track\",\"event\":\"x\"}\nnot json\n").unwrap();
    let config = example("config.json");
    let (out, text) = run(bin().args(["diff"]).arg(&config).arg(&config).arg(&events));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("bad.ndjson:2: bad input: invalid JSON"),
        "{text}"
    );
    // Read like map's inputs: a gzip file, a line of invalid UTF-8 is bad input for that line
    // alone, and the other events are still compared.
    let gz = dir.path().join("events.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut enc,
        b"{\"type\":\"group\",\"userId\":\"u\",\"groupId\":\"g\"}\n\xff\xfe\n",
    )
    .unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let (out, text) = run(bin().args(["diff"]).arg(&config).arg(&config).arg(&gz));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("events.ndjson.gz:2: bad input: invalid UTF-8"),
        "{text}"
    );
    assert!(
        text.contains("2 events compared, 0 differ, 1 bad; requests: 1 unchanged"),
        "{text}"
    );
    // A directory stands for every file under it.
    let (out, text) = run(bin()
        .args(["diff"])
        .arg(&config)
        .arg(&config)
        .arg(example("events")));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("8 events compared, 0 differ"), "{text}");
    // No events at all, or an unreadable configuration: usage errors, exit 2.
    let (out, text) = run(bin().args(["diff"]).arg(&config).arg(&config));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("--generate"), "{text}");
    let (out, _) = run(bin()
        .args(["diff", "--generate", "3"])
        .arg(&config)
        .arg(dir.path().join("missing.json")));
    assert_eq!(out.status.code(), Some(2));
}

/// The comparison itself, on two small configurations: an error that changes, and repeated
/// subscription names paired in order.
#[test]
fn errors_that_change_and_repeated_names() {
    use usermaven_actions::compare::{compare, Kind};
    use usermaven_destination::config;
    use usermaven_json::Value;
    use usermaven_snapshot::events::EventInput;
    let build = |user_id_path: &str| {
        let text = format!(
            r#"{{"settings":{{"api_key":"k","server_token":"t"}},"subscriptions":[
              {{"name":"Who","subscribe":"type = \"identify\"","partnerAction":"identify",
                "mapping":{{"user_id":{{"@path":"{user_id_path}"}},"user_email":{{"@path":"$.traits.email"}}}}}},
              {{"name":"Who","subscribe":"type = \"identify\"","partnerAction":"identify",
                "mapping":{{"user_id":{{"@path":"$.userId"}},"user_email":{{"@path":"$.traits.email"}}}}}}]}}"#
        );
        config::check(&Value::parse(&text).unwrap(), &|_| None)
            .destination
            .unwrap()
    };
    let (base, head) = (build("$.userId"), build("$.nothing"));
    let events = [EventInput {
        label: "e".into(),
        text: r#"{"type":"identify","userId":"u1"}"#.into(),
    }];
    let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let (diffs, summary) = compare(&base, &head, &events, now, 1);
    assert_eq!(summary.errors_changed, 1, "{diffs:?}");
    assert_eq!(summary.unchanged, 1);
    let p = &diffs[0].pairs[0];
    assert_eq!(
        (p.subscription.as_str(), p.kind),
        ("Who", Kind::ErrorChanged)
    );
    assert!(p.old_error.as_deref().unwrap().contains("user_email"));
    assert!(p.new_error.as_deref().unwrap().contains("user_id"), "{p:?}");
}

#[test]
fn every_changed_body_path_names_the_mapping_key_that_changed() {
    let dir = scratch();
    let head = dir.path().join("head.json");
    let text = std::fs::read_to_string(example("config.json")).unwrap();
    let changed = text.replacen(
        r#""user_id": { "@path": "$.userId" },"#,
        r#""user_id": { "@path": "$.anonymousId" },"#,
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&head, changed).unwrap();
    let (code, stdout, all) = diff(&example("config.json"), &head, &["--json"]);
    assert_eq!(code, 1, "{all}");
    let report = usermaven_json::Value::parse(&stdout).unwrap();
    let mut body_paths = 0;
    for event in report.get("events").and_then(|e| e.as_array()).unwrap() {
        for req in event.get("requests").and_then(|r| r.as_array()).unwrap() {
            let Some(fields) = req.get("fields").and_then(|f| f.as_array()) else {
                continue;
            };
            for f in fields {
                let path = f.get("path").and_then(|p| p.as_str()).unwrap();
                if !path.starts_with('/') {
                    continue;
                }
                body_paths += 1;
                let s = |k: &str| f.get(k).map(|v| v.to_json()).unwrap_or_default();
                assert_eq!(s("mapping_key"), r#""user_id""#, "{path}: {}", f.to_json());
                assert_eq!(s("old_directive"), r#"{"@path":"$.userId"}"#);
                assert_eq!(s("new_directive"), r#"{"@path":"$.anonymousId"}"#);
            }
        }
    }
    assert!(body_paths > 0, "{stdout}");
    // The text report says the same, after the values.
    let (_, text_out, _) = diff(&example("config.json"), &head, &[]);
    assert!(
        text_out.contains(
            r#"← mapping key user_id ({"@path":"$.userId"} -> {"@path":"$.anonymousId"})"#
        ),
        "{text_out}"
    );
}
