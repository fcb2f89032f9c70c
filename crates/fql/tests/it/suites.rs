//! Conformance: Segment's own destination-subscriptions suites (as JSON Lines) and the
//! case-runner `fql` cases, each with results recorded from the published package.

use std::path::PathBuf;

use usermaven_fql::{evaluate_event, generate, parse, try_validate};
use usermaven_json::Value;

/// `fixtures/peer-suites/<file>`: Segment's suites, committed with the repo (a missing file
/// fails the test rather than skipping it).
fn peer_suite(file: &str) -> PathBuf {
    usermaven_test_support::path("fixtures/peer-suites").join(file)
}

fn read_lines(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Value::parse(l).unwrap_or_else(|e| panic!("{}: bad line: {e}", path.display())))
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// Run one case of `fql.jsonl`; `Err` describes a mismatch.
fn run_peer_case(case: &Value) -> Result<(), String> {
    match s(case, "kind") {
        Some("parse") => {
            let fql = s(case, "fql").ok_or("no fql")?;
            let got = parse(fql);
            if let Some(ast) = case.get("expect_ast") {
                let t = got.map_err(|e| format!("parse error {e}"))?;
                if t.to_value() != *ast {
                    return Err(format!(
                        "ast {} != {}",
                        t.to_value().to_json(),
                        ast.to_json()
                    ));
                }
                // Parsing is stable through generate when the reference's is.
            } else if let Some(err) = case.get("expect_parse_error") {
                let e = match got {
                    Ok(t) => return Err(format!("parsed to {}", t.to_value().to_json())),
                    Err(e) => e,
                };
                if Some(e.name.as_str()) != s(err, "name")
                    || Some(e.message.as_str()) != s(err, "message")
                {
                    return Err(format!("error {e} != {}", err.to_json()));
                }
            } else {
                return Err("no expectation".into());
            }
        }
        Some("generate") => {
            let ast = case.get("ast").ok_or("no ast")?;
            let expect = case.get("expect").ok_or("no expect")?;
            match (generate(ast), s(expect, "fql")) {
                (Ok(fql), Some(want)) if fql == want => {}
                (Err(e), None)
                    if Some(e.message.as_str()) == s(expect, "error")
                        && Some(e.name.as_str()) == s(expect, "error_name") => {}
                (got, _) => return Err(format!("generate {got:?} != {}", expect.to_json())),
            }
        }
        Some("validate") => {
            let ast = case.get("ast").ok_or("no ast")?;
            let undefined = case.get("event_undefined").and_then(Value::as_bool) == Some(true);
            let event = if undefined { None } else { case.get("event") };
            let want = case
                .get("expect")
                .and_then(|e| e.get("ok"))
                .and_then(Value::as_bool)
                .ok_or("no ok")?;
            let got = try_validate(event, ast).map_err(|e| format!("validate threw {e}"))?;
            if got != want {
                return Err(format!("validate(ast) {got} != {want}"));
            }
            if let (Some(fql), Some(event)) = (s(case, "fql"), event) {
                let got = parse(fql)
                    .map_err(|e| e.to_string())?
                    .try_matches(event)
                    .map_err(|e| e.to_string())?;
                if got != want {
                    return Err(format!("validate(parse(fql)) {got} != {want}"));
                }
            }
            if let (Some(fql), Some(event)) = (s(case, "fql_approx"), event) {
                let want = case
                    .get("expect_via_fql_approx")
                    .and_then(|e| e.get("ok"))
                    .and_then(Value::as_bool)
                    .ok_or("no approx ok")?;
                let got = parse(fql)
                    .map_err(|e| e.to_string())?
                    .try_matches(event)
                    .map_err(|e| e.to_string())?;
                if got != want {
                    return Err(format!("validate(parse(fql_approx)) {got} != {want}"));
                }
            }
        }
        other => return Err(format!("unknown kind {other:?}")),
    }
    Ok(())
}

#[test]
fn peer_suite_fql_jsonl() {
    let path = peer_suite("fql.jsonl");
    let cases = read_lines(&path);
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_peer_case(case) {
            failures.push(format!("{}: {e}", s(case, "id").unwrap_or("?")));
        }
    }
    report(&"fql.jsonl", cases.len(), &failures);
    assert_eq!(cases.len(), 238);
}

