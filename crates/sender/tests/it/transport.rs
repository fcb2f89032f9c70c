//! Transport failures: timeouts, connections closed mid-request, refused connections; an
//! endpoint that never answers or answers 503 forever is declared down.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use usermaven_sender::{Delivery, DownCause, SendError, Sender};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{assert_no_token, assert_results_clean, config, request_at, TOKEN};

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(600)))
        .expect(3)
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.timeout = Duration::from_millis(100);
    cfg.backoff.max_attempts = 3;
    let sender = Sender::new(cfg).expect("sender");
    let t = Instant::now();
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    assert!(
        t.elapsed() < Duration::from_millis(550),
        "{:?}",
        t.elapsed()
    );
    match &d {
        Delivery::GaveUp {
            attempts: 3,
            last_error: SendError::Timeout(t),
        } => {
            assert_eq!(*t, Duration::from_millis(100));
        }
        other => panic!("{other:?}"),
    }
    assert_no_token(&d);
    server.verify().await;
}

#[tokio::test]
async fn a_slow_first_attempt_is_retried_to_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.timeout = Duration::from_millis(150);
    let sender = Sender::new(cfg).expect("sender");
    let d = sender.send(&request_at(&server.uri(), 1)).await;
    assert!(
        matches!(
            d,
            Delivery::Delivered {
                status: 200,
                attempts: 2
            }
        ),
        "{d:?}"
    );
    server.verify().await;
}

/// What a raw TCP server does with the n-th connection (0-based).
#[derive(Clone, Copy)]
enum Act {
    /// Read the request, then close without answering.
    Close,
    /// Close at once without reading.
    CloseUnread,
    /// Answer 200 with keep-alive off.
    Ok,
}

/// A raw TCP server that follows `script(n)` for its n-th connection. Returns its base URL
/// and the number of connections accepted.
async fn tcp_server(script: fn(usize) -> Act) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = c.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(stream, script(n)));
        }
    });
    (format!("http://{addr}"), count)
}

async fn handle(mut stream: TcpStream, act: Act) {
    if let Act::CloseUnread = act {
        return;
    }
    let _ = read_request(&mut stream).await;
    if let Act::Ok = act {
        let resp = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}";
        let _ = stream.write_all(resp.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// Read one HTTP/1.1 request (headers, then content-length bytes).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Ok(buf);
            }
        }
    }
}

