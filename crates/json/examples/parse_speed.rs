//! Quick parse/serialize throughput check on the pipeline bench's corpus shape:
//! `cargo run --release -p usermaven-json --example parse_speed`.

use std::time::Instant;

use usermaven_json::Value;

/// The benchmark corpus: 80 realistic analytics.js track events (~1 KB each), varied so no
/// branch predictor or cache sees the same event twice in a row (`fixtures/bench/`).
fn corpus() -> Vec<String> {
    usermaven_test_support::lines("fixtures/bench/track-events.ndjson")
}

fn rate(name: &str, n: usize, mut f: impl FnMut() -> usize) {
    if std::env::args().nth(1).is_some_and(|only| only != name) {
        return;
    }
    let mut best = f64::MAX;
    let mut sink = 0;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..500 {
            sink += f();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{name:>12}: {:>8.0}k/s (best of 7) [{sink}]",
        (n * 500) as f64 / best / 1e3
    );
}

fn main() {
    let events = corpus();
    let parsed: Vec<Value> = events.iter().map(|t| Value::parse(t).unwrap()).collect();
    rate("parse", events.len(), || {
        events
            .iter()
            .map(|t| Value::parse(t).unwrap().as_object().map_or(0, |o| o.len()))
            .sum()
    });
    rate("via_serde", events.len(), || {
        events
            .iter()
            .map(|t| {
                serde_json::from_str::<Value>(t)
                    .unwrap()
                    .as_object()
                    .map_or(0, |o| o.len())
            })
            .sum()
    });
    rate("serde_json", events.len(), || {
        events
            .iter()
            .map(|t| {
                serde_json::from_str::<serde_json::Value>(t)
                    .unwrap()
                    .as_object()
                    .map_or(0, |o| o.len())
            })
            .sum()
    });
    rate("to_json", events.len(), || {
        parsed.iter().map(|v| v.to_json().len()).sum()
    });
    rate("insert", events.len(), || {
        parsed
            .iter()
            .map(|v| {
                let mut o = usermaven_json::Object::with_capacity(32);
                for (k, x) in v.as_object().unwrap().iter() {
                    o.insert(k.clone(), Value::Number(x.as_f64().unwrap_or(1.0)));
                }
                o.remove("nope");
                o.set("type", Value::Null);
                o.len()
            })
            .sum()
    });
    rate("clone", events.len(), || {
        parsed
            .iter()
            .map(|v| v.clone().as_object().map_or(0, |o| o.len()))
            .sum()
    });
}
