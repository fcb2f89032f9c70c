//! A raw HTTP/1.1 endpoint on loopback that answers like Usermaven (200, keep-alive) for its
//! first requests, then fails in one scripted way — for a while or for good — to drive `send`
//! into each failure mode of an endpoint that stops answering.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the endpoint fails once it has served its first requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Accepts connections, reads the request, and never answers (a black hole).
    Silent,
    /// Reads the request and closes the connection without an answer.
    Close,
    /// Answers `503 Service Unavailable` with this `Retry-After` (seconds).
    Unavailable(u32),
}

#[derive(Default)]
struct State {
    requests: usize,
    /// When the first failing request came.
    failing_since: Option<Instant>,
    /// `event_id`s of the events answered 200.
    delivered: HashSet<String>,
}

pub struct Scripted {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Scripted {
    /// Serve the first `good_for` requests, then fail as `failure` says; with `back_after`,
    /// serve again that long after the first failing request.
    pub fn start(
        rt: &tokio::runtime::Runtime,
        good_for: usize,
        failure: Failure,
        back_after: Option<Duration>,
    ) -> Scripted {
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone(), good_for, failure, back_after));
            }
        });
        Scripted { addr, state }
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `event_id`s answered 200.
    pub fn delivered(&self) -> HashSet<String> {
        self.state.lock().expect("state").delivered.clone()
    }

    /// Whether the endpoint has started failing.
    pub fn failed(&self) -> bool {
        self.state.lock().expect("state").failing_since.is_some()
    }
}

async fn serve(
    mut stream: TcpStream,
    state: Arc<Mutex<State>>,
    good_for: usize,
    failure: Failure,
    back_after: Option<Duration>,
) {
    let mut buf = Vec::new();
    while let Some(body) = read_request(&mut stream, &mut buf).await {
        let failing = {
            let mut s = state.lock().expect("state");
            s.requests += 1;
            let failing = s.requests > good_for
                && match (s.failing_since, back_after) {
                    (None, _) => {
                        s.failing_since = Some(Instant::now());
                        true
                    }
                    (Some(since), Some(back)) => since.elapsed() < back,
                    (Some(_), None) => true,
                };
            if !failing {
                s.delivered.insert(event_id(&body));
            }
            failing
        };
        let answer = match (failing, failure) {
            (false, _) => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}".to_string(),
            (true, Failure::Unavailable(after)) => format!("HTTP/1.1 503 Service Unavailable\r\nretry-after: {after}\r\ncontent-length: 0\r\n\r\n"),
            (true, Failure::Close) => return,
            (true, Failure::Silent) => {
                // Hold the connection until the client gives up on it.
                let mut sink = [0u8; 4096];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
        };
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The `event_id` of a single-event body (what the destination sends without batching).
fn event_id(body: &[u8]) -> String {
    let v = usermaven_json::Value::parse(&String::from_utf8_lossy(body)).expect("JSON body");
    v.get("event_id")
        .and_then(|v| v.as_str())
        .expect("event_id")
        .to_string()
}

/// Read one request (head, then `content-length` bytes of body) from a keep-alive
/// connection; `None` once the client closes it.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = buf[end + 4..end + 4 + len].to_vec();
                buf.drain(..end + 4 + len);
                return Some(body);
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