#[tokio::test]
async fn connections_closed_without_a_response_are_retried_then_reported() {
    for act in [Act::Close, Act::CloseUnread] {
        let script: fn(usize) -> Act = match act {
            Act::Close => |_| Act::Close,
            _ => |_| Act::CloseUnread,
        };
        let (base, count) = tcp_server(script).await;
        let sender = Sender::new(config()).expect("sender");
        let d = sender.send(&request_at(&base, 1)).await;
        match &d {
            Delivery::GaveUp {
                attempts: 4,
                last_error: SendError::Transport(_) | SendError::Connect(_),
            } => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(count.load(Ordering::SeqCst), 4);
        assert_no_token(&d);
    }
}

#[tokio::test]
async fn a_reset_connection_is_retried_to_success() {
    let (base, count) = tcp_server(|n| if n < 2 { Act::Close } else { Act::Ok }).await;
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&request_at(&base, 1)).await;
    assert!(
        matches!(
            d,
            Delivery::Delivered {
                status: 200,
                attempts: 3
            }
        ),
        "{d:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    // Refused connections spend no attempt (an endpoint back within the down-timeout must lose
    // nothing): the request is retried, with backoff, until the endpoint is declared down.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let base = format!("http://{addr}");
    let mut cfg = config();
    cfg.backoff.max_attempts = 2;
    cfg.down_timeout = Duration::from_millis(400);
    let sender = Sender::new(cfg).expect("sender");
    let d = sender.send(&request_at(&base, 1)).await;
    match &d {
        Delivery::GaveUp {
            attempts,
            last_error: e @ SendError::Unreachable { .. },
        } => {
            assert!(*attempts > 2, "more tries than max_attempts: {attempts}");
            let chain = e.chain();
            assert!(chain.contains("unreachable"), "{chain}");
            assert!(!chain.contains(TOKEN), "{chain}");
            // The error and its whole source chain, Debug included.
            let dbg = format!("{e:?}");
            assert!(!dbg.contains(TOKEN) && !dbg.contains("token="), "{dbg}");
        }
        other => panic!("{other:?}"),
    }
    assert_no_token(&d);
}

#[tokio::test]
async fn a_refusing_endpoint_is_declared_down_after_the_down_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let base = format!("http://{addr}");
    let mut cfg = config();
    cfg.down_timeout = Duration::from_millis(800);
    let sender = Sender::new(cfg).expect("sender");
    // Many events: the run still ends after about the down-timeout, each one reported.
    let (tx, rx) = usermaven_sender::channel(16);
    tokio::spawn(async move {
        for i in 0..5_000 {
            let e = usermaven_sender::Envelope {
                id: i,
                meta: (),
                request: request_at(&base, i),
            };
            if tx.send(e).await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut results = Vec::new();
    let report = sender
        .run(rx, usermaven_sender::CancellationToken::new(), |r| {
            results.push(r)
        })
        .await;
    let took = started.elapsed();
    assert!(report.endpoint_down, "{report:?}");
    assert_eq!(report.delivered, 0);
    assert_eq!(report.events, results.len() as u64);
    assert!(
        took >= Duration::from_millis(800)
            && took < Duration::from_millis(800) + usermaven_sender::breaker::MAX_PROBE * 2,
        "{took:?}"
    );
    let unreachable = results
        .iter()
        .filter(|r| matches!(&r.delivery, Delivery::GaveUp { last_error: SendError::Unreachable { origin, .. }, .. } if *origin == format!("http://{addr}")))
        .count();
    assert!(unreachable >= 1, "{:?}", results.first());
    assert_results_clean(&results);
}

#[tokio::test]
async fn requests_to_a_closed_port_never_print_the_url() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let req = request_at(&format!("http://{addr}"), 1);
    let sender = Sender::new(config()).expect("sender");
    let d = sender.send(&req).await;
    assert!(matches!(d, Delivery::GaveUp { .. }), "{d:?}");
    assert_no_token(&d);
    assert!(!format!("{d:?}").contains("token="), "{d:?}");
}

/// `Sender::run` over `n` events into `base`; the results and how long the run took.
async fn run_into(
    base: &str,
    cfg: usermaven_sender::SenderConfig,
    n: u64,
) -> (
    usermaven_sender::Report,
    Vec<usermaven_sender::EventResult<()>>,
    Duration,
) {
    let sender = Sender::new(cfg).expect("sender");
    let (tx, rx) = usermaven_sender::channel(16);
    let base = base.to_string();
    tokio::spawn(async move {
        for i in 0..n {
            let e = usermaven_sender::Envelope {
                id: i,
                meta: (),
                request: request_at(&base, i),
            };
            if tx.send(e).await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut results = Vec::new();
    let report = sender
        .run(rx, usermaven_sender::CancellationToken::new(), |r| {
            results.push(r)
        })
        .await;
    (report, results, started.elapsed())
}

fn given_up_as(results: &[usermaven_sender::EventResult<()>], cause: DownCause) -> usize {
    results
        .iter()
        .filter(|r| {
            matches!(&r.delivery, Delivery::GaveUp {
                last_error: SendError::Unreachable { cause: c, .. }, ..
            } if *c == cause)
        })
        .count()
}

#[tokio::test]
async fn an_endpoint_that_never_answers_is_declared_down_after_the_down_timeout() {
    // Accepts every connection, reads nothing, answers nothing.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut cfg = config();
    cfg.timeout = Duration::from_millis(300);
    cfg.down_timeout = Duration::from_secs(1);
    let (report, results, took) = run_into(&base, cfg, 2_000).await;
    assert!(report.endpoint_down, "{report:?}");
    assert_eq!(report.down_cause, Some(DownCause::NoAnswer));
    assert_eq!(report.delivered, 0);
    assert_eq!(report.events, results.len() as u64);
    // The down-timeout from the first unanswered attempt, then at most the probe under way
    // (a timeout); slack for a loaded machine.
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(given_up_as(&results, DownCause::NoAnswer) >= 1);
    // Nothing close to 2,000 × 4 attempts: requests waited instead of spending attempts.
    assert!(report.http_requests < 100, "{report:?}");
    let reason = results[0].delivery.reason();
    assert!(!reason.contains(TOKEN), "{reason}");
    assert_results_clean(&results);
}

#[tokio::test]
async fn an_endpoint_answering_503_forever_is_declared_down_whatever_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.retry_after_cap = Duration::from_secs(60);
    cfg.down_timeout = Duration::from_secs(1);
    let (report, results, took) = run_into(&server.uri(), cfg, 2_000).await;
    assert!(report.endpoint_down, "{report:?}");
    assert_eq!(
        report.down_cause,
        Some(DownCause::Unavailable { status: 503 })
    );
    assert_eq!(report.events, results.len() as u64);
    // Retry-After asks for an hour: the run still ends at the down-timeout.
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(given_up_as(&results, DownCause::Unavailable { status: 503 }) >= 1);
    let given_up = results
        .iter()
        .find(|r| matches!(r.delivery, Delivery::GaveUp { .. }))
        .expect("a request given up");
    let text = given_up.delivery.reason();
    assert!(
        text.contains("unavailable") && text.contains("503"),
        "{text}"
    );
    assert_results_clean(&results);
}
