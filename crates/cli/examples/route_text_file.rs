//! In-process reference figure for `cargo xtask bench map`: the events of one NDJSON file,
//! already in memory, through `Destination::route_text` (what `map` runs per line), timed
//! on one core. Prints `events=N secs=S events_per_sec=R cpu_secs=C events_per_cpu_sec=P
//! fused=F results=T` (best of `RUNS`; CPU time is this process's user+system time; `fused` of
//! `results` is the fast path's share: the routing results `Routed::fused` marks, per run).
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
    let mut best_cpu = f64::INFINITY;
    let mut bytes = 0usize;
    let (mut fused, mut results) = (0u64, 0u64);
    for _ in 0..runs {
        (fused, results) = (0, 0);
        let cpu = cpu_secs();
        let started = Instant::now();
        for e in &events {
            for r in dest.route_text(e, &mut env).expect("valid JSON") {
                results += 1;
                fused += u64::from(r.fused);
                if let Ok(req) = r.result {
                    bytes += req.body.len();
                }
            }
        }
        best = best.min(started.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_secs() - cpu);
    }
    assert!(bytes > 0, "no requests were built");
    let n = events.len() as f64;
    println!(
        "events={} secs={best:.4} events_per_sec={:.0} cpu_secs={best_cpu:.4} events_per_cpu_sec={:.0} fused={fused} results={results}",
        events.len(),
        n / best,
        n / best_cpu.max(1e-9),
    );
}

/// This process's CPU time (user + system), in seconds: `/proc/self/stat` fields utime and
/// stime, in clock ticks of 1/100 s on Linux; 0 elsewhere.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(close) = stat.rfind(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}
