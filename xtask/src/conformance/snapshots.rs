//! Snapshots: every event fixture × every subscription that applies (the four presets through
//! routing, plus each mapping fixture whose trigger matches), rendered as the exact request
//! (redacted URL, headers, pretty body in original key order) or the Segment-style error, and
//! checked against `snapshots/*.snap` with insta's own machinery.

use std::path::{Path, PathBuf};

use usermaven_destination::{
    ActionError, Destination, FixedEnv, Options, Request, Routed, Settings, Subscription,
};
use usermaven_json::Value;

use super::diff;
use super::fixtures::{EventFixture, MappingFixture};
use super::report::{Report, Stage};
use super::Fixed;

/// One rendered snapshot.
#[derive(Clone, Debug)]
pub struct Produced {
    /// Index into the event fixtures.
    pub fixture: usize,
    pub fixture_name: String,
    /// The action name (`track`, …) or `routing` for an event no preset matched.
    pub action: String,
    /// `preset Track Event` or `mapping track-liquid`.
    pub subscription: String,
    /// Snapshot name (file `snapshots/<name>.snap`).
    pub name: String,
    pub content: String,
    /// The request, when the subscription produced one.
    pub request: Option<Request>,
}

/// The text of a request: method and redacted URL, headers, blank line, pretty body.
pub fn request_text(r: &Request) -> String {
    let mut s = format!("{} {}\n", r.method, r.redacted_url());
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    match Value::parse(&r.body) {
        Ok(v) => s.push_str(&v.to_json_pretty()),
        Err(_) => s.push_str(&r.body),
    }
    s.push('\n');
    s
}

/// The text of an error: name, status, message.
pub fn error_text(e: &ActionError) -> String {
    let status = e.status.map(|s| s.to_string()).unwrap_or("null".into());
    format!(
        "error: {}\nstatus: {status}\nmessage: {}\n",
        e.name,
        e.message.replace('\n', "\\n")
    )
}

fn render(
    fixture: &EventFixture,
    subscription: &str,
    result: &Result<Request, ActionError>,
) -> String {
    let mut s = format!(
        "fixture: {}\nsubscription: {subscription}\n\n",
        fixture.path
    );
    match result {
        Ok(r) => s.push_str(&request_text(r)),
        Err(e) => s.push_str(&error_text(e)),
    }
    s
}

/// Compare a routed result with a fresh compile of the same mapping (`execute` with
/// `Some(mapping)`): both must give the same request or the same error (name and message).
pub fn same_outcome(
    routed: &Result<Request, ActionError>,
    fresh: &Result<Request, ActionError>,
) -> Option<String> {
    match (routed, fresh) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(a), Err(b)) if a.name == b.name && a.message == b.message => None,
        (a, b) => Some(format!(
            "compiled (route): {}\nfresh compile (execute): {}",
            outcome_line(a),
            outcome_line(b)
        )),
    }
}

pub fn outcome_line(r: &Result<Request, ActionError>) -> String {
    match r {
        Ok(r) => format!("{} {}", r.redacted_url(), r.body),
        Err(e) => e.to_string(),
    }
}

/// Every snapshot the fixtures produce, plus compiled-vs-fresh checks recorded in `report`.
pub fn produce(
    events: &[EventFixture],
    mappings: &[MappingFixture],
    fixed: &Fixed,
    report: &mut Report,
) -> Vec<Produced> {
    let settings = Settings::new(fixed.api_key.clone(), fixed.server_token.clone());
    let presets = Destination::new(settings.clone(), Options::default());
    let mapped: Vec<Destination> = mappings
        .iter()
        .map(|m| {
            Destination::with_subscriptions(
                settings.clone(),
                Options::default(),
                vec![Subscription::new(
                    &m.name,
                    m.action,
                    &m.subscribe,
                    &m.mapping,
                )],
            )
        })
        .collect();
    let mut out = Vec::new();
    for (i, f) in events.iter().enumerate() {
        let mut env = FixedEnv::new(fixed.now, fixed.seed);
        let routed = presets.route(&f.event, &mut env);
        if routed.is_empty() {
            out.push(Produced {
                fixture: i,
                fixture_name: f.name.clone(),
                action: "routing".into(),
                subscription: "presets".into(),
                name: format!("{}__no-preset", f.name),
                content: format!(
                    "fixture: {}\nsubscription: presets\n\nresult: no preset subscription matched\n",
                    f.path
                ),
                request: None,
            });
        }
        for r in &routed {
            let kind = r.action.map(|k| k.name()).unwrap_or("unknown");
            let label = format!("preset {}", r.subscription);
            check_fresh(&presets, r, None, f, &label, fixed, report);
            out.push(Produced {
                fixture: i,
                fixture_name: f.name.clone(),
                action: kind.to_string(),
                subscription: label.clone(),
                name: format!("{}__preset-{kind}", f.name),
                content: render(f, &label, &r.result),
                request: r.result.as_ref().ok().cloned(),
            });
        }
        for (m, dest) in mappings.iter().zip(&mapped) {
            let mut env = FixedEnv::new(fixed.now, fixed.seed);
            for r in dest.route(&f.event, &mut env) {
                let label = format!("mapping {}", m.name);
                check_fresh(&presets, &r, Some(&m.mapping), f, &label, fixed, report);
                out.push(Produced {
                    fixture: i,
                    fixture_name: f.name.clone(),
                    action: m.action.name().to_string(),
                    subscription: label.clone(),
                    name: format!("{}__mapping-{}", f.name, m.name),
                    content: render(f, &label, &r.result),
                    request: r.result.as_ref().ok().cloned(),
                });
            }
        }
    }
    out
}

