//! Fault injection over real loopback HTTP.

use std::time::{Duration, Instant};

use usermaven_mock::{Fault, MockConfig, MockUsermaven, RandomFaults, StrictMode};

use crate::{event, s2s_token, KEY, SECRET};

async fn start() -> MockUsermaven {
    MockUsermaven::start(MockConfig::new(KEY, SECRET).with_strict(StrictMode::Reject))
        .await
        .unwrap()
}

fn url(mock: &MockUsermaven) -> String {
    format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token())
}

async fn send(mock: &MockUsermaven) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::new()
        .post(url(mock))
        .body(event("pageview").to_string())
        .send()
        .await
}

#[tokio::test]
async fn fail_next_then_recover() {
    let mock = start().await;
    mock.fail_next(2, 503);
    assert_eq!(send(&mock).await.unwrap().status(), 503);
    assert_eq!(send(&mock).await.unwrap().status(), 503);
    let ok = send(&mock).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), r#"{"status":"ok"}"#);
    assert_eq!(mock.events().len(), 1, "faulted requests are not processed");
    let faults = mock.injected_faults();
    assert_eq!(faults.len(), 2);
    assert!(faults
        .iter()
        .all(|f| f.fault == Fault::status(503) && f.origin == "script"));
    let reqs = mock.requests();
    assert_eq!(
        reqs.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(),
        ["fault", "fault", "accepted"]
    );
    assert_eq!(reqs[0].fault, Some(Fault::status(503)));
    mock.shutdown().await;
}

#[tokio::test]
async fn status_with_retry_after_and_body() {
    let mock = start().await;
    mock.inject(Fault::Status {
        status: 429,
        retry_after: Some("3".into()),
        body: Some("slow down".into()),
    });
    let res = send(&mock).await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "3");
    assert_eq!(res.text().await.unwrap(), "slow down");
    mock.shutdown().await;
}

#[tokio::test]
async fn added_latency() {
    let mock = start().await;
    mock.inject(Fault::delay(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(mock.events().len(), 1);
    assert!(mock.requests()[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("delay 300 ms"));
    mock.shutdown().await;
}

#[tokio::test]
async fn drop_closes_the_connection_without_a_response() {
    let mock = start().await;
    mock.inject(Fault::Drop {
        after_processing: false,
    });
    let err = send(&mock).await.unwrap_err();
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert!(mock.events().is_empty());
    assert_eq!(mock.requests()[0].status, None);
    assert_eq!(
        send(&mock).await.unwrap().status(),
        200,
        "the next connection works"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn drop_after_processing_makes_retries_duplicate() {
    let mock = start().await;
    mock.inject(Fault::Drop {
        after_processing: true,
    });
    assert!(send(&mock).await.is_err());
    assert_eq!(
        mock.events().len(),
        1,
        "stored before the connection was dropped"
    );
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    let dups = usermaven_mock::duplicates(&mock.events());
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0]["count"], 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn partial_response_breaks_the_body() {
    let mock = start().await;
    mock.inject(Fault::Partial);
    let res = send(&mock).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.is_err(), "body cut short");
    assert_eq!(mock.events().len(), 1);
    mock.shutdown().await;
}

#[tokio::test]
async fn slow_response_trips_client_timeouts() {
    let mock = start().await;
    mock.inject(Fault::Slow { byte_delay_ms: 50 });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let res = client
        .post(url(&mock))
        .body(event("pageview").to_string())
        .send()
        .await;
    let failed = match res {
        Err(e) => e.is_timeout(),
        Ok(r) => r.text().await.is_err(),
    };
    assert!(failed);
    // Without a timeout the whole body arrives.
    mock.inject(Fault::Slow { byte_delay_ms: 1 });
    assert_eq!(
        send(&mock).await.unwrap().text().await.unwrap(),
        r#"{"status":"ok"}"#
    );
    mock.shutdown().await;
}

async fn random_run(seed: u64) -> Vec<u16> {
    let mock = start().await;
    mock.set_random_faults(
        seed,
        RandomFaults {
            status: 0.5,
            statuses: vec![500, 503],
            ..Default::default()
        },
    );
    let mut out = Vec::new();
    for _ in 0..24 {
        out.push(send(&mock).await.unwrap().status().as_u16());
    }
    let faults = mock.injected_faults();
    assert_eq!(faults.len(), out.iter().filter(|s| **s != 200).count());
    assert!(faults.iter().all(|f| f.origin == "random"));
    mock.shutdown().await;
    out
}

#[tokio::test]
async fn random_faults_are_reproducible_per_seed() {
    let a = random_run(42).await;
    let b = random_run(42).await;
    assert_eq!(a, b);
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500), "{a:?}");
    assert!(a.iter().all(|s| [200, 500, 503].contains(s)));
    let c = random_run(7).await;
    assert_ne!(a, c);
}

#[tokio::test]
async fn scripted_faults_run_before_random_ones_and_clear() {
    let mock = start().await;
    mock.set_random_faults(
        1,
        RandomFaults {
            status: 1.0,
            statuses: vec![502],
            ..Default::default()
        },
    );
    mock.fail_next(1, 418);
    assert_eq!(send(&mock).await.unwrap().status(), 418);
    assert_eq!(send(&mock).await.unwrap().status(), 502);
    mock.clear_faults();
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    mock.shutdown().await;
}
