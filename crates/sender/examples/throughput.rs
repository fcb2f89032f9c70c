//! Throughput into the mock over loopback, with and without batching.
//!
//! `cargo run --release -p usermaven-sender --example throughput [EVENTS]`
//! (not part of `cargo test`; debug builds work but measure the debug mock too).

use std::time::{Duration, Instant};

use usermaven_mock::{MockConfig, MockUsermaven, StrictMode};
use usermaven_request::{Request, Secret};
use usermaven_sender::{channel, Batching, CancellationToken, Envelope, Sender, SenderConfig};

const KEY: &str = "bench-key";
const TOKEN: &str = "bench-token";

fn request(base: &str, i: u64) -> Request {
    Request {
        url: Secret::new(format!("{base}/api/v1/s2s/event?token={KEY}.{TOKEN}")),
        method: "POST",
        headers: vec![
            ("user-agent".into(), "Segment (Actions)".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: format!(
            r#"{{"api_key":"{KEY}","ids":{{}},"doc_encoding":"utf-8","src":"usermaven-segment","screen_resolution":"0","event_id":"bench-{i}","event_type":"Order Completed","user":{{"id":"user-{}","email":"user{}@example.com"}},"event_attributes":{{"revenue":42.5,"currency":"EUR"}}}}"#,
            i % 1000,
            i % 1000
        ),
    }
}

async fn measure(events: u64, concurrency: usize, batch: usize) -> (f64, u64, u64) {
    let mock = MockUsermaven::start(MockConfig::new(KEY, TOKEN).with_strict(StrictMode::Off))
        .await
        .expect("mock");
    let sender = Sender::new(SenderConfig {
        concurrency,
        timeout: Duration::from_secs(30),
        batching: Batching {
            max_events: batch,
            ..Batching::default()
        },
        ..SenderConfig::default()
    })
    .expect("sender");
    let (tx, rx) = channel(4096);
    let started = Instant::now();
    let base = mock.uri();
    tokio::spawn(async move {
        for i in 1..=events {
            if tx
                .send(Envelope {
                    id: i,
                    meta: (),
                    request: request(&base, i),
                })
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let report = sender.run(rx, CancellationToken::new(), |_| {}).await;
    let secs = started.elapsed().as_secs_f64();
    let stored = mock.events().len() as u64;
    mock.shutdown().await;
    assert_eq!(report.delivered, events);
    (events as f64 / secs, report.http_requests, stored)
}

#[tokio::main]
async fn main() {
    let events: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    println!(
        "{events} events into usermaven-mock on loopback ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for (concurrency, batch) in [(1, 1), (16, 1), (64, 1), (16, 10), (16, 100)] {
        let (rate, requests, stored) = measure(events, concurrency, batch).await;
        println!(
            "  concurrency {concurrency:>3}, batch {batch:>3}: {rate:>9.0} events/s ({requests} HTTP requests, {stored} stored)"
        );
    }
}
