//! The `map`, `config check` and `describe` commands, run as a user would run them.

use crate::{bin, root, scratch};

const TOKEN: &str = "sEcReT-server-token-123";

#[test]
fn map_streams_requests_and_names_bad_lines() {
    let out = bin()
        .args(["map", "--api-key", "demo-key", "--server-token", TOKEN])
        .args(["--now", "2025-03-14T09:30:00Z", "--seed", "1"])
        .arg(root().join("fixtures/samples/mixed.ndjson"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // Line 9 is not JSON: reported by number, and the lines after it still flow.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<usermaven_json::Value> = stdout
        .lines()
        .map(|l| usermaven_json::Value::parse(l).unwrap())
        .collect();
    let line_of = |v: &usermaven_json::Value| v.get("line").and_then(|l| l.as_f64()).unwrap();
    let bad: Vec<_> = lines
        .iter()
        .filter(|v| v.get("error").is_some() && v.get("action").is_none())
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(line_of(bad[0]), 9.0);
    assert!(
        lines.iter().any(|v| line_of(v) == 10.0),
        "line 10 still mapped"
    );
    // Requests for lines 1-5 (screen and alias match no preset).
    let requested: Vec<f64> = lines
        .iter()
        .filter(|v| v.get("request").is_some())
        .map(line_of)
        .collect();
    assert_eq!(requested, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    // The token never appears; URLs are redacted.
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert!(stdout.contains("token=REDACTED"));
}

#[test]
fn map_is_deterministic_for_now_and_seed() {
    let run = || {
        bin()
            .args([
                "map",
                "--api-key",
                "k",
                "--server-token",
                "t",
                "--now",
                "2025-01-01T00:00:00Z",
            ])
            .args(["--seed", "42"])
            .arg(root().join("fixtures/samples/mixed.ndjson"))
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn config_check_reports_every_problem_with_its_location() {
    let scratch = scratch();
    let dir = scratch.path();
    let file = dir.join("bad.json");
    std::fs::write(
        &file,
        r#"{"settings":{"api_key":"k","server_token":{"$env":"UM_TEST_UNSET_VAR"}},
            "subscriptions":[
              {"name":"Orders","subscribe":"event = \"Order Completed\"","partnerAction":"track",
               "mapping":{"event":{"@path":"$.event"},"screen":"big","bogus":1}},
              {"name":"Who","subscribe":"typo","partnerAction":"identify",
               "mapping":{"user_id":{"@path":"$.userId","@literal":1},"user_email":{"@path":"$.traits.email"}}},
              {"name":"X","subscribe":"type = \"page\"","partnerAction":"pageview","mapping":{}}
            ]}"#,
    )
    .unwrap();
    let out = bin()
        .args(["config", "check"])
        .arg(&file)
        .env_remove("UM_TEST_UNSET_VAR")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in [
        "settings.server_token: environment variable UM_TEST_UNSET_VAR is not set",
        "subscriptions[0] \"Orders\" mapping.screen: Screen: must be an object",
        "subscriptions[0] \"Orders\" mapping.bogus: unknown field for action track",
        "subscriptions[1] \"Who\" subscribe: invalid trigger",
        "subscriptions[1] \"Who\" mapping: /user_id should only have one @-prefixed key but it has 2 keys.",
        "subscriptions[2] \"X\" partnerAction: unknown action \"pageview\"",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn config_check_accepts_a_good_config_and_map_uses_it() {
    let scratch = scratch();
    let dir = scratch.path();
    let file = dir.join("good.json");
    std::fs::write(
        &file,
        r#"{"settings":{"api_key":"k","server_token":"${UM_TEST_TOKEN}"},
            "subscriptions":[
              {"name":"Orders only","subscribe":"type = \"track\" and event = \"Order Completed\"",
               "partnerAction":"track","mapping":{"event":{"@path":"$.event"},"user_id":{"@path":"$.userId"}}}
            ]}"#,
    )
    .unwrap();
    let out = bin()
        .args(["config", "check"])
        .arg(&file)
        .env("UM_TEST_TOKEN", "tok")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = bin()
        .args([
            "map",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "1",
            "--config",
        ])
        .arg(&file)
        .arg(root().join("fixtures/samples/mixed.ndjson"))
        .env("UM_TEST_TOKEN", "tok")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let requests: Vec<&str> = text.lines().filter(|l| l.contains("\"request\"")).collect();
    assert_eq!(requests.len(), 1, "{text}");
    assert!(requests[0].contains("\"subscription\":\"Orders only\""));
}

#[test]
fn describe_json_has_the_metadata_shape() {
    let out = bin().args(["describe", "--json"]).output().unwrap();
    let v = usermaven_json::Value::parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let keys: Vec<String> = v
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "slug",
            "name",
            "mode",
            "authentication",
            "audienceConfig",
            "actions",
            "presets"
        ]
    );
    let track = v.get("actions").and_then(|a| a.get("track")).unwrap();
    let event = track.get("fields").and_then(|f| f.get("event")).unwrap();
    assert_eq!(event.get("required").and_then(|r| r.as_bool()), Some(true));
    assert_eq!(
        v.get("presets").and_then(|p| p.as_array()).map(Vec::len),
        Some(4)
    );
}

fn map_args(cmd: &mut std::process::Command) -> &mut std::process::Command {
    cmd.args(["map", "--api-key", "k", "--server-token", TOKEN])
        .args(["--now", "2025-03-14T09:30:00Z", "--seed", "1"])
        .arg(root().join("fixtures/samples/mixed.ndjson"))
}

#[test]
fn pretty_output_has_a_header_per_request_and_the_bodies_indented_in_order() {
    let ndjson = map_args(&mut bin()).output().unwrap();
    let pretty = map_args(&mut bin())
        .args(["--format", "pretty"])
        .output()
        .unwrap();
    assert_eq!(pretty.status.code(), ndjson.status.code());
    let pretty = String::from_utf8(pretty.stdout).unwrap();
    assert!(!pretty.contains(TOKEN));
    let headers: Vec<&str> = pretty.lines().filter(|l| l.starts_with("── ")).collect();
    let lines: Vec<usermaven_json::Value> = String::from_utf8(ndjson.stdout)
        .unwrap()
        .lines()
        .map(|l| usermaven_json::Value::parse(l).unwrap())
        .collect();
    assert_eq!(headers.len(), lines.len(), "{pretty}");
    let mut rest = pretty.as_str();
    for (h, v) in headers.iter().zip(&lines) {
        let n = v.get("line").and_then(|n| n.as_f64()).unwrap();
        match v.get("request") {
            Some(req) => {
                let sub = v.get("subscription").and_then(|s| s.as_str()).unwrap();
                let action = v.get("action").and_then(|s| s.as_str()).unwrap();
                assert!(
                    h.starts_with(&format!("── line {n} · {sub} · {action} ─")),
                    "{h}"
                );
                // The body, indented, keys in the order of the body text.
                let body = req.get("body").and_then(|b| b.as_str()).unwrap();
                let indented = usermaven_json::Value::parse(body).unwrap().to_json_pretty();
                let at = rest
                    .find(&indented)
                    .expect("indented body follows its header");
                rest = &rest[at + indented.len()..];
            }
            None => assert!(h.starts_with(&format!("── line {n} · ")), "{h}"),
        }
    }
}

#[test]
fn output_goes_to_a_file_and_never_over_an_input() {
    let scratch = scratch();
    let out_file = scratch.path().join("requests.ndjson");
    let to_stdout = map_args(&mut bin()).output().unwrap();
    let to_file = map_args(&mut bin())
        .arg("--output")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(to_file.status.code(), to_stdout.status.code());
    assert!(to_file.stdout.is_empty());
    assert_eq!(std::fs::read(&out_file).unwrap(), to_stdout.stdout);

    let input = scratch.path().join("in.ndjson");
    std::fs::copy(root().join("fixtures/samples/mixed.ndjson"), &input).unwrap();
    let clash = bin()
        .args(["map", "--api-key", "k", "--server-token", "t", "-o"])
        .arg(&input)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(clash.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        std::fs::read(root().join("fixtures/samples/mixed.ndjson")).unwrap(),
        "the input is untouched"
    );

    // cases too.
    let cases = root().join("fixtures/cases/action-track.cases.ndjson");
    let cases_out = scratch.path().join("results.ndjson");
    let a = bin().arg("cases").arg(&cases).output().unwrap();
    let b = bin()
        .arg("cases")
        .arg(&cases)
        .arg("-o")
        .arg(&cases_out)
        .output()
        .unwrap();
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)));
    assert!(!a.stdout.is_empty() && b.stdout.is_empty());
    assert_eq!(std::fs::read(&cases_out).unwrap(), a.stdout);
}
