//! The bench corpus through `route_text` (or the general path with `general`) a given number
//! of times: a deterministic load for instruction counts, which do not depend on what else
//! the machine is doing (`valgrind --tool=callgrind target/release/examples/pipeline_count 200`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use usermaven_destination::{Destination, FixedEnv, Options, Settings};
use usermaven_json::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let general = args.next().as_deref() == Some("general");
    let events = usermaven_test_support::lines("fixtures/bench/track-events.ndjson");
    let dest = Destination::new(Settings::new("demo-key", "demo-token"), Options::default());
    let mut env = FixedEnv::new("2025-03-14T09:30:00Z".parse().expect("time"), 7);
    let mut bytes = 0usize;
    for _ in 0..rounds {
        for e in &events {
            let routed = if general {
                dest.route(&Value::parse(e).expect("valid"), &mut env)
            } else {
                dest.route_text(e, &mut env).expect("valid")
            };
            for r in routed {
                bytes += r.result.map_or(0, |q| q.body.len());
            }
        }
    }
    println!("{} events, {bytes} body bytes", rounds * events.len());
}
