//! In-process reference figure for `cargo xtask bench map`: the events of one NDJSON file,
//! already in memory, through `Destination::route_text` (what `map` runs per line), timed
//! on one core. Prints `events=N secs=S events_per_sec=R` (best of `--runs`).
//!
//! `cargo run --release -p usermaven-actions --example route_text_file -- FILE [RUNS]`

use std::time::Instant;

use usermaven_destination::{Destination, FixedEnv, Options, Settings};

/// The allocator the `usermaven-actions` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: route_text_file FILE [RUNS]");
    let runs: usize = args
        .next()
        .map_or(3, |r| r.parse().expect("RUNS is a number"));
    let text = std::fs::read_to_string(&path).expect("read the events");
    let events: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let dest = Destination::new(Settings::new("demo-key", "demo-token"), Options::default());
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().expect("now"), 7);
    let mut best = f64::INFINITY;
    let mut bytes = 0usize;
    for _ in 0..runs {
        let started = Instant::now();
        for e in &events {
            for r in dest.route_text(e, &mut env).expect("valid JSON") {
                if let Ok(req) = r.result {
                    bytes += req.body.len();
                }
            }
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    assert!(bytes > 0, "no requests were built");
    println!(
        "events={} secs={best:.4} events_per_sec={:.0}",
        events.len(),
        events.len() as f64 / best
    );
}
