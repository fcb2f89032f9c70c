//! End to end: every snapshotted request delivered by `usermaven-sender` to an in-process
//! `usermaven-mock` (strict mode `warn`, so findings are recorded, not rejected). The mock must
//! store each request's body exactly once, byte-equal to the request and equal (pretty-printed)
//! to the committed snapshot's body, and report no strict-mode error except the paths the
//! fixture lists in its optional `expect_warnings` field. Advice-level findings (client-library
//! rules such as "an s2s event without source_ip") are not violations.

use std::collections::{BTreeSet, HashMap};

use anyhow::{anyhow, Result};
use usermaven_json::Value;
use usermaven_mock::{MockConfig, MockUsermaven, Severity, StrictMode};
use usermaven_sender::{Sender, SenderConfig};

use super::fixtures::EventFixture;
use super::report::{Report, Stage};
use super::snapshots::Produced;
use super::Fixed;

/// The body section of a snapshot text (from its first line starting with `{`).
fn snapshot_body(content: &str) -> Option<&str> {
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        if line.starts_with('{') {
            return Some(content[offset..].trim_end());
        }
        offset += line.len();
    }
    None
}

pub fn run(
    events: &[EventFixture],
    produced: &[Produced],
    fixed: &Fixed,
    report: &mut Report,
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(events, produced, fixed, report))
}

async fn run_async(
    events: &[EventFixture],
    produced: &[Produced],
    fixed: &Fixed,
    report: &mut Report,
) -> Result<()> {
    let config = MockConfig::new(fixed.api_key.clone(), fixed.server_token.clone())
        .with_strict(StrictMode::Warn);
    let mock = MockUsermaven::start(config)
        .await
        .map_err(|e| anyhow!("starting the mock: {e}"))?;
    let sender = Sender::new(SenderConfig {
        concurrency: 1,
        ..SenderConfig::default()
    })
    .map_err(|e| anyhow!("building the sender: {e}"))?;
    // The requests were built for Usermaven; the same destination aimed at the mock builds
    // this URL (`Options::base_url` is the one place the target is set).
    let mock_url = usermaven_destination::request_url(
        &usermaven_destination::Settings::new(fixed.api_key.clone(), fixed.server_token.clone()),
        &usermaven_destination::Options {
            base_url: mock.uri(),
            ..usermaven_destination::Options::default()
        },
    )
    .0;

    let mut seen_warnings: HashMap<usize, BTreeSet<String>> = HashMap::new();
    let mut sent = 0usize;
    for p in produced {
        let Some(request) = &p.request else { continue };
        let request = &usermaven_destination::Request {
            url: mock_url.clone(),
            ..request.clone()
        };
        sent += 1;
        let fixture = &events[p.fixture];
        let before = mock.events().len();
        let delivery = sender.send(request).await;
        let stored = mock.events();
        let new = stored.get(before..).unwrap_or(&[]);
        let mut problems = Vec::new();
        if !delivery.is_delivered() {
            problems.push(format!("not delivered: {}", delivery.reason()));
        }
        if new.len() != 1 {
            problems.push(format!(
                "the mock stored {} events for one request",
                new.len()
            ));
        }
        if let Some(ev) = new.first() {
            if ev.body != request.body {
                problems.push(format!(
                    "stored body differs from the request body\n      sent:   {}\n      stored: {}",
                    request.body, ev.body
                ));
            }
            let pretty = Value::parse(&ev.body)
                .map(|v| v.to_json_pretty())
                .unwrap_or_else(|_| ev.body.clone());
            if snapshot_body(&p.content) != Some(pretty.trim_end()) {
                problems.push("stored body differs from the snapshotted body".into());
            }
            for w in ev.warnings.iter().filter(|w| w.severity == Severity::Error) {
                seen_warnings
                    .entry(p.fixture)
                    .or_default()
                    .insert(w.path.clone());
                if !fixture.expect_warnings.iter().any(|e| e == &w.path) {
                    problems.push(format!(
                        "strict-mode violation {}: {} (not in the fixture's expect_warnings)",
                        w.path, w.message
                    ));
                }
            }
        }
        let failure = (!problems.is_empty()).then(|| {
            format!(
                "e2e mismatch: fixture {} / action {} / {}\n    {}",
                p.fixture_name,
                p.action,
                p.subscription,
                problems.join("\n    ")
            )
        });
        report.record(
            Stage::E2e,
            &p.action,
            &format!("{} / {}", p.fixture_name, p.subscription),
            failure,
        );
    }

    // Each expected warning must show up in at least one of the fixture's requests.
    for (i, f) in events.iter().enumerate() {
        if f.expect_warnings.is_empty() {
            continue;
        }
        let seen = seen_warnings.get(&i).cloned().unwrap_or_default();
        let missing: Vec<&String> = f
            .expect_warnings
            .iter()
            .filter(|w| !seen.contains(*w))
            .collect();
        let failure = (!missing.is_empty()).then(|| {
            format!(
                "e2e mismatch: fixture {} expects strict-mode findings at {missing:?} but the mock reported none there",
                f.name
            )
        });
        report.record(
            Stage::E2e,
            "e2e",
            &format!("{} / expect_warnings", f.name),
            failure,
        );
    }

    let total = mock.events().len();
    let failure = (total != sent)
        .then(|| format!("e2e mismatch: sent {sent} requests but the mock stored {total} events"));
    report.record(Stage::E2e, "e2e", "every request stored once", failure);
    report.count("e2e_requests", sent as u64);
    mock.shutdown().await;
    Ok(())
}
