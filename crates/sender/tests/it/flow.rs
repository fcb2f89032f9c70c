//! Flow control: the concurrency limit, backpressure, shutdown and its drain deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use usermaven_sender::{channel, CancellationToken, Delivery, Envelope, EventResult, Sender};

use crate::{assert_results_clean, config, request_at};

#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    delay_ms: u64,
}

async fn slow(State(g): State<Gauge>) -> &'static str {
    let now = g.now.fetch_add(1, Ordering::SeqCst) + 1;
    g.max.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(g.delay_ms)).await;
    g.now.fetch_sub(1, Ordering::SeqCst);
    g.total.fetch_add(1, Ordering::SeqCst);
    r#"{"status":"ok"}"#
}

/// An HTTP server that counts requests in flight; each takes `delay_ms`.
async fn gauge_server(delay_ms: u64) -> (String, Gauge) {
    let g = Gauge {
        delay_ms,
        ..Gauge::default()
    };
    let app = Router::new()
        .route("/api/v1/s2s/event", post(slow))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), g)
}

#[tokio::test]
async fn concurrency_limit_is_respected_server_side() {
    for limit in [1usize, 3, 8] {
        let (base, g) = gauge_server(20).await;
        let mut cfg = config();
        cfg.concurrency = limit;
        let sender = Sender::new(cfg).expect("sender");
        let (tx, rx) = channel(16);
        tokio::spawn(async move {
            for i in 1..=40 {
                if tx
                    .send(Envelope {
                        id: i,
                        meta: (),
                        request: request_at(&base, i),
                    })
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
        let report = sender.run(rx, CancellationToken::new(), |_| {}).await;
        assert_eq!((report.events, report.delivered), (40, 40));
        assert_eq!(g.total.load(Ordering::SeqCst), 40);
        assert_eq!(g.max.load(Ordering::SeqCst), limit, "limit {limit}");
    }
}

#[tokio::test]
async fn the_producer_is_held_back_by_a_slow_server() {
    // Backpressure: with a channel of 4 and 2 requests in flight, the producer can never be
    // more than 4 + 2 + 1 events ahead of what the server has finished.
    let (base, g) = gauge_server(15).await;
    let mut cfg = config();
    cfg.concurrency = 2;
    let sender = Sender::new(cfg).expect("sender");
    let (tx, rx) = channel(4);
    let produced = Arc::new(AtomicUsize::new(0));
    let worst = Arc::new(AtomicUsize::new(0));
    let (p, w, total) = (produced.clone(), worst.clone(), g.total.clone());
    let producer = tokio::spawn(async move {
        for i in 1..=60 {
            if tx
                .send(Envelope {
                    id: i,
                    meta: (),
                    request: request_at(&base, i),
                })
                .await
                .is_err()
            {
                break;
            }
            let ahead = p.fetch_add(1, Ordering::SeqCst) + 1 - total.load(Ordering::SeqCst);
            w.fetch_max(ahead, Ordering::SeqCst);
        }
    });
    let report = sender.run(rx, CancellationToken::new(), |_| {}).await;
    producer.await.expect("producer");
    assert_eq!(report.delivered, 60);
    let worst = worst.load(Ordering::SeqCst);
    assert!(worst <= 4 + 2 + 1, "producer ran {worst} events ahead");
}

#[tokio::test]
async fn shutdown_finishes_in_flight_and_reports_the_rest() {
    let (base, g) = gauge_server(300).await;
    let mut cfg = config();
    cfg.concurrency = 2;
    cfg.drain_timeout = Duration::from_secs(5);
    let sender = Sender::new(cfg).expect("sender");
    let (tx, rx) = channel(100);
    for i in 1..=50 {
        tx.send(Envelope {
            id: i,
            meta: i,
            request: request_at(&base, i),
        })
        .await
        .expect("queue");
    }
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        s.cancel();
    });
    let mut results: Vec<EventResult<u64>> = Vec::new();
    let report = sender.run(rx, shutdown, |r| results.push(r)).await;
    // The producer still holds the sender; the channel was closed under it.
    assert!(tx
        .send(Envelope {
            id: 51,
            meta: 51,
            request: request_at(&base, 51)
        })
        .await
        .is_err());
    assert_eq!(report.events, 50);
    assert_eq!(report.delivered, 2, "{report:?}");
    assert_eq!(report.not_sent, 48, "{report:?}");
    assert_eq!(g.total.load(Ordering::SeqCst), 2);
    let mut ids: Vec<u64> = results.iter().map(|r| r.meta).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (1..=50).collect::<Vec<_>>(),
        "every event reported exactly once"
    );
    assert!(results
        .iter()
        .all(|r| r.delivery.is_delivered() || matches!(r.delivery, Delivery::NotSent { .. })));
    assert_results_clean(&results);
}

#[tokio::test]
async fn shutdown_abandons_in_flight_requests_at_the_deadline() {
    let (base, _g) = gauge_server(10_000).await;
    let mut cfg = config();
    cfg.concurrency = 3;
    cfg.timeout = Duration::from_secs(30);
    cfg.drain_timeout = Duration::from_millis(200);
    let sender = Sender::new(cfg).expect("sender");
    let (tx, rx) = channel(10);
    for i in 1..=5 {
        tx.send(Envelope {
            id: i,
            meta: (),
            request: request_at(&base, i),
        })
        .await
        .expect("queue");
    }
    drop(tx);
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        s.cancel();
    });
    let t = Instant::now();
    let mut results = Vec::new();
    let report = sender.run(rx, shutdown, |r| results.push(r)).await;
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(
        (report.events, report.interrupted, report.not_sent),
        (5, 3, 2),
        "{report:?}"
    );
    for r in &results {
        if let Delivery::Interrupted {
            attempts,
            last_error,
        } = &r.delivery
        {
            assert_eq!((*attempts, last_error.is_none()), (1, true));
            assert!(r.delivery.reason().contains("may have it"));
        }
    }
}

#[tokio::test]
async fn shutdown_stops_retries() {
    // Every attempt fails with 503; the backoff is long; shutdown must not wait for it.
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.backoff.initial = Duration::from_secs(30);
    cfg.backoff.cap = Duration::from_secs(30);
    cfg.backoff.seed = 3;
    let sender = Sender::new(cfg).expect("sender");
    let (tx, rx) = channel(4);
    tx.send(Envelope {
        id: 1,
        meta: (),
        request: request_at(&server.uri(), 1),
    })
    .await
    .expect("queue");
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        s.cancel();
    });
    let t = Instant::now();
    let mut results = Vec::new();
    let report = sender.run(rx, shutdown, |r| results.push(r)).await;
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(report.interrupted, 1, "{report:?}");
    let reason = results[0].delivery.reason();
    assert!(
        reason.starts_with("interrupted by shutdown after ") && reason.contains("HTTP 503"),
        "{reason}"
    );
    drop(tx);
}
