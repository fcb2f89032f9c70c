//! Differential mode (`--reference`): a seeded sample of generated events written as cases (the
//! format of `fixtures/cases/*.cases.ndjson`, see `reference/README.md`), run through Segment's
//! real code (`node reference/run-cases.js`) and through ours (`usermaven_cases`).
//! A case fails unless the result JSON is equal and every request body is byte-equal.
//!
//! A failing case is shrunk by field deletion (each round runs all single deletions through the
//! reference in one batch and keeps the first that still mismatches) and saved, with the
//! reference's result, to `fixtures/conformance/shrunk.{cases,expected}.ndjson`, which the
//! corpus stage then checks on every run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use proptest::strategy::{Strategy, ValueTree};
use usermaven_destination::ActionKind;
use usermaven_json::{Object, Value};

use super::corpus::{action_of, describe};
use super::fixtures;
use super::report::{Report, Stage};
use super::{Fixed, Options, ReferenceMode};
use usermaven_cases::same_result as same;

/// The `now` every generated case carries (the reference generator's).
pub const NOW: &str = "2024-06-15T12:00:00.000Z";

/// FNV-1a (32 bit) of the id, as `reference/gen-cases.js` seeds its cases.
pub fn seed_for(id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn settings(fixed: &Fixed) -> Value {
    let mut o = Object::new();
    o.set("api_key", Value::str(&fixed.api_key));
    o.set("server_token", Value::str(&fixed.server_token));
    Value::Object(o)
}

/// An `action` case.
pub fn action_case(
    id: &str,
    action: &str,
    event: &Value,
    mapping: Option<&Value>,
    fixed: &Fixed,
) -> Value {
    let mut o = Object::new();
    o.set("id", Value::str(id));
    o.set("kind", Value::str("action"));
    o.set("action", Value::str(action));
    o.set("event", event.clone());
    o.set("mapping", mapping.cloned().unwrap_or(Value::Null));
    o.set("settings", settings(fixed));
    o.set("now", Value::str(NOW));
    o.set("seed", Value::Number(f64::from(seed_for(id))));
    Value::Object(o)
}

/// A `route` case through the presets.
pub fn route_case(id: &str, event: &Value, fixed: &Fixed) -> Value {
    let mut o = Object::new();
    o.set("id", Value::str(id));
    o.set("kind", Value::str("route"));
    o.set("event", event.clone());
    o.set("settings", settings(fixed));
    o.set("subscriptions", Value::Null);
    o.set("now", Value::str(NOW));
    o.set("seed", Value::Number(f64::from(seed_for(id))));
    Value::Object(o)
}

fn with_event(case: &Value, id: &str, event: Value) -> Value {
    let mut c = case.as_object().cloned().unwrap_or_default();
    c.set("id", Value::str(id));
    c.set("event", event);
    c.set("seed", Value::Number(f64::from(seed_for(id))));
    Value::Object(c)
}

/// A `route` case through user-built subscriptions (`{subscribe, partnerAction, mapping}`).
pub fn route_mappings_case(
    id: &str,
    event: &Value,
    mappings: &[fixtures::MappingFixture],
    fixed: &Fixed,
) -> Value {
    let subs = mappings
        .iter()
        .map(|m| {
            let mut o = Object::new();
            o.set("subscribe", Value::str(&m.subscribe));
            o.set("partnerAction", Value::str(m.action.name()));
            o.set("mapping", m.mapping.clone());
            Value::Object(o)
        })
        .collect();
    route_through(id, event, fixed, subs)
}

/// A `route` case through the given subscriptions.
fn route_through(id: &str, event: &Value, fixed: &Fixed, subs: Vec<Value>) -> Value {
    let mut c = route_case(id, event, fixed)
        .as_object()
        .cloned()
        .unwrap_or_default();
    c.set("subscriptions", Value::Array(subs));
    Value::Object(c)
}

/// Triggers of many shapes for [`route_triggers_case`]: they exercise the FQL engine and
/// the fast path's reading of the values a trigger needs.
const TRIGGERS: &[&str] = &[
    "type = \"track\" and event = \"Order Completed\"",
    "type = \"track\" or type = \"page\"",
    "event != \"Order Completed\" and type = \"track\"",
    "type = \"identify\" and traits.email exists",
    "properties.total > 10 or properties.currency = \"USD\"",
    "contains(event, \"e\") and !(userId = \"user-0\")",
    "context.page.url exists and type = \"page\"",
    "type = \"group\" and (traits.name exists or groupId exists)",
];

/// A `route` case through subscriptions with the triggers above on the preset mappings.
pub fn route_triggers_case(id: &str, event: &Value, fixed: &Fixed) -> Value {
    let subs = TRIGGERS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let kind = ActionKind::PRESET_ORDER[i % ActionKind::PRESET_ORDER.len()];
            let mut o = Object::new();
            o.set("subscribe", Value::str(t));
            o.set("partnerAction", Value::str(kind.name()));
            o.set("mapping", kind.action().default_mapping.clone());
            Value::Object(o)
        })
        .collect();
    route_through(id, event, fixed, subs)
}

