//! The full per-event pipeline on one core: event JSON text in → request body out
//! (parse, route to the Track Event preset, transform, validate, perform, stringify).
//! `cargo bench -p usermaven-destination` prints events/s as "elem/s".

/// The allocator the `usermaven-actions` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use usermaven_destination::{Destination, FixedEnv, Options, Settings};
use usermaven_json::Value;

/// Realistic analytics.js track events (~1 KB each), varied so no branch predictor or cache
/// sees the same event twice in a row.
fn corpus() -> Vec<String> {
    let events = [
        "Order Completed",
        "Product Viewed",
        "Signed Up",
        "Button Clicked",
        "Checkout Started",
    ];
    let pages = [
        "/",
        "/pricing",
        "/checkout",
        "/blog/how-we-ship",
        "/docs/getting-started",
    ];
    (0..80)
        .map(|i| {
            format!(
                r#"{{"anonymousId":"anon-{i:04}-5d2c","context":{{"campaign":{{"name":"spring_sale","source":"newsletter","medium":"email","term":"shoes","content":"banner-{i}"}},"ip":"203.0.113.{ip}","library":{{"name":"analytics.js","version":"next-1.53.0"}},"locale":"en-US","page":{{"path":"{page}","referrer":"https://www.google.com/","search":"?utm_source=newsletter","title":"Example {i}","url":"https://www.example.com{page}?utm_source=newsletter"}},"screen":{{"width":1440,"height":900,"density":2}},"traits":{{"email":"user{i}@example.com","created_at":"2024-11-02T10:00:00Z"}},"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"}},"event":"{event}","integrations":{{}},"messageId":"ajs-next-{i:08}-f00d","originalTimestamp":"2025-03-14T09:26:53.589Z","properties":{{"order_id":"ord-{i}","total":{total},"currency":"USD","products":[{{"product_id":"p-{i}","sku":"45790-32","name":"Monopoly","price":19.99,"quantity":{q}}}],"coupon":"SPRING"}},"receivedAt":"2025-03-14T09:26:54.012Z","sentAt":"2025-03-14T09:26:53.600Z","timestamp":"2025-03-14T09:26:53.990Z","type":"track","userId":"user-{i}","version":2}}"#,
                ip = i % 250,
                page = pages[i % pages.len()],
                event = events[i % events.len()],
                total = 10.5 + i as f64,
                q = 1 + i % 3,
            )
        })
        .collect()
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
    g.bench_function("track_default_mapping", |b| {
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
