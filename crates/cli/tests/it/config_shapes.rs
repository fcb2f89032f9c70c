//! `config check`, `config convert` and `--config` on Segment's Public API shapes.

use std::path::Path;

use crate::{bin, root, run, scratch};

const NOW: &str = "2025-03-01T00:00:00Z";

fn map_with(config: &str, extra: &[&str]) -> (std::process::Output, String) {
    run(bin()
        .args(["map", "--now", NOW, "--seed", "5", "--config"])
        .arg(root().join(config))
        .args(extra)
        .arg(root().join("fixtures/samples/events.ndjson")))
}

#[test]
fn public_api_list_with_flags_maps_exactly_like_the_preset_shape() {
    let public = "fixtures/configs/public-api-list.json";
    let flags = [
        "--api-key",
        "um_live_equivalence",
        "--server-token",
        "equivalence-token",
    ];
    // config check: passes, warnings listed apart (the dropped key, the disabled subscription).
    let (out, text) = run(bin()
        .args(["config", "check"])
        .arg(root().join(public))
        .args(flags));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Public API list of subscriptions"), "{text}");
    let warnings = text.split("warnings:").nth(1).unwrap_or("");
    assert!(
        warnings.contains(
            "data.subscriptions[0] \"Orders\" settings.ip: unknown field for action track (Segment drops it)"
        ),
        "{text}"
    );
    assert!(
        warnings.contains("data.subscriptions[3] \"Old pages\" trigger: invalid trigger"),
        "{text}"
    );
    assert!(!text.contains("errors:"), "{text}");
    // --deny-warnings turns them into a failure.
    let (out, _) = run(bin()
        .args(["config", "check", "--deny-warnings"])
        .arg(root().join(public))
        .args(flags));
    assert_eq!(out.status.code(), Some(1));

    // map: byte-identical to the hand-written preset shape of the same subscriptions (which
    // leaves out the key Segment drops and the disabled subscription).
    let (a, a_text) = map_with(public, &flags);
    let (b, b_text) = map_with("fixtures/configs/presets-equivalent.json", &[]);
    assert_eq!(a.status.code(), Some(0), "{a_text}");
    assert_eq!(b.status.code(), Some(0), "{b_text}");
    assert!(!a.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    let requests = String::from_utf8_lossy(&a.stdout)
        .lines()
        .filter(|l| l.contains("\"request\""))
        .count();
    assert!(requests > 50, "{requests} requests");
    // The warning is printed once, and the run goes on.
    let stderr = String::from_utf8_lossy(&a.stderr);
    assert_eq!(
        stderr.matches("settings.ip: unknown field").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn without_settings_or_flags_the_missing_settings_are_named() {
    let (out, text) = run(bin()
        .args(["config", "check"])
        .arg(root().join("fixtures/configs/public-api-list.json")));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("api_key: missing: not in the file; pass --api-key"),
        "{text}"
    );
    assert!(text.contains("server_token: missing"), "{text}");
}

#[test]
fn every_shape_is_recognised() {
    let dir = scratch();
    let sub_public = r#"{"id":"s1","name":"Orders","actionId":"a","actionSlug":"track","destinationId":"d","modelId":"","enabled":true,"trigger":"type = \"track\"","settings":{"event":{"@path":"$.event"},"user_id":{"@path":"$.userId"},"bogus":1}}"#;
    let sub_preset = r#"{"name":"Orders","subscribe":"type = \"track\"","partnerAction":"track","mapping":{"event":{"@path":"$.event"},"bogus":1}}"#;
    let cases = [
        (
            "single.json",
            format!(r#"{{"data":{{"subscription":{sub_public}}}}}"#),
            "Public API subscription",
            "data.subscription \"Orders\" settings.bogus",
        ),
        (
            "array-public.json",
            format!("[{sub_public}]"),
            "array of subscriptions",
            "[0] \"Orders\" settings.bogus",
        ),
        (
            "array-presets.json",
            format!("[{sub_preset}]"),
            "array of subscriptions",
            "[0] \"Orders\" mapping.bogus",
        ),
        (
            "destination.json",
            r#"{"data":{"destination":{"id":"d","name":"Usermaven","enabled":true,"metadata":{},"sourceId":"src","settings":{"api_key":"k","server_token":{"$env":"UM_SHAPES_TOKEN"},"extra":1}}}}"#.to_string(),
            "Public API destination",
            "data.destination.settings.extra: unknown setting",
        ),
        (
            "bare-destination.json",
            r#"{"id":"d","name":"Usermaven","enabled":true,"sourceId":"src","settings":{"api_key":"k","server_token":"${UM_SHAPES_TOKEN}","extra":1}}"#.to_string(),
            "Public API destination",
            "settings.extra: unknown setting",
        ),
    ];
    for (name, text, shape, warning) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (out, report) = run(bin()
            .args(["config", "check", "--api-key", "k", "--server-token", "t"])
            .arg(&path)
            .env("UM_SHAPES_TOKEN", "tok"));
        assert_eq!(out.status.code(), Some(0), "{name}: {report}");
        assert!(report.contains(shape), "{name}: {report}");
        let warnings = report.split("warnings:").nth(1).unwrap_or("");
        assert!(warnings.contains(warning), "{name}: {report}");
    }
    // A subscription mixing both shapes' keys is an error at its location.
    let path = dir.path().join("mixed.json");
    std::fs::write(
        &path,
        r#"{"data":{"subscriptions":[{"name":"X","actionSlug":"track","subscribe":"type = \"track\"","settings":{}}]}}"#,
    )
    .unwrap();
    let (out, report) = run(bin()
        .args(["config", "check", "--api-key", "k", "--server-token", "t"])
        .arg(&path));
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("data.subscriptions[0]: mixes the preset shape"),
        "{report}"
    );
}

#[test]
fn config_convert_round_trips_between_the_shapes() {
    let dir = scratch();
    let convert = |file: &std::path::Path, to: &str| -> String {
        let (out, text) = run(bin().args(["config", "convert", "--to", to]).arg(file));
        assert_eq!(out.status.code(), Some(0), "{text}");
        String::from_utf8(out.stdout).unwrap()
    };
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // Public API → presets → Public API gives back the Public API form, ids included only
    // where the shape can hold them; presets → Public API → presets gives back the presets.
    let public = root().join("examples/segment-workspace/config.json");
    let p1 = convert(&public, "public-api");
    let as_presets = write("presets.json", &convert(&public, "presets"));
    let back = write("back.json", &convert(&as_presets, "public-api"));
    let pres2 = convert(&back, "presets");
    assert_eq!(pres2, std::fs::read_to_string(&as_presets).unwrap());
    // Everything the destination uses survives: the same requests from each form.
    let p1_path = write("p1.json", &p1);
    let events = root().join("examples/segment-workspace/events");
    let files: Vec<_> = std::fs::read_dir(&events)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for other in [&as_presets, &back, &p1_path] {
        let (out, text) = run(bin()
            .args(["diff", "--now", NOW])
            .arg(&public)
            .arg(other)
            .args(&files));
        assert_eq!(out.status.code(), Some(0), "{}: {text}", other.display());
        assert!(text.contains("0 differ"), "{text}");
    }
    // The preset shape keeps settings ($env forms as written) and options through the trip.
    let with_settings = write(
        "settings.json",
        r#"{"settings":{"api_key":"k","server_token":{"$env":"UM_TOKEN"}},"subscriptions":[{"name":"A","subscribe":"type = \"track\"","partnerAction":"track","enabled":false,"mapping":{"event":{"@path":"$.event"}}}],"options":{"fix_company_custom":true}}"#,
    );
    let public2 = write("public2.json", &convert(&with_settings, "public-api"));
    let text = std::fs::read_to_string(&public2).unwrap();
    assert!(text.contains("\"destination\""), "{text}");
    assert!(text.contains("\"$env\": \"UM_TOKEN\""), "{text}");
    let again = convert(&public2, "presets");
    let original = convert(&with_settings, "presets");
    assert_eq!(again, original);
    let v = usermaven_json::Value::parse(&again).unwrap();
    assert_eq!(
        v.get("options").and_then(|o| o.get("fix_company_custom")),
        Some(&usermaven_json::Value::Bool(true))
    );
    assert_eq!(
        v.get("subscriptions")
            .and_then(|s| s.as_array())
            .and_then(|s| s[0].get("enabled")),
        Some(&usermaven_json::Value::Bool(false))
    );
}

/// The command line's `--fix-…` flags apply over a configuration file's `options`, the same as
/// the option written in the file (they used to be ignored once `--config` was given).
#[test]
fn fix_flags_apply_over_a_configuration_file() {
    let dir = scratch();
    let events = dir.path().join("events.ndjson");
    // A summer event replayed in winter: its New York offset at the event's time (240, in the
    // reference's sign convention) is not the offset at `now` (300).
    std::fs::write(
        &events,
        r#"{"type":"track","event":"Played","userId":"u1","messageId":"m1","timestamp":"2024-07-04T12:00:00.000Z","properties":{"timezone":"America/New_York"}}"#,
    )
    .unwrap();
    // Settings only: the four presets apply.
    let preset = dir.path().join("presets.json");
    std::fs::write(
        &preset,
        r#"{"settings":{"api_key":"um_live_flags","server_token":"flags-token"}}"#,
    )
    .unwrap();
    let with_option = dir.path().join("with-option.json");
    std::fs::write(
        &with_option,
        r#"{"settings":{"api_key":"um_live_flags","server_token":"flags-token"},"options":{"tz_offset_at_event_time":true}}"#,
    )
    .unwrap();

    let map = |config: &Path, extra: &[&str]| {
        let (out, text) = run(bin()
            .args(["map", "--now", NOW, "--seed", "5", "--config"])
            .arg(config)
            .args(extra)
            .arg(&events));
        assert_eq!(out.status.code(), Some(0), "{text}");
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = map(&preset, &[]);
    let flagged = map(&preset, &["--tz-offset-at-event-time"]);
    let in_file = map(&with_option, &[]);
    assert!(plain.contains(r#"\"local_tz_offset\":300"#), "{plain}");
    assert!(flagged.contains(r#"\"local_tz_offset\":240"#), "{flagged}");
    assert_eq!(flagged, in_file);
}