/// Is node there, and does the reference project set up?
fn prepare(root: &Path) -> Result<()> {
    let out = Command::new("node")
        .arg("--version")
        .output()
        .context("node is not installed")?;
    if !out.status.success() {
        bail!("node --version failed");
    }
    let status = Command::new("node")
        .arg(root.join("reference/setup.js"))
        .current_dir(root)
        .env("TZ", "UTC")
        .stdout(Stdio::null())
        .status()
        .context("running reference/setup.js")?;
    if !status.success() {
        bail!("reference/setup.js failed ({status})");
    }
    Ok(())
}

/// Run case lines through the reference; one result per line, in order.
pub fn run_reference(root: &Path, file: &Path, lines: &[String]) -> Result<Vec<Value>> {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(file, text)?;
    let out = Command::new("node")
        .arg(root.join("reference/run-cases.js"))
        .arg(file)
        .current_dir(root)
        .env("TZ", "UTC")
        .stderr(Stdio::inherit())
        .output()
        .context("running reference/run-cases.js")?;
    if !out.status.success() {
        bail!("reference/run-cases.js failed ({})", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Value::parse(l).map_err(|e| anyhow::anyhow!("reference output: {}", e.message)))
        .collect::<Result<_>>()?;
    if results.len() != lines.len() {
        bail!(
            "reference answered {} lines for {} cases",
            results.len(),
            lines.len()
        );
    }
    Ok(results)
}

/// Every event one deletion away from `event`: each object key and array element removed, each
/// non-empty container emptied. Shallow edits come first.
fn deletions(event: &Value) -> Vec<Value> {
    fn walk(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
        match v {
            Value::Object(o) => {
                for (k, child) in o.iter() {
                    path.push(PathStep::Key(k.to_string()));
                    out.push(path.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    out.push(path.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut paths = Vec::new();
    walk(event, &mut Vec::new(), &mut paths);
    paths.sort_by_key(Vec::len);
    paths
        .iter()
        .filter_map(|p| {
            let mut e = event.clone();
            remove_at(&mut e, p).then_some(e)
        })
        .collect()
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn remove_at(v: &mut Value, path: &[PathStep]) -> bool {
    match path {
        [] => false,
        [last] => match (v, last) {
            (Value::Object(o), PathStep::Key(k)) => o.remove(k).is_some(),
            (Value::Array(a), PathStep::Index(i)) if *i < a.len() => {
                a.remove(*i);
                true
            }
            _ => false,
        },
        [first, rest @ ..] => match (v, first) {
            (Value::Object(o), PathStep::Key(k)) => {
                o.get_mut(k).is_some_and(|c| remove_at(c, rest))
            }
            (Value::Array(a), PathStep::Index(i)) => {
                a.get_mut(*i).is_some_and(|c| remove_at(c, rest))
            }
            _ => false,
        },
    }
}

/// Shrink a mismatching case by field deletion. Returns the minimal case and the reference's
/// result for it.
fn shrink(root: &Path, scratch: &Path, case: &Value, expected: &Value) -> Result<(Value, Value)> {
    let mut best = case.clone();
    let mut best_expected = expected.clone();
    let base_id = case
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("case")
        .to_string();
    for round in 0..80 {
        let event = best.get("event").cloned().unwrap_or(Value::Null);
        let candidates: Vec<Value> = deletions(&event)
            .into_iter()
            .enumerate()
            .map(|(i, e)| with_event(&best, &format!("{base_id}~{round}.{i}"), e))
            .collect();
        if candidates.is_empty() {
            break;
        }
        let lines: Vec<String> = candidates.iter().map(Value::to_json).collect();
        let results = run_reference(root, scratch, &lines)?;
        let next = candidates
            .iter()
            .zip(&lines)
            .zip(results)
            .find(|((_, line), exp)| !same(exp, &usermaven_cases::run_line(line)));
        match next {
            Some(((c, _), exp)) => {
                best = c.clone();
                best_expected = exp;
            }
            None => break,
        }
    }
    Ok((best, best_expected))
}

/// Append a minimal case (renamed to a stable id) and its expectation to the corpus, unless an
/// equal case is already saved. Returns the saved id.
fn save(root: &Path, case: &Value, expected: &Value) -> Result<String> {
    let dir = root.join("fixtures/conformance");
    std::fs::create_dir_all(&dir)?;
    let cases_path = dir.join("shrunk.cases.ndjson");
    let expected_path = dir.join("shrunk.expected.ndjson");
    let action = action_of(case);
    let mut body = case.as_object().cloned().unwrap_or_default();
    body.remove("id");
    body.remove("seed");
    let fingerprint = seed_for(&Value::Object(body).to_json());
    let id = format!("shrunk/{action}-{fingerprint:08x}");
    let existing = std::fs::read_to_string(&cases_path).unwrap_or_default();
    if existing.lines().any(|l| {
        Value::parse(l)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(|s| s == id))
            .unwrap_or(false)
    }) {
        return Ok(id);
    }
    let case = with_event(case, &id, case.get("event").cloned().unwrap_or(Value::Null));
    // The reference's expectation for the case under its new id and seed.
    let scratch = root.join("target/conformance/save.cases.ndjson");
    let results = run_reference(root, &scratch, &[case.to_json()])?;
    let exp = results
        .into_iter()
        .next()
        .unwrap_or_else(|| expected.clone());
    append(&cases_path, &case.to_json())?;
    append(&expected_path, &exp.to_json())?;
    Ok(id)
}

fn append(path: &Path, line: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{line}")?;
    Ok(())
}

/// The cases of a run: every event fixture routed through the presets and through all
/// mapping fixtures (what the snapshots hold, so the reference vouches for them), then per
/// generated event one `action` case per action (default mapping), one with a mapping fixture
/// (round robin), one `route` case through the presets and one through subscriptions with
/// custom triggers.
pub fn generate(root: &Path, opts: &Options, fixed: &Fixed) -> Result<Vec<Value>> {
    let mappings = fixtures::mappings(root)?;
    let mut cases = Vec::new();
    for f in fixtures::events(root)? {
        cases.push(route_case(
            &format!("fixture/{}/presets", f.name),
            &f.event,
            fixed,
        ));
        cases.push(route_mappings_case(
            &format!("fixture/{}/mappings", f.name),
            &f.event,
            &mappings,
            fixed,
        ));
    }
    let strategy = usermaven_eventgen::event();
    let mut runner = usermaven_eventgen::runner(
        opts.seed,
        usermaven_eventgen::DIFFERENTIAL_STREAM,
        opts.reference_events,
    );
    for i in 0..opts.reference_events {
        let event = strategy
            .new_tree(&mut runner)
            .map_err(|e| anyhow::anyhow!("generator: {e}"))?
            .current();
        let prefix = format!("gen-{:x}/{i}", opts.seed);
        for kind in ActionKind::ALL {
            cases.push(action_case(
                &format!("{prefix}/{}", kind.name()),
                kind.name(),
                &event,
                None,
                fixed,
            ));
        }
        if !mappings.is_empty() {
            let m = &mappings[i as usize % mappings.len()];
            cases.push(action_case(
                &format!("{prefix}/mapping-{}", m.name),
                m.action.name(),
                &event,
                Some(&m.mapping),
                fixed,
            ));
        }
        cases.push(route_case(&format!("{prefix}/route"), &event, fixed));
        cases.push(route_triggers_case(
            &format!("{prefix}/route-triggers"),
            &event,
            fixed,
        ));
    }
    Ok(cases)
}

pub fn run(root: &Path, opts: &Options, report: &mut Report) -> Result<()> {
    if let Err(e) = prepare(root) {
        if opts.reference == ReferenceMode::Required {
            return Err(e.context("the differential mode needs node and the reference project"));
        }
        report.notes.push(format!("reference stage skipped: {e:#}"));
        return Ok(());
    }
    let fixed = Fixed::default();
    let cases = generate(root, opts, &fixed)?;
    let dir: PathBuf = super::report_dir(root);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("reference.cases.ndjson");
    let scratch = dir.join("shrink.cases.ndjson");
    let lines: Vec<String> = cases.iter().map(Value::to_json).collect();
    let expected = run_reference(root, &file, &lines)?;
    let mut saved = Vec::new();
    let mut shrinks_left = 5;
    for ((case, line), exp) in cases.iter().zip(&lines).zip(&expected) {
        let got = usermaven_cases::run_line(line);
        let id = case.get("id").and_then(Value::as_str).unwrap_or("");
        let action = action_of(case);
        let failure = if same(exp, &got) {
            None
        } else {
            let mut text = format!(
                "reference mismatch: case {id} (action {action})\n{}",
                describe(exp, &got)
            );
            let shrunk = if shrinks_left > 0 {
                shrinks_left -= 1;
                Some(shrink(root, &scratch, case, exp))
            } else {
                None
            };
            match shrunk {
                None => {
                    text.push_str("\n    (not shrunk: 5 mismatches were already shrunk this run)")
                }
                Some(Ok((minimal, min_exp))) => {
                    let ours = usermaven_cases::run_line(&minimal.to_json());
                    match save(root, &minimal, &min_exp) {
                        Ok(saved_id) => {
                            text.push_str(&format!(
                                "\n    minimal event: {}\n    saved as fixtures/conformance/shrunk.cases.ndjson :: {saved_id}\n{}",
                                minimal.get("event").map(Value::to_json).unwrap_or_default(),
                                describe(&min_exp, &ours)
                            ));
                            saved.push(saved_id);
                        }
                        Err(e) => text.push_str(&format!("\n    could not save: {e:#}")),
                    }
                }
                Some(Err(e)) => text.push_str(&format!("\n    could not shrink: {e:#}")),
            }
            Some(text)
        };
        report.record(Stage::Reference, &action, id, failure);
    }
    report.count("generated_reference_cases", cases.len() as u64);
    report.notes.push(format!(
        "reference: {} cases ({} from fixtures, the rest from {} generated events, seed {:#x}), {} saved minimal case(s)",
        cases.len(),
        cases.iter().filter(|c| c.get("id").and_then(Value::as_str).is_some_and(|i| i.starts_with("fixture/"))).count(),
        opts.reference_events,
        opts.seed,
        saved.len()
    ));
    Ok(())
}