fn check_fresh(
    dest: &Destination,
    r: &Routed,
    mapping: Option<&Value>,
    f: &EventFixture,
    label: &str,
    fixed: &Fixed,
    report: &mut Report,
) {
    let Some(kind) = r.action else { return };
    let default;
    let mapping = match mapping {
        Some(m) => m,
        None => {
            default = kind.action().default_mapping.clone();
            &default
        }
    };
    let mut env = FixedEnv::new(fixed.now, fixed.seed);
    let fresh = dest.execute(kind, Some(mapping), &f.event, &mut env);
    let failure = same_outcome(&r.result, &fresh).map(|d| {
        format!(
            "fixture {} / {label}: compiled mapping differs from a fresh compile\n{d}",
            f.name
        )
    });
    report.record(
        Stage::Compile,
        kind.name(),
        &format!("{} / {label}", f.name),
        failure,
    );
}

fn snap_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// The contents of a committed snapshot, normalised as insta compares them.
fn committed(path: &Path) -> Option<String> {
    let snap = insta::Snapshot::from_file(path).ok()?;
    Some(snap.contents().as_text()?.to_string())
}

fn normalized(content: &str) -> String {
    content.trim_end().replace("\r\n", "\n")
}

/// Check every produced snapshot against `snapshots/`; hand mismatches and new snapshots to
/// insta (which writes `.snap.new` files for `cargo insta review`, or updates in place with
/// `INSTA_UPDATE=always`, or writes nothing with `INSTA_UPDATE=no` / on CI). Snapshot files no
/// fixture produces any more are reported as stale.
pub fn check(root: &Path, produced: &[Produced], report: &mut Report) {
    let dir = root.join("snapshots");
    let mut failing = Vec::new();
    for p in produced {
        let path = snap_path(&dir, &p.name);
        let new = normalized(&p.content);
        let failure = match committed(&path) {
            Some(old) if old == new => {
                let _ = std::fs::remove_file(path.with_extension("snap.new"));
                None
            }
            Some(old) => {
                let diffs = diff::diff(&old, &new);
                let mut s = format!(
                    "snapshot diff: fixture {} / action {} / {} ({})",
                    p.fixture_name,
                    p.action,
                    p.subscription,
                    rel(root, &path)
                );
                for d in diffs.iter().take(8) {
                    s.push_str(&format!("\n    {d}"));
                }
                if diffs.len() > 8 {
                    s.push_str(&format!("\n    … {} more", diffs.len() - 8));
                }
                failing.push(p);
                Some(s)
            }
            None => {
                failing.push(p);
                Some(format!(
                    "new snapshot: fixture {} / action {} / {} ({} does not exist)",
                    p.fixture_name,
                    p.action,
                    p.subscription,
                    rel(root, &path)
                ))
            }
        };
        report.record(
            Stage::Snapshot,
            &p.action,
            &format!("{} / {}", p.fixture_name, p.subscription),
            failure,
        );
    }
    if !failing.is_empty() {
        hand_to_insta(&dir, &failing);
        let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        report.notes.push(if update == "always" || update == "force" {
            format!("{} snapshot(s) written in place (INSTA_UPDATE={update}); review with git diff snapshots/", failing.len())
        } else if update == "no" || (ci && update.is_empty()) {
            format!("{} snapshot(s) differ; nothing written (INSTA_UPDATE=no or CI)", failing.len())
        } else {
            format!("{} snapshot(s) differ: pending snapshots/*.snap.new written; run `cargo insta review`", failing.len())
        });
    }
    let produced_names: std::collections::HashSet<&str> =
        produced.iter().map(|p| p.name.as_str()).collect();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut stale: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".snap").map(str::to_string)
            })
            .filter(|n| !produced_names.contains(n.as_str()))
            .collect();
        stale.sort();
        for n in stale {
            report.record(
                Stage::Snapshot,
                "stale",
                &n,
                Some(format!(
                    "stale snapshot snapshots/{n}.snap: no fixture produces it any more (delete it)"
                )),
            );
        }
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Run insta's assertion for each failing snapshot so it records them its usual way. Its panics
/// (the assertion failures) are caught: the harness reports the differences itself.
fn hand_to_insta(dir: &Path, failing: &[&Produced]) {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for p in failing {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!("{} / {}", p.fixture_name, p.subscription));
        let name = p.name.clone();
        let content = p.content.clone();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            settings.bind(|| insta::assert_snapshot!(name, content));
        }));
    }
    std::panic::set_hook(hook);
}
