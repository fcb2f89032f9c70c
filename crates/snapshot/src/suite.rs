//! A snapshot suite (`usermaven-actions test DIR`): snapshot tests of a team's own mappings. DIR holds a configuration
//! (`config.json`, any shape `config check` accepts), event files (`events/*.json`, one event
//! or an array; `events/*.ndjson`, one per line) and `snapshots/`. Every event × every
//! subscription it triggers is one snapshot, `snapshots/EVENT__SUBSCRIPTION.snap` in insta's
//! format (through `usermaven-snapshot`, the same format and diff as the conformance harness):
//! the request with the token redacted and the body pretty-printed in its original key order,
//! or the error.
//!
//! Runs are deterministic: a fixed clock and seed (`--now`, `--seed`), a fresh id generator per
//! event (adding an event changes no other snapshot), and stand-in credentials (`api_key`
//! [`API_KEY`], `server_token` [`SERVER_TOKEN`]) instead of the file's, so snapshots hold no
//! real key and CI needs no secrets.

use crate::junit::xml_escape as xml;
use std::path::{Path, PathBuf};

use crate::file::Meta;
use crate::{Checked, Produced, Status, Update};
use usermaven_destination::config::{self, Inputs};
use usermaven_destination::{Destination, FixedEnv, Fixes};

use crate::events::{self, EventInput};
use crate::SnapshotError;

/// The stand-in API key snapshots are made with (it is part of the body).
pub const API_KEY: &str = "test-api-key";
/// The stand-in server token (only in the URL, which snapshots redact).
pub const SERVER_TOKEN: &str = "test-server-token";
/// The default clock of a run.
pub const DEFAULT_NOW: &str = "2025-01-01T00:00:00Z";
/// The default seed of the anonymous-id generator.
pub const DEFAULT_SEED: u64 = 1;

/// A test directory, read.
pub struct Suite {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub destination: Destination,
    /// Configuration warnings (printed once by the caller).
    pub warnings: Vec<String>,
    /// Each event with the id its snapshot names start with.
    pub events: Vec<(String, EventInput)>,
}

/// Read DIR: the configuration (checked; errors fail; `fixes` turned on over its `options`)
/// and the event files.
pub fn load(dir: &Path, config_path: Option<&Path>, fixes: Fixes) -> Result<Suite, SnapshotError> {
    let config = config_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join("config.json"));
    let text = std::fs::read_to_string(&config).map_err(|source| SnapshotError::ReadConfig {
        path: config.clone(),
        source,
    })?;
    let value =
        usermaven_json::Value::parse(&text).map_err(|error| SnapshotError::InvalidJson {
            path: config.display().to_string(),
            error,
        })?;
    let env = |k: &str| std::env::var(k).ok();
    let checked = config::check_with(
        &value,
        &Inputs {
            env: &env,
            api_key: Some(API_KEY.into()),
            server_token: Some(SERVER_TOKEN.into()),
            ignore_file_settings: true,
            fixes,
        },
    );
    let warnings = checked.warnings().map(|w| w.to_string()).collect();
    if checked.has_errors() {
        return Err(SnapshotError::ConfigErrors {
            path: config,
            errors: checked.errors().map(|p| format!("  {p}")).collect(),
        });
    }
    let Some(destination) = checked.destination else {
        return Err(SnapshotError::NoDestination { path: config });
    };

    let events_dir = dir.join("events");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&events_dir)
        .map_err(|source| SnapshotError::ReadEventsDir {
            path: events_dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json" || e == "ndjson"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(SnapshotError::NoEventFiles { path: events_dir });
    }
    let mut events = Vec::new();
    for f in files {
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let label = format!(
            "events/{}",
            f.file_name().unwrap_or_default().to_string_lossy()
        );
        let list = events::read(&f.to_string_lossy(), &label)?;
        let single = list.len() == 1 && f.extension().is_some_and(|e| e == "json");
        for (i, e) in list.into_iter().enumerate() {
            let id = if single {
                slug(&stem)
            } else {
                format!("{}-{}", slug(&stem), i + 1)
            };
            events.push((id, e));
        }
    }
    Ok(Suite {
        dir: dir.to_path_buf(),
        config,
        destination,
        warnings,
        events,
    })
}

/// A file-name-safe form of a name: lower case, runs of anything but letters and digits as `-`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "x".into()
    } else {
        s
    }
}

