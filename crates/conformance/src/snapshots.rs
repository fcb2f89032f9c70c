//! Snapshots: every event fixture × every subscription that applies (the four presets through
//! routing, plus each mapping fixture whose trigger matches), rendered as the exact request
//! (redacted URL, headers, pretty body in original key order) or the Segment-style error, and
//! checked against `snapshots/*.snap` by `usermaven-snapshot` (the format, the comparison and
//! the field-level diff `usermaven-actions test` uses too).

use std::path::Path;

use usermaven_destination::{
    ActionError, Destination, FixedEnv, Options, Request, Routed, Settings, Subscription,
};
use usermaven_json::Value;

use usermaven_snapshot::file::Meta;
use usermaven_snapshot::{Status, Update};

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

fn render(
    fixture: &EventFixture,
    subscription: &str,
    result: &Result<Request, ActionError>,
) -> String {
    usermaven_snapshot::render(
        &[("fixture", &fixture.path), ("subscription", subscription)],
        result,
    )
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

/// Where the harness's snapshots say they come from (this file, which produces them).
const SOURCE: &str = "crates/conformance/src/snapshots.rs";

/// Check every produced snapshot against `snapshots/`: mismatches and new snapshots are written
/// as pending `snapshots/*.snap.new` for `cargo insta review`, or in place with
/// `INSTA_UPDATE=always`, or not at all with `INSTA_UPDATE=no` / on CI (insta's rules).
/// Snapshot files no fixture produces any more are reported as stale.
pub fn check(root: &Path, produced: &[Produced], report: &mut Report) {
    let dir = root.join("crates/conformance/snapshots");
    let update = Update::from_env();
    let snaps: Vec<usermaven_snapshot::Produced> = produced
        .iter()
        .map(|p| usermaven_snapshot::Produced {
            name: p.name.clone(),
            meta: Meta {
                source: SOURCE.to_string(),
                description: format!("{} / {}", p.fixture_name, p.subscription),
            },
            content: p.content.clone(),
        })
        .collect();
    let checked = match usermaven_snapshot::check(&dir, &snaps, update, false) {
        Ok(c) => c,
        Err(e) => {
            report.record(
                Stage::Snapshot,
                "io",
                "snapshots/",
                Some(format!("cannot read or write snapshots/: {e}")),
            );
            return;
        }
    };
    for (p, o) in produced.iter().zip(&checked.outcomes) {
        let failure = match &o.status {
            Status::Same => None,
            Status::Changed(diffs) => {
                let mut s = format!(
                    "snapshot diff: fixture {} / action {} / {} ({})",
                    p.fixture_name,
                    p.action,
                    p.subscription,
                    rel(root, &o.path)
                );
                for d in diffs.iter().take(8) {
                    s.push_str(&format!("\n    {d}"));
                }
                if diffs.len() > 8 {
                    s.push_str(&format!("\n    … {} more", diffs.len() - 8));
                }
                Some(s)
            }
            Status::New => Some(format!(
                "new snapshot: fixture {} / action {} / {} ({} does not exist)",
                p.fixture_name,
                p.action,
                p.subscription,
                rel(root, &o.path)
            )),
        };
        report.record(
            Stage::Snapshot,
            &p.action,
            &format!("{} / {}", p.fixture_name, p.subscription),
            failure,
        );
    }
    let failing = checked.failures();
    if failing > 0 {
        report.notes.push(match update {
            Update::Accept => format!("{failing} snapshot(s) written in place (INSTA_UPDATE=always); review with git diff snapshots/"),
            Update::Nothing => format!("{failing} snapshot(s) differ; nothing written (INSTA_UPDATE=no or CI)"),
            Update::Pending => format!("{failing} snapshot(s) differ: pending snapshots/*.snap.new written; run `cargo insta review`"),
        });
    }
    for n in &checked.stale {
        report.record(
            Stage::Snapshot,
            "stale",
            n,
            Some(format!(
                "stale snapshot snapshots/{n}.snap: no fixture produces it any more (delete it)"
            )),
        );
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}
