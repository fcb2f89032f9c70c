//! Target `sender`: `Sender::send` against a raw TCP server on loopback that follows a script,
//! one step per HTTP request it receives: a full response (any status, odd `Retry-After`
//! values, chunked or not, keep-alive or close), a body cut short, an endless body, a
//! connection reset, garbage instead of HTTP, silence, a response before the request body is
//! read. The sender must never panic or hang (every call ends within its attempts' timeouts
//! and capped `Retry-After` waits), and the `Delivery` must be one the script allows: the
//! status of the step that ended it, the attempt count, a reason that names the status and
//! never the token.
//!
//! Input file: `{"attempts": N, "steps": [{"kind", "status", "retry_after", "body", "close"}, …]}`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use usermaven_destination::{Request, Secret};
use usermaven_json::{Object, Value};
use usermaven_sender::{classify, Backoff, Delivery, Outcome, SendError, Sender, SenderConfig};

use super::rng::Rng;
use super::Target;

const SECRET: &str = "fuzzsecret";
const TIMEOUT: Duration = Duration::from_millis(150);
const RETRY_AFTER_CAP: Duration = Duration::from_millis(20);
const MAX_BODY: usize = 64;

const KINDS: &[&str] = &[
    "full",
    "full",
    "full",
    "full",
    "chunked",
    "truncated",
    "reset",
    "garbage",
    "early",
    "endless",
    "silent",
    "bad-status",
];

#[derive(Clone, Debug)]
struct Step {
    kind: String,
    status: u16,
    retry_after: Option<String>,
    body: String,
    close: bool,
}

#[derive(Default)]
struct Shared {
    steps: Vec<Step>,
    seen: usize,
}

pub struct SenderTarget {
    rt: tokio::runtime::Runtime,
    shared: Arc<Mutex<Shared>>,
    base: String,
    /// Deliveries by kind, for the report.
    kinds: std::collections::BTreeMap<&'static str, u64>,
}

impl SenderTarget {
    pub fn new() -> anyhow::Result<SenderTarget> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}", listener.local_addr()?);
        let s = shared.clone();
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone()));
            }
        });
        Ok(SenderTarget {
            rt,
            shared,
            base,
            kinds: Default::default(),
        })
    }
}

/// Reads one request (head and `Content-Length` body); false at EOF or on garbage.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, read_body: bool) -> bool {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if !read_body {
        buf.drain(..head_end);
        return true;
    }
    while buf.len() < head_end + len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf.drain(..head_end + len);
    true
}