/// Prints how many of `total` cases of `name` passed; fails listing every failure.
fn report(name: &dyn std::fmt::Display, total: usize, failures: &[String]) {
    eprintln!("{name}: {}/{total} passed", total - failures.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The `fql` case kind's result: `{"ok": bool}` or `{"error": message}`.
fn case_result(fql: &str, event: Option<&Value>) -> Value {
    let mut o = usermaven_json::Object::new();
    match evaluate_event(fql, event) {
        Ok(b) => o.insert("ok".into(), Value::Bool(b)),
        Err(e) => o.insert("error".into(), Value::str(&e.message)),
    }
    Value::Object(o)
}

/// Compare `evaluate_event` with the recorded results of a `*.cases.ndjson` pair.
fn run_case_pair(cases_path: &PathBuf, expected_path: &PathBuf) -> usize {
    let cases = read_lines(cases_path);
    let expected = read_lines(expected_path);
    assert_eq!(
        cases.len(),
        expected.len(),
        "case and expected counts differ"
    );
    let mut failures = Vec::new();
    for (case, want) in cases.iter().zip(&expected) {
        let id = s(case, "id").unwrap_or("?");
        assert_eq!(Some(id), s(want, "id"), "ids out of step");
        assert_eq!(s(case, "kind"), Some("fql"));
        let fql = s(case, "fql").unwrap_or("");
        // A case without an event evaluates against the reference's `undefined`.
        let event = case.get("event");
        let got = case_result(fql, event);
        let mut want = want.clone();
        if let Value::Object(o) = &mut want {
            o.remove("id");
        }
        if got != want {
            failures.push(format!(
                "{id}: {fql:?} on {} → {} != {}",
                event.map_or("undefined".to_string(), Value::to_json),
                got.to_json(),
                want.to_json()
            ));
        }
    }
    report(&cases_path.display(), cases.len(), &failures);
    cases.len()
}

#[test]
fn peer_suite_fql_cases() {
    let (c, e) = (
        peer_suite("cases/fql.cases.ndjson"),
        peer_suite("cases/fql.expected.ndjson"),
    );
    assert_eq!(run_case_pair(&c, &e), 92);
}

#[test]
fn generated_fql_cases() {
    let dir = usermaven_test_support::path("fixtures/cases");
    let (c, e) = (
        dir.join("fql.cases.ndjson"),
        dir.join("fql.expected.ndjson"),
    );
    assert!(
        c.exists() && e.exists(),
        "fixtures/cases/fql.*.ndjson missing (run reference/fql/gen-fql-cases.js)"
    );
    assert!(run_case_pair(&c, &e) >= 250);
}

/// Differential check against a dump of the reference: `fixtures/cases/fql-trees.jsonl`
/// (written by `cargo xtask reference` with `reference/fql/fuzz-fql.js`, fixed seed), or the
/// file `FQL_DIFF_CASES` names (a bigger local run). NDJSON lines `{"fql","event","tree","result":{"ok"}|{"error","name"},"gen":{"fql"}|{"error"}}`
/// (the parse tree as `JSON.stringify` prints it, `null` on a parse error).
#[test]
fn differential_dump() {
    let path = std::env::var("FQL_DIFF_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| usermaven_test_support::path("fixtures/cases/fql-trees.jsonl"));
    let lines = read_lines(&path);
    assert!(lines.len() >= 1000, "{}: too few cases", path.display());
    let mut failures = Vec::new();
    for line in &lines {
        let fql = s(line, "fql").unwrap_or("");
        let event = line.get("event").cloned().unwrap_or(Value::Null);
        let want = line.get("result").cloned().unwrap_or(Value::Null);
        let parsed = parse(fql);
        let got_result = match &parsed {
            Err(e) => format!("error {}: {}", e.name, e.message),
            Ok(t) => match t.try_matches(&event) {
                Ok(b) => format!("ok {b}"),
                Err(e) => format!("error {}: {}", e.name, e.message),
            },
        };
        let want_result = match want.get("ok").and_then(Value::as_bool) {
            Some(b) => format!("ok {b}"),
            None => format!(
                "error {}: {}",
                s(&want, "name").unwrap_or(""),
                s(&want, "error").unwrap_or("")
            ),
        };
        let got_tree = parsed
            .as_ref()
            .map(|t| t.to_value().to_json())
            .unwrap_or_else(|_| "null".into());
        let want_tree = line.get("tree").map(Value::to_json).unwrap_or_default();
        let got_gen = parsed.as_ref().ok().map(|t| match t.generate() {
            Ok(f) => format!("fql {f}"),
            Err(e) => format!("error {}", e.message),
        });
        let want_gen = line.get("gen").map(|g| match s(g, "fql") {
            Some(f) => format!("fql {f}"),
            None => format!("error {}", s(g, "error").unwrap_or("")),
        });
        if got_result != want_result || got_tree != want_tree || got_gen != want_gen {
            failures.push(format!(
                "{fql:?} on {}\n  result {got_result} / {want_result}\n  tree {got_tree} / {want_tree}\n  gen {got_gen:?} / {want_gen:?}",
                event.to_json()
            ));
        }
    }
    eprintln!(
        "differential: {}/{} agree",
        lines.len() - failures.len(),
        lines.len()
    );
    let shown: Vec<_> = failures.iter().take(15).cloned().collect();
    assert!(
        failures.is_empty(),
        "{} disagree:\n{}",
        failures.len(),
        shown.join("\n")
    );
}
