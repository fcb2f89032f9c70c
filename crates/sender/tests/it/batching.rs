//! Batching: JSON arrays bounded by count and bytes; oversize events go alone.

use usermaven_sender::{
    channel, Batching, CancellationToken, Envelope, EventResult, Report, Sender, MAX_EVENT_BYTES,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{accepting, assert_results_clean, body, config, request_at, request_with_body_at, KEY};

/// Queue every request first (so batches can fill), then run to completion.
async fn run_all(
    sender: &Sender,
    requests: Vec<usermaven_request::Request>,
) -> (Report, Vec<EventResult<()>>) {
    let (tx, rx) = channel(requests.len().max(1));
    for (i, request) in requests.into_iter().enumerate() {
        tx.send(Envelope {
            id: i as u64 + 1,
            meta: (),
            request,
        })
        .await
        .expect("queue");
    }
    drop(tx);
    let mut results = Vec::new();
    let report = sender
        .run(rx, CancellationToken::new(), |r| results.push(r))
        .await;
    results.sort_by_key(|r| r.id);
    (report, results)
}

async fn bodies(server: &MockServer) -> Vec<String> {
    let reqs = server.received_requests().await.unwrap_or_default();
    reqs.iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

fn batching(max_events: usize, max_bytes: usize) -> Batching {
    Batching {
        max_events,
        max_bytes,
    }
}

#[tokio::test]
async fn batches_are_cut_at_max_events() {
    let server = accepting(3).await;
    let mut cfg = config();
    cfg.concurrency = 1;
    cfg.batching = batching(4, 1_000_000);
    let sender = Sender::new(cfg).expect("sender");
    let reqs: Vec<_> = (1..=10).map(|i| request_at(&server.uri(), i)).collect();
    let want: Vec<String> = [(1..=4), (5..=8), (9..=10)]
        .into_iter()
        .map(|r| format!("[{}]", r.map(body).collect::<Vec<_>>().join(",")))
        .collect();
    let (report, results) = run_all(&sender, reqs).await;
    assert_eq!(bodies(&server).await, want);
    assert_eq!(
        (
            report.events,
            report.delivered,
            report.batches,
            report.http_requests
        ),
        (10, 10, 3, 3)
    );
    let sizes: Vec<usize> = results.iter().map(|r| r.batch_size).collect();
    assert_eq!(sizes, [4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
    assert_results_clean(&results);
    server.verify().await;
}

#[tokio::test]
async fn batches_are_cut_at_max_bytes_exactly() {
    let len = body(1).len();
    assert_eq!(len, body(9).len());
    // Three bodies, two commas, two brackets.
    let three = 3 * len + 2 + 2;
    for (max_bytes, want_sizes) in [(three, vec![3, 3, 3]), (three - 1, vec![2, 2, 2, 2, 1])] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let mut cfg = config();
        cfg.concurrency = 1;
        cfg.batching = batching(100, max_bytes);
        let sender = Sender::new(cfg).expect("sender");
        let (report, _) = run_all(
            &sender,
            (1..=9).map(|i| request_at(&server.uri(), i)).collect(),
        )
        .await;
        let got = bodies(&server).await;
        let sizes: Vec<usize> = got
            .iter()
            .map(|b| {
                serde_json::from_str::<serde_json::Value>(b)
                    .map(|v| v.as_array().map_or(1, Vec::len))
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(sizes, want_sizes, "max_bytes {max_bytes}");
        assert!(
            got.iter().all(|b| b.len() <= max_bytes),
            "max_bytes {max_bytes}"
        );
        // A batch of one is sent as the plain object, exactly as Segment would.
        assert!(
            got.iter().all(|b| b.starts_with('[') == b.contains("},{")),
            "{got:?}"
        );
        assert_eq!(report.delivered, 9);
    }
}

#[tokio::test]
async fn oversize_events_are_sent_alone_and_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.concurrency = 1;
    cfg.batching = batching(10, 1_000_000);
    let sender = Sender::new(cfg).expect("sender");
    let filler = "x".repeat(MAX_EVENT_BYTES);
    let big = request_with_body_at(
        &server.uri(),
        format!(r#"{{"api_key":"{KEY}","event_id":"big","pad":"{filler}"}}"#),
    );
    let big_body = big.body.clone();
    let reqs = vec![
        request_at(&server.uri(), 1),
        request_at(&server.uri(), 2),
        big,
        request_at(&server.uri(), 4),
        request_at(&server.uri(), 5),
    ];
    let (report, results) = run_all(&sender, reqs).await;
    let got = bodies(&server).await;
    assert_eq!(
        got.len(),
        3,
        "{:?}",
        got.iter().map(String::len).collect::<Vec<_>>()
    );
    assert_eq!(got[0], format!("[{},{}]", body(1), body(2)));
    assert_eq!(got[1], big_body);
    assert_eq!(got[2], format!("[{},{}]", body(4), body(5)));
    assert_eq!((report.oversize, report.delivered), (1, 5));
    assert!(results[2].oversize && results[2].batch_size == 1);
    assert!(results
        .iter()
        .enumerate()
        .all(|(i, r)| r.oversize == (i == 2)));
}

#[tokio::test]
async fn per_event_content_length_does_not_split_batches() {
    let server = accepting(1).await;
    let mut cfg = config();
    cfg.batching = batching(10, 1_000_000);
    let sender = Sender::new(cfg).expect("sender");
    let reqs = (1..=3)
        .map(|i| {
            let mut r = request_with_body_at(
                &server.uri(),
                format!(r#"{{"event_id":"{}"}}"#, "x".repeat(i)),
            );
            r.headers
                .push(("content-length".into(), r.body.len().to_string().into()));
            r
        })
        .collect();
    let (report, _) = run_all(&sender, reqs).await;
    assert_eq!((report.delivered, report.http_requests), (3, 1));
    server.verify().await;
}

#[tokio::test]
async fn a_batch_shares_one_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("one bad event rejects the batch"))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.batching = batching(5, 1_000_000);
    let sender = Sender::new(cfg).expect("sender");
    let (report, results) = run_all(
        &sender,
        (1..=5).map(|i| request_at(&server.uri(), i)).collect(),
    )
    .await;
    assert_eq!(
        (report.events, report.rejected, report.http_requests),
        (5, 5, 1)
    );
    for r in &results {
        assert_eq!(
            r.delivery.reason(),
            "rejected: HTTP 400: one bad event rejects the batch"
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn without_batching_bodies_are_sent_as_is() {
    let server = accepting(5).await;
    let mut cfg = config();
    cfg.concurrency = 1;
    let sender = Sender::new(cfg).expect("sender");
    let (report, _) = run_all(
        &sender,
        (1..=5).map(|i| request_at(&server.uri(), i)).collect(),
    )
    .await;
    let want: Vec<String> = (1..=5).map(body).collect();
    assert_eq!(bodies(&server).await, want);
    assert_eq!(report.batches, 5);
    server.verify().await;
}
