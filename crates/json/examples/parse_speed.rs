//! Quick parse/serialize throughput check on the pipeline bench's corpus shape:
//! `cargo run --release -p usermaven-json --example parse_speed`.

use std::time::Instant;

use usermaven_json::Value;

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
