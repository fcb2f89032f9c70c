//! The end of a run against the embedded mock: what Usermaven would have received.

use std::collections::BTreeMap;

/// What the embedded mock stored: counts per event_type and strict-mode warnings.
pub(super) fn print_received(mock: &usermaven_mock::MockUsermaven) {
    let events = mock.events();
    let mut per_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut warnings: BTreeMap<String, (u64, u64)> = BTreeMap::new(); // message → (count, first event id)
    for e in &events {
        *per_type
            .entry(e.event_type().unwrap_or("(none)").to_string())
            .or_default() += 1;
        for w in &e.warnings {
            let key = format!("{} {}: {}", severity(w.severity), w.path, w.message);
            warnings.entry(key).or_insert((0, e.id)).0 += 1;
        }
    }
    println!(
        "Usermaven (embedded mock) received {} event(s):",
        events.len()
    );
    for (t, n) in &per_type {
        println!("  {n:>7}  {t}");
    }
    let rejected: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.outcome == usermaven_mock::Outcome::Rejected)
        .collect();
    if !rejected.is_empty() {
        println!("{} request(s) rejected by the mock:", rejected.len());
        for r in rejected.iter().take(10) {
            println!(
                "  HTTP {}: {}",
                r.status.unwrap_or(0),
                r.reason.as_deref().unwrap_or("")
            );
        }
    }
    if warnings.is_empty() {
        println!("strict-mode validation: no warnings");
    } else {
        println!("strict-mode validation warnings:");
        for (w, (n, first)) in &warnings {
            println!("  {n:>7} × {w} (first: stored event {first})");
        }
    }
}

fn severity(s: usermaven_mock::Severity) -> &'static str {
    match s {
        usermaven_mock::Severity::Error => "error",
        usermaven_mock::Severity::Advice => "advice",
    }
}