/// One produced snapshot and what it is about.
pub struct Case {
    pub event: String,
    pub subscription: String,
    pub snapshot: Produced,
}

/// Everything the suite produces, plus events that are not valid (they fail the run).
pub fn produce(
    suite: &Suite,
    now: jiff::Timestamp,
    seed: u64,
) -> (Vec<Case>, Vec<(String, String)>) {
    let source = suite
        .config
        .strip_prefix(&suite.dir)
        .unwrap_or(&suite.config)
        .to_string_lossy()
        .replace('\\', "/");
    let mut cases = Vec::new();
    let mut bad = Vec::new();
    for (id, e) in &suite.events {
        let routed = match events::route(&suite.destination, &mut FixedEnv::new(now, seed), &e.text)
        {
            Ok(r) => r,
            Err(why) => {
                bad.push((e.label.clone(), why));
                continue;
            }
        };
        let mut used: Vec<String> = Vec::new();
        for r in routed {
            let mut name = format!("{id}__{}", slug(&r.subscription));
            let mut n = 1;
            while used.contains(&name) {
                n += 1;
                name = format!("{id}__{}-{n}", slug(&r.subscription));
            }
            used.push(name.clone());
            let content = crate::render(
                &[
                    ("event", &e.label),
                    ("subscription", &r.subscription),
                    ("action", &r.action_name),
                ],
                &r.result,
            );
            cases.push(Case {
                event: e.label.clone(),
                subscription: r.subscription.clone(),
                snapshot: Produced {
                    name,
                    meta: Meta {
                        source: source.clone(),
                        description: format!("{} / {}", e.label, r.subscription),
                    },
                    content,
                },
            });
        }
    }
    (cases, bad)
}

/// Compare with `DIR/snapshots/`: `accept` writes every new or changed snapshot and removes
/// stale ones; otherwise pending `.snap.new` files are written (not on CI, insta's rule).
pub fn check(suite: &Suite, cases: &[Case], accept: bool) -> Result<Checked, SnapshotError> {
    let dir = suite.dir.join("snapshots");
    let update = if accept {
        Update::Accept
    } else {
        match Update::from_env() {
            Update::Accept => Update::Pending,
            u => u,
        }
    };
    let produced: Vec<Produced> = cases.iter().map(|c| c.snapshot.clone()).collect();
    crate::check(&dir, &produced, update, accept)
        .map_err(|source| SnapshotError::Update { path: dir, source })
}

/// The failure text of one snapshot (empty when it passed).
pub fn failure_text(case: &Case, status: &Status) -> Option<String> {
    match status {
        Status::Same => None,
        Status::New => Some(format!(
            "new snapshot: {} / {} (snapshots/{}.snap does not exist)",
            case.event, case.subscription, case.snapshot.name
        )),
        Status::Changed(diffs) => {
            let mut s = format!(
                "snapshot differs: {} / {} (snapshots/{}.snap)",
                case.event, case.subscription, case.snapshot.name
            );
            for d in diffs {
                s.push_str(&format!("\n    {d}"));
            }
            Some(s)
        }
    }
}

/// A JUnit XML report: one test case per snapshot (and per stale snapshot or bad event).
pub fn junit(
    suite_name: &str,
    cases: &[Case],
    checked: &Checked,
    bad: &[(String, String)],
) -> String {
    let mut body = String::new();
    let mut failures = 0;
    let mut tests = 0;
    for (c, o) in cases.iter().zip(&checked.outcomes) {
        tests += 1;
        body.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(&c.event),
            xml(&c.subscription)
        ));
        match failure_text(c, &o.status) {
            None => body.push_str("/>\n"),
            Some(text) => {
                failures += 1;
                let first = text.lines().next().unwrap_or("");
                body.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(first),
                    xml(&text)
                ));
            }
        }
    }
    for n in &checked.stale {
        tests += 1;
        failures += 1;
        let text = format!(
            "stale snapshot snapshots/{n}.snap: no event and subscription produce it any more"
        );
        body.push_str(&format!(
            "    <testcase classname=\"stale\" name=\"{}\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
            xml(n),
            xml(&text)
        ));
    }
    for (label, why) in bad {
        tests += 1;
        failures += 1;
        body.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"event\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
            xml(label),
            xml(&format!("bad event: {why}"))
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">\n{body}  </testsuite>\n</testsuites>\n",
        xml(suite_name)
    )
}
