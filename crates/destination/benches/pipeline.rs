//! The full per-event pipeline on one core: event JSON text in → request body out
//! (route to the Track Event preset, transform, validate, perform, stringify).
//! `cargo bench -p usermaven-destination` prints events/s as "elem/s".
//!
//! - `track_default_mapping`: `Destination::route_text`, what `map` and `send` run: the
//!   fused fast path (scan the text, guard, write) for these ordinary events.
//! - `track_fql_trigger`: the same through a user-built subscription with a compound trigger.
//! - `general_path`: the same events through the general pipeline (parse into a value,
//!   trigger, transform, removeEmptyValues, validate, perform), which the fast path falls
//!   back to for anything unusual; `parse_only` and `route_only` are its two halves.

/// The allocator the `usermaven-actions` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use usermaven_destination::{ActionKind, Destination, FixedEnv, Options, Settings, Subscription};
use usermaven_json::Value;

/// The benchmark corpus: 80 realistic analytics.js track events (~1 KB each), varied so no
/// branch predictor or cache sees the same event twice in a row (`fixtures/bench/`).
fn corpus() -> Vec<String> {
    usermaven_test_support::lines("fixtures/bench/track-events.ndjson")
}

fn pipeline(c: &mut Criterion) {
    let events = corpus();
    let dest = Destination::new(Settings::new("demo-key", "demo-token"), Options::default());
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().unwrap(), 7);
    // Sanity: the corpus really produces requests.
    let probe = Value::parse(&events[0]).unwrap();
    let routed = dest.route(&probe, &mut env);
    assert!(
        matches!(routed.first().map(|r| &r.result), Some(Ok(_))),
        "{routed:?}"
    );

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(events.len() as u64));
    // Sanity: the fast path is what runs on this corpus.
    for text in &events {
        let routed = dest.route_text(text, &mut env).unwrap();
        assert!(routed.len() == 1 && routed[0].fused, "{routed:?}");
    }
    g.bench_function("track_default_mapping", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for text in &events {
                for r in dest.route_text(text, &mut env).unwrap() {
                    if let Ok(req) = r.result {
                        bytes += req.body.len();
                    }
                }
            }
            bytes
        })
    });
    // A user-built subscription with a compound trigger on the same mapping: the trigger is
    // evaluated by the FQL engine on the values it reads.
    let custom = Destination::with_subscriptions(
        Settings::new("demo-key", "demo-token"),
        Options::default(),
        vec![Subscription::new(
            "Tracks but tests",
            ActionKind::Track,
            "type = \"track\" and event != \"Test Event\"",
            &ActionKind::Track.action().default_mapping,
        )],
    );
    g.bench_function("track_fql_trigger", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for text in &events {
                for r in custom.route_text(text, &mut env).unwrap() {
                    if let Ok(req) = r.result {
                        bytes += req.body.len();
                    }
                }
            }
            bytes
        })
    });
    g.bench_function("general_path", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for text in &events {
                let event = Value::parse(text).unwrap();
                for r in dest.route(&event, &mut env) {
                    if let Ok(req) = r.result {
                        bytes += req.body.len();
                    }
                }
            }
            bytes
        })
    });
    g.bench_function("parse_only", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|t| Value::parse(t).unwrap().as_object().map_or(0, |o| o.len()))
                .sum::<usize>()
        })
    });
    let parsed: Vec<Value> = events.iter().map(|t| Value::parse(t).unwrap()).collect();
    g.bench_function("route_only", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            for event in &parsed {
                for r in dest.route(event, &mut env) {
                    if let Ok(req) = r.result {
                        bytes += req.body.len();
                    }
                }
            }
            bytes
        })
    });
    g.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
