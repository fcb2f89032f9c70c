//! Fault injection over real loopback HTTP.

use std::time::{Duration, Instant};

use usermaven_mock::{
    Fault, FaultOrigin, MockConfig, MockUsermaven, Outcome, RandomFaults, StrictMode,
};

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
        .all(|f| f.fault == Fault::status(503) && f.origin == FaultOrigin::Script));
    let reqs = mock.requests();
    assert_eq!(
        reqs.iter().map(|r| r.outcome).collect::<Vec<_>>(),
        [Outcome::Fault, Outcome::Fault, Outcome::Accepted]
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
    let dups = mock.duplicates();
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
    assert!(faults.iter().all(|f| f.origin == FaultOrigin::Random));
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

/// Writes `head` and `body` on a raw connection and reads what comes back: the bytes, or the
/// error the read ended with.
async fn raw_exchange(
    mock: &MockUsermaven,
    declared: usize,
    body: &[u8],
) -> (Vec<u8>, Option<std::io::ErrorKind>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let head = format!(
        "POST /api/v1/s2s/event?token={} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n",
        s2s_token()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    // The server may stop reading: a failed write is part of what is observed.
    let _ = conn.write_all(body).await;
    let mut got = Vec::new();
    let end = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut got))
        .await
        .expect("the server ends the connection");
    (got, end.err().map(|e| e.kind()))
}

#[tokio::test]
async fn reset_sends_rst_before_any_response_byte() {
    let mock = start().await;
    mock.inject(Fault::Reset);
    let body = event("pageview").to_string();
    let (got, err) = raw_exchange(&mock, body.len(), body.as_bytes()).await;
    assert!(
        got.is_empty(),
        "no response byte: {:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(err, Some(std::io::ErrorKind::ConnectionReset));
    assert!(mock.events().is_empty(), "nothing processed");
    let r = &mock.requests()[0];
    assert_eq!((r.status, r.outcome), (None, Outcome::Fault));
    assert_eq!(r.fault, Some(Fault::Reset));
    // reqwest sees a failed request, and the next one works.
    mock.inject(Fault::Reset);
    assert!(send(&mock).await.is_err());
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    mock.shutdown().await;
}

#[tokio::test]
async fn partial_read_closes_after_part_of_the_body() {
    let mock = start().await;
    mock.inject(Fault::PartialRead);
    // Declare 400 KB, send 300 KB slowly enough that the server sees it in several chunks.
    let declared = 400_000;
    let (got, _) = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut conn = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
        let head = format!(
            "POST /api/v1/s2s/event?token={} HTTP/1.1\r\nhost: x\r\ncontent-length: {declared}\r\n\r\n[",
            s2s_token()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b' '; 10_000];
        let mut write_failed = false;
        for _ in 0..30 {
            if conn.write_all(&chunk).await.is_err() {
                write_failed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut got = Vec::new();
        let end = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut got))
            .await
            .expect("the server ends the connection");
        (got, (write_failed, end.is_err()))
    };
    assert!(
        got.is_empty(),
        "no response: {:?}",
        String::from_utf8_lossy(&got)
    );
    let r = &mock.requests()[0];
    assert_eq!(r.fault, Some(Fault::PartialRead));
    assert_eq!(r.status, None);
    assert!(
        r.body_len >= declared / 2 && r.body_len < declared,
        "read {} of {declared} bytes",
        r.body_len
    );
    assert!(mock.events().is_empty());
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    mock.shutdown().await;
}

#[tokio::test]
async fn connection_faults_are_drawn_reproducibly_too() {
    async fn kinds(seed: u64) -> Vec<String> {
        let mock = start().await;
        mock.set_random_faults(
            seed,
            RandomFaults {
                reset: 0.3,
                partial_read: 0.3,
                ..Default::default()
            },
        );
        for _ in 0..20 {
            let _ = send(&mock).await;
        }
        let out = mock
            .requests()
            .iter()
            .map(|r| r.fault.as_ref().map_or("none".to_owned(), Fault::label))
            .collect();
        mock.shutdown().await;
        out
    }
    let a = kinds(9).await;
    assert_eq!(a, kinds(9).await);
    assert!(a.iter().any(|k| k == "connection reset"), "{a:?}");
    assert!(
        a.iter().any(|k| k.starts_with("close after reading")),
        "{a:?}"
    );
    assert!(a.iter().any(|k| k == "none"), "{a:?}");
}

#[tokio::test]
async fn faults_json_is_what_the_admin_api_takes() {
    let mock = start().await;
    mock.state()
        .apply_faults_json(r#"{"faults":[{"kind":"status","status":503,"times":2},{"kind":"reset"}],"random":{"seed":3,"drop":0.0}}"#)
        .unwrap();
    assert_eq!(send(&mock).await.unwrap().status(), 503);
    assert_eq!(send(&mock).await.unwrap().status(), 503);
    assert!(send(&mock).await.is_err());
    assert_eq!(send(&mock).await.unwrap().status(), 200);
    let err = mock
        .state()
        .apply_faults_json(r#"{"kind":"nope"}"#)
        .unwrap_err();
    assert!(err.contains("invalid fault specification"), "{err}");
}
