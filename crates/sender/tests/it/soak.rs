//! Soak: thousands of events into the mock while it injects 5xx, 429 + Retry-After, dropped
//! connections (before and after storing the events) and latency. Every event must be
//! delivered or reported; nothing may be lost; duplicates may only come from a request whose
//! response was lost after the mock stored it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, RandomFaults, StrictMode};
use usermaven_sender::{
    channel, Backoff, Batching, CancellationToken, Envelope, Sender, SenderConfig,
};

use crate::{assert_no_token, request_with_body_at, KEY, TOKEN};

struct Figures {
    events: u64,
    faults: HashMap<String, u64>,
    delivered: u64,
    undelivered: u64,
    http_requests: u64,
    retried: u64,
    duplicated: u64,
    lost: u64,
    secs: f64,
}

async fn soak(events: u64, batching: Batching, seed: u64) -> Figures {
    // The journal must hold every request of the run (the check below reads which requests lost
    // their response; at most 12 attempts per event); the mock keeps the newest 10,000 by default.
    let config = MockConfig::new(KEY, TOKEN)
        .with_strict(StrictMode::Off)
        .with_max_requests(events as usize * 12);
    let mock = MockUsermaven::start(config).await.expect("mock");
    mock.set_random_faults(
        seed,
        RandomFaults {
            // 25% status faults, drawn from a list that is 4/5 5xx and 1/5 429: 20% and 5%.
            status: 0.25,
            statuses: vec![500, 502, 503, 504, 429],
            retry_after: Some("1".into()),
            delay: 0.10,
            delay_ms: 15,
            // Half of these after the events were stored: the client cannot know.
            drop: 0.05,
            ..RandomFaults::default()
        },
    );
    let sender = Sender::new(SenderConfig {
        concurrency: 32,
        timeout: Duration::from_secs(10),
        backoff: Backoff {
            initial: Duration::from_millis(1),
            cap: Duration::from_millis(20),
            max_attempts: 12,
            seed,
        },
        // Retry-After: 1 is honoured, but capped so the soak stays short.
        retry_after_cap: Duration::from_millis(5),
        batching,
        ..SenderConfig::default()
    })
    .expect("sender");

    let started = Instant::now();
    let (tx, rx) = channel(256);
    let base = mock.uri();
    tokio::spawn(async move {
        for i in 1..=events {
            let body = format!(
                r#"{{"api_key":"{KEY}","event_id":"soak-{i}","event_type":"soak","ids":{{}},"user":{{"id":"u{}"}},"src":"usermaven-segment"}}"#,
                i % 97
            );
            if tx
                .send(Envelope {
                    id: i,
                    meta: (),
                    request: request_with_body_at(&base, body),
                })
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut seen = vec![0u8; events as usize + 1];
    let mut delivered_ids = Vec::new();
    let report = sender
        .run(rx, CancellationToken::new(), |r| {
            seen[r.id as usize] += 1;
            assert_no_token(&r.delivery);
            if r.delivery.is_delivered() {
                delivered_ids.push(r.id);
            }
        })
        .await;
    let secs = started.elapsed().as_secs_f64();

    // Every event reported exactly once.
    assert_eq!(report.events, events);
    assert!(
        seen[1..].iter().all(|&n| n == 1),
        "an event was reported twice or never"
    );

    // What the mock stored, by our event_id; which requests lost their response after storing.
    let requests = mock.requests();
    let lost_response: std::collections::HashSet<u64> = requests
        .iter()
        .filter(|r| {
            matches!(
                r.fault,
                Some(Fault::Drop {
                    after_processing: true
                })
            )
        })
        .map(|r| r.id)
        .collect();
    let mut copies: HashMap<String, (u64, u64)> = HashMap::new(); // (answered, response lost)
    for e in mock.events() {
        // The collector moves `event_id` to `eventn_ctx_event_id`.
        let id = e.event_id().unwrap_or_default().to_string();
        let c = copies.entry(id).or_default();
        if lost_response.contains(&e.request_id) {
            c.1 += 1;
        } else {
            c.0 += 1;
        }
    }
    let mut lost = 0;
    for id in &delivered_ids {
        match copies.get(&format!("soak-{id}")) {
            // Exactly one copy from a request that was answered 200.
            Some(&(1, _)) => {}
            Some(&(n, _)) => panic!("soak-{id}: {n} answered copies"),
            None => lost += 1,
        }
    }
    // Extra copies only ever come from requests whose response was lost.
    assert!(copies.values().all(|&(answered, _)| answered <= 1));
    let duplicated: u64 = copies
        .values()
        .map(|&(a, l)| (a + l).saturating_sub(1))
        .sum();
    let stored_then_dropped: u64 = copies.values().map(|&(_, l)| l).sum();
    assert!(
        duplicated <= stored_then_dropped,
        "{duplicated} duplicates > {stored_then_dropped}"
    );

    let mut faults: HashMap<String, u64> = HashMap::new();
    for f in mock.injected_faults() {
        let label = match f.fault {
            Fault::Status { status: 429, .. } => "429 + Retry-After".to_string(),
            Fault::Status { .. } => "5xx".to_string(),
            Fault::Drop {
                after_processing: true,
            } => "drop after storing".to_string(),
            Fault::Drop { .. } => "drop before storing".to_string(),
            Fault::Delay { .. } => "latency".to_string(),
            other => other.label(),
        };
        *faults.entry(label).or_default() += 1;
    }
    mock.shutdown().await;
    Figures {
        events,
        faults,
        delivered: report.delivered,
        undelivered: report.failed(),
        http_requests: report.http_requests,
        retried: report.retries,
        duplicated,
        lost,
        secs,
    }
}

fn print(name: &str, f: &Figures) {
    let mut faults: Vec<_> = f.faults.iter().collect();
    faults.sort();
    let total: u64 = f.faults.values().sum();
    println!(
        "soak {name}: {} events in {:.1} s; {} HTTP requests, {} faults injected {:?}; delivered {}, \
         undelivered (reported) {}, retried {}, duplicated {}, lost {}",
        f.events, f.secs, f.http_requests, total, faults, f.delivered, f.undelivered, f.retried, f.duplicated, f.lost
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_unbatched_with_faults() {
    let f = soak(20_000, Batching::default(), 7).await;
    print("unbatched", &f);
    assert_eq!(f.lost, 0);
    assert!(f.retried > 0 && f.faults.len() >= 5, "faults were injected");
    assert!(f.delivered + f.undelivered == f.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_batched_with_faults() {
    let f = soak(
        20_000,
        Batching {
            max_events: 50,
            max_bytes: 475_000,
        },
        11,
    )
    .await;
    print("batched x50", &f);
    assert_eq!(f.lost, 0);
    assert!(f.retried > 0);
    assert!(f.delivered + f.undelivered == f.events);
}