fn head(step: &Step, extra: &str) -> String {
    let mut h = format!("HTTP/1.1 {} X\r\n", step.status);
    if let Some(ra) = &step.retry_after {
        h.push_str(&format!("Retry-After: {ra}\r\n"));
    }
    if step.close {
        h.push_str("Connection: close\r\n");
    }
    h.push_str(extra);
    h.push_str("\r\n");
    h
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut buf = Vec::new();
    loop {
        // Which step comes next is only known once a request arrives; `early` answers before
        // the body is read.
        let peek_early = shared
            .lock()
            .ok()
            .and_then(|s| s.steps.get(s.seen).map(|st| st.kind == "early"))
            .unwrap_or(false);
        if !read_request(&mut stream, &mut buf, !peek_early).await {
            return;
        }
        let step = {
            let Ok(mut s) = shared.lock() else { return };
            let step = s.steps.get(s.seen).cloned().unwrap_or(Step {
                kind: "full".into(),
                status: 200,
                retry_after: None,
                body: String::new(),
                close: true,
            });
            s.seen += 1;
            step
        };
        let body = step.body.as_bytes();
        let w = match step.kind.as_str() {
            "full" | "early" => {
                let mut out =
                    head(&step, &format!("Content-Length: {}\r\n", body.len())).into_bytes();
                out.extend_from_slice(body);
                stream.write_all(&out).await
            }
            "chunked" => {
                let mut out = head(&step, "Transfer-Encoding: chunked\r\n").into_bytes();
                for piece in body.chunks(7) {
                    out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                    out.extend_from_slice(piece);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                stream.write_all(&out).await
            }
            "truncated" => {
                let mut out =
                    head(&step, &format!("Content-Length: {}\r\n", body.len() + 100)).into_bytes();
                out.extend_from_slice(body);
                let _ = stream.write_all(&out).await;
                return;
            }
            "endless" => {
                let out = head(&step, "Content-Length: 1000000000\r\n");
                if stream.write_all(out.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    if stream.write_all(&[b'x'; 512]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            "reset" => {
                let _ = stream.set_zero_linger();
                return;
            }
            "garbage" => {
                let _ = stream.write_all(body).await;
                let _ = stream.write_all(b"\x00\xff\r\n\r\n").await;
                return;
            }
            "silent" => {
                let mut sink = [0u8; 1024];
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
                return;
            }
            _ => {
                // "bad-status": not a status line HTTP can parse.
                let out = format!("HTTP/1.1 {}0 X\r\nContent-Length: 0\r\n\r\n", step.status);
                let _ = stream.write_all(out.as_bytes()).await;
                return;
            }
        };
        if w.is_err() || step.close || step.kind == "early" {
            return;
        }
    }
}

fn random_step(rng: &mut Rng) -> Value {
    let mut o = Object::new();
    let kind = *rng.pick(KINDS);
    let status = match rng.below(6) {
        0 => 200 + rng.below(100),
        1 => *rng.pick(&[408, 423, 429, 500, 501, 502, 503, 504]),
        2 => 400 + rng.below(200),
        3 => 300 + rng.below(100),
        4 => 200,
        _ => 100 + rng.below(500),
    } as u16;
    o.set("kind", Value::str(kind));
    o.set("status", Value::Number(f64::from(status)));
    if rng.chance(1, 2) {
        let ra = rng.pick(&[
            "0",
            "1",
            "120",
            "99999999999999999999999",
            "-1",
            "1.5",
            "",
            " 3 ",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "soon",
            "🎉",
        ]);
        o.set("retry_after", Value::str(ra));
    }
    let body = match rng.below(5) {
        0 => String::new(),
        1 => format!("{{\"message\":\"The token is not found: fuzzkey.{SECRET}\"}}"),
        2 => "x".repeat(rng.small(10_000)),
        3 => "{\"status\":\"ok\"}".into(),
        _ => "ümlaut \u{0} 🎉 \r\n".into(),
    };
    o.set("body", Value::str(&body));
    o.set("close", Value::Bool(rng.chance(1, 2)));
    Value::Object(o)
}

fn steps_of(v: &Value) -> Vec<Step> {
    let Some(Value::Array(steps)) = v.get("steps") else {
        return Vec::new();
    };
    steps
        .iter()
        .map(|s| Step {
            kind: s
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("full")
                .into(),
            status: s
                .get("status")
                .and_then(Value::as_f64)
                .map(|n| n.clamp(100.0, 999.0) as u16)
                .unwrap_or(200),
            retry_after: s
                .get("retry_after")
                .and_then(Value::as_str)
                .map(str::to_string),
            body: s.get("body").and_then(Value::as_str).unwrap_or("").into(),
            close: s.get("close").and_then(Value::as_bool).unwrap_or(true),
        })
        .collect()
}

/// What one step may lead to: the status it delivers or rejects with, or another attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    Delivered(u16),
    Rejected(u16),
    Retry,
}

fn classes(step: &Step) -> Vec<Class> {
    let by_status = match classify(step.status) {
        Outcome::Delivered => Class::Delivered(step.status),
        Outcome::Reject => Class::Rejected(step.status),
        Outcome::Retry => Class::Retry,
    };
    // Informational statuses are not final responses for HTTP; their handling is the HTTP
    // client's.
    if step.status < 200 {
        return vec![by_status, Class::Retry];
    }
    match step.kind.as_str() {
        "full" | "chunked" => vec![by_status],
        "truncated" | "endless" | "early" => vec![by_status, Class::Retry],
        _ => vec![Class::Retry],
    }
}

/// The `Delivery` against what the script allows.
fn judge(steps: &[Step], attempts: u32, d: &Delivery) -> Result<(), String> {
    let reason = d.reason();
    if reason.contains(SECRET) {
        return Err(format!("the report shows the token: {reason}"));
    }
    let default = Step {
        kind: "full".into(),
        status: 200,
        retry_after: None,
        body: String::new(),
        close: true,
    };
    let step = |i: usize| steps.get(i).unwrap_or(&default);
    let got_attempts = d.attempts() as usize;
    if got_attempts == 0 || got_attempts > attempts as usize {
        return Err(format!(
            "{got_attempts} attempt(s) reported, at most {attempts} allowed"
        ));
    }
    let last = step(got_attempts - 1);
    // Every attempt before the last must have been one the sender could retry.
    for i in 0..got_attempts - 1 {
        if !classes(step(i)).contains(&Class::Retry) {
            return Err(format!(
                "attempt {} ({} {}) cannot be retried, yet the sender went on: {reason}",
                i + 1,
                step(i).kind,
                step(i).status
            ));
        }
    }
    let allowed = classes(last);
    let ok = match d {
        Delivery::Delivered { status, .. } => allowed.contains(&Class::Delivered(*status)),
        Delivery::Rejected {
            status, message, ..
        } => {
            if message.len() > MAX_BODY + 8 {
                return Err(format!(
                    "rejection message over {MAX_BODY} bytes: {message:?}"
                ));
            }
            allowed.contains(&Class::Rejected(*status)) && reason.contains(&status.to_string())
        }
        Delivery::GaveUp { last_error, .. } => {
            let status_ok = match last_error {
                SendError::Status { status, .. } => {
                    *status == last.status && reason.contains(&status.to_string())
                }
                _ => true,
            };
            got_attempts == attempts as usize && allowed.contains(&Class::Retry) && status_ok
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} after {got_attempts} attempt(s) does not follow the script (last step {} {}: {allowed:?}): {reason}",
            d.kind(),
            last.kind,
            last.status
        ))
    }
}

impl Target for SenderTarget {
    fn name(&self) -> &'static str {
        "sender"
    }

    fn notes(&self) -> Vec<String> {
        let by: Vec<String> = self
            .kinds
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        vec![format!("deliveries by kind: {}", by.join(", "))]
    }

    fn input(&mut self, rng: &mut Rng) -> Vec<u8> {
        let attempts = 1 + rng.below(4);
        let mut o = Object::new();
        o.set("attempts", Value::Number(attempts as f64));
        o.set(
            "steps",
            Value::Array((0..attempts).map(|_| random_step(rng)).collect()),
        );
        Value::Object(o).to_json().into_bytes()
    }

    fn check(&mut self, input: &[u8]) -> Result<(), String> {
        // An envelope that is not JSON (AFL mutates whole files) is no input of this target.
        let Ok(v) = Value::parse(&String::from_utf8_lossy(input)) else {
            return Ok(());
        };
        let attempts = v
            .get("attempts")
            .and_then(Value::as_f64)
            .map(|n| n.clamp(1.0, 8.0) as u32)
            .unwrap_or(1);
        let steps = steps_of(&v);
        if let Ok(mut s) = self.shared.lock() {
            s.steps = steps.clone();
            s.seen = 0;
        }
        let config = SenderConfig {
            concurrency: 1,
            timeout: TIMEOUT,
            backoff: Backoff {
                initial: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                max_attempts: attempts,
                seed: 7,
            },
            retry_after_cap: RETRY_AFTER_CAP,
            max_response_bytes: MAX_BODY,
            ..SenderConfig::default()
        };
        // A fresh client per input: no pooled connection carries over from another script.
        let sender = Sender::new(config).map_err(|e| format!("sender: {e}"))?;
        let request = Request {
            // The URL decides where the request goes (the destination's base URL builds it).
            url: Secret::new(format!(
                "{}/api/v1/s2s/event?token=fuzzkey.{SECRET}",
                self.base
            )),
            method: "POST",
            headers: vec![("content-type".into(), "application/json".into())],
            body: "{\"event_type\":\"fuzz\"}".into(),
        };
        let bound = (TIMEOUT + RETRY_AFTER_CAP + Duration::from_millis(50)) * attempts
            + Duration::from_secs(2);
        let delivery = self
            .rt
            .block_on(async { tokio::time::timeout(bound, sender.send(&request)).await })
            .map_err(|_| format!("send did not finish within {bound:?}"))?;
        *self.kinds.entry(delivery.kind()).or_default() += 1;
        let seen = self.shared.lock().map(|s| s.seen).unwrap_or(0);
        if seen > delivery.attempts() as usize {
            return Err(format!(
                "the server saw {seen} request(s), the report says {} attempt(s)",
                delivery.attempts()
            ));
        }
        judge(&steps, attempts, &delivery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: &str, status: u16) -> Step {
        Step {
            kind: kind.into(),
            status,
            retry_after: None,
            body: String::new(),
            close: true,
        }
    }

    #[test]
    fn judge_follows_the_script() {
        let script = [step("full", 503), step("full", 200)];
        let delivered = Delivery::Delivered {
            status: 200,
            attempts: 2,
        };
        assert!(judge(&script, 3, &delivered).is_ok());
        // Delivered on the first attempt, which was a 503: wrong.
        let early = Delivery::Delivered {
            status: 200,
            attempts: 1,
        };
        assert!(judge(&script, 3, &early).is_err());
        // A final status retried: wrong.
        let script = [step("full", 400), step("full", 200)];
        assert!(judge(&script, 3, &delivered).is_err());
        let rejected = Delivery::Rejected {
            status: 400,
            message: String::new(),
            attempts: 1,
        };
        assert!(judge(&script, 3, &rejected).is_ok());
        // A reset may only lead to another attempt.
        let script = [step("reset", 200), step("full", 200)];
        assert!(judge(&script, 3, &early).is_err());
        assert!(judge(&script, 3, &delivered).is_ok());
    }
}
