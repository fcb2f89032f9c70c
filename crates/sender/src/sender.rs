//! The delivery engine: a keep-alive HTTP client, a bounded number of requests in flight,
//! optional batching, retries, and an orderly shutdown.

use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use usermaven_request::{Header, Request};

use crate::breaker::{Breaker, DownCause, Signal, SILENT_FOR};
use crate::report::{Delivery, EventResult, Report};
use crate::retry::{classify, delays, retry_after, Backoff, Outcome};
use crate::scrub::Scrubber;
use crate::{BuildError, SendError};

/// Usermaven's `max_event_size`: a single event body over this many bytes is rejected.
pub const MAX_EVENT_BYTES: usize = 51_200;

/// Batching of several events into one JSON array body, as the s2s endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    /// Events per request; 1 (or 0) turns batching off: each body is sent exactly as given.
    pub max_events: usize,
    /// Bytes per request body, brackets and commas included.
    pub max_bytes: usize,
}

impl Default for Batching {
    /// Off. (`max_bytes` is Usermaven's Python client's 475 kB, used once batching is on.)
    fn default() -> Batching {
        Batching {
            max_events: 1,
            max_bytes: 475_000,
        }
    }
}

/// How the sender behaves. The defaults follow Segment: 10 s timeout, no batching.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Requests (single events or batches) in flight at once. 0 acts as 1.
    pub concurrency: usize,
    /// Per attempt, from connecting until the response body is read.
    pub timeout: Duration,
    /// Retry schedule; its seed makes the jitter reproducible.
    pub backoff: Backoff,
    /// `Retry-After` is honoured up to this long (it replaces the backoff delay).
    pub retry_after_cap: Duration,
    pub batching: Batching,
    /// After shutdown, how long requests in flight may take before they are abandoned.
    pub drain_timeout: Duration,
    /// At most this much of a response body is kept (for rejection messages).
    pub max_response_bytes: usize,
    /// How long every request may fail (refused, no answer, a retryable status) before the
    /// endpoint is declared down and the run ends (see [`crate::breaker`]).
    pub down_timeout: Duration,
}

impl Default for SenderConfig {
    fn default() -> SenderConfig {
        SenderConfig {
            concurrency: 16,
            timeout: Duration::from_secs(10),
            backoff: Backoff::default(),
            retry_after_cap: Duration::from_secs(60),
            batching: Batching::default(),
            drain_timeout: Duration::from_secs(10),
            max_response_bytes: 4096,
            down_timeout: Duration::from_secs(30),
        }
    }
}

/// One event to deliver: the caller's `id` (e.g. its input line number) and `meta` come back
/// in its [`EventResult`].
#[derive(Debug)]
pub struct Envelope<M> {
    pub id: u64,
    pub meta: M,
    pub request: Request,
}

/// A bounded channel feeding [`Sender::run`]: the producer waits when it is full, so memory
/// stays bounded whatever the input size.
pub fn channel<M>(capacity: usize) -> (mpsc::Sender<Envelope<M>>, mpsc::Receiver<Envelope<M>>) {
    mpsc::channel(capacity.max(1))
}

/// Delivers requests. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct Sender {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    config: SenderConfig,
    breaker: Breaker,
    /// Numbers each delivery (a request and its retries) for the breaker.
    next_key: AtomicU64,
}

/// What one HTTP attempt returned.
struct Response {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// An attempt that failed, with the status and `Retry-After` if they came before the failure
/// (a body cut short).
struct Failed {
    error: SendError,
    status: Option<(u16, Option<Duration>)>,
}

/// What an attempt says about the endpoint (see [`crate::breaker`]).
fn signal_of(result: &Result<Response, Failed>, retry_after_cap: Duration) -> Signal {
    let by_status = |status: u16, retry_after: Option<Duration>| match classify(status) {
        Outcome::Retry => Signal::Unavailable {
            status,
            retry_after: retry_after.map(|d| d.min(retry_after_cap)),
        },
        Outcome::Delivered | Outcome::Reject => Signal::Answered,
    };
    match result {
        Ok(r) => by_status(r.status, r.retry_after),
        Err(Failed {
            status: Some((status, retry_after)),
            ..
        }) => by_status(*status, *retry_after),
        Err(Failed {
            error: SendError::Connect(_),
            ..
        }) => Signal::Refused,
        Err(Failed {
            error: SendError::Timeout(_),
            ..
        }) => Signal::TimedOut,
        Err(Failed {
            error: SendError::Transport(_),
            ..
        }) => Signal::Closed,
        Err(_) => Signal::Unknown,
    }
}

impl Sender {
    pub fn new(config: SenderConfig) -> Result<Sender, BuildError> {
        let client = reqwest::Client::builder()
            // A redirect would re-send the token to wherever the server points.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(config.concurrency.max(1))
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| BuildError::Client(e.without_url()))?;
        Ok(Sender {
            inner: Arc::new(Inner {
                client,
                breaker: Breaker::new(config.down_timeout),
                next_key: AtomicU64::new(0),
                config,
            }),
        })
    }

    pub fn config(&self) -> &SenderConfig {
        &self.inner.config
    }

    /// Deliver one request (retries included) and wait for the outcome.
    pub async fn send(&self, request: &Request) -> Delivery {
        let never = CancellationToken::new();
        let body = Bytes::from(request.body.clone());
        let backoff = self.inner.config.backoff;
        self.deliver(request, body, backoff, &never, &never).await
    }

    /// Deliver everything received on `rx` until it closes or `shutdown` is cancelled, and
    /// hand each event's result to `on_result` (in completion order) as it is known.
    ///
    /// On shutdown: nothing more is taken from `rx` (it is closed; a producer blocked in
    /// `send` gets its envelope back and must account for it), queued events are reported
    /// [`Delivery::NotSent`], retries stop ([`Delivery::Interrupted`]), and requests in
    /// flight get [`SenderConfig::drain_timeout`] to finish before they are abandoned
    /// (also `Interrupted`). Every event taken from `rx` is reported exactly once.
    pub async fn run<M, F>(
        &self,
        mut rx: mpsc::Receiver<Envelope<M>>,
        shutdown: CancellationToken,
        mut on_result: F,
    ) -> Report
    where
        M: Send + 'static,
        F: FnMut(EventResult<M>),
    {
        let cfg = &self.inner.config;
        let concurrency = cfg.concurrency.max(1);
        let hard_stop = CancellationToken::new();
        let mut report = Report::default();
        let mut inflight: JoinSet<(u32, Vec<EventResult<M>>)> = JoinSet::new();
        let mut pending: Option<Envelope<M>> = None;
        let mut input_open = true;

        let mut handle = |joined: Result<(u32, Vec<EventResult<M>>), tokio::task::JoinError>,
                          report: &mut Report| {
            match joined {
                Ok((attempts, results)) => {
                    report.record_batch(attempts);
                    for r in results {
                        report.record(&r);
                        on_result(r);
                    }
                }
                // Delivery code does not panic; a JoinError can only be a panic here, and a
                // panic is a bug that should surface rather than be counted.
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        };

        let shut_down = loop {
            // Fill free slots with whatever is already queued.
            while inflight.len() < concurrency {
                let first = match pending.take() {
                    Some(e) => e,
                    None => match rx.try_recv() {
                        Ok(e) => e,
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            input_open = false;
                            break;
                        }
                    },
                };
                let batch = self.form_batch(first, &mut rx, &mut pending, &mut input_open);
                let this = self.clone();
                let (soft, hard) = (shutdown.clone(), hard_stop.clone());
                inflight.spawn(async move { this.deliver_batch(batch, soft, hard).await });
            }
            if !input_open && pending.is_none() && inflight.is_empty() {
                break false;
            }
            let can_take = input_open && pending.is_none() && inflight.len() < concurrency;
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break true,
                _ = self.inner.breaker.down().cancelled() => break true,
                Some(joined) = inflight.join_next(), if !inflight.is_empty() => handle(joined, &mut report),
                received = rx.recv(), if can_take => match received {
                    Some(e) => pending = Some(e),
                    None => input_open = false,
                },
            }
        };

        let down = self.inner.breaker.down().is_cancelled();
        report.endpoint_down = down;
        report.down_cause = self.inner.breaker.down_cause();
        if shut_down {
            rx.close();
            let reason = match report.down_cause {
                Some(cause) => format!("the endpoint is {}", cause.state()),
                None => "shutdown before it was sent".into(),
            };
            let not_sent = |e: Envelope<M>| EventResult {
                id: e.id,
                meta: e.meta,
                oversize: e.request.body.len() > MAX_EVENT_BYTES,
                request: e.request,
                delivery: Delivery::NotSent {
                    reason: reason.clone(),
                },
                batch_size: 0,
            };
            let queued = pending
                .take()
                .into_iter()
                .chain(std::iter::from_fn(|| rx.try_recv().ok()));
            for e in queued {
                handle(Ok((0, vec![not_sent(e)])), &mut report);
            }
            let mut deadline = pin!(tokio::time::sleep(cfg.drain_timeout));
            let mut abandoned = false;
            while !inflight.is_empty() {
                tokio::select! {
                    Some(joined) = inflight.join_next() => handle(joined, &mut report),
                    _ = &mut deadline, if !abandoned => {
                        hard_stop.cancel();
                        abandoned = true;
                    }
                }
            }
        }
        report
    }

    /// Take `first` and, when batching is on, whatever queued events fit after it.
    fn form_batch<M>(
        &self,
        first: Envelope<M>,
        rx: &mut mpsc::Receiver<Envelope<M>>,
        pending: &mut Option<Envelope<M>>,
        input_open: &mut bool,
    ) -> Vec<Envelope<M>> {
        let b = self.inner.config.batching;
        let mut batch = vec![first];
        if b.max_events <= 1 || !batchable(&batch[0].request, b) {
            return batch;
        }
        let mut bytes = 2 + batch[0].request.body.len();
        while batch.len() < b.max_events {
            let next = match rx.try_recv() {
                Ok(e) => e,
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    *input_open = false;
                    break;
                }
            };
            let fits = batchable(&next.request, b)
                && next.request.url == batch[0].request.url
                && forwarded(&next.request.headers).eq(forwarded(&batch[0].request.headers))
                && bytes + 1 + next.request.body.len() <= b.max_bytes;
            if !fits {
                *pending = Some(next);
                break;
            }
            bytes += 1 + next.request.body.len();
            batch.push(next);
        }
        batch
    }

    async fn deliver_batch<M>(
        &self,
        mut batch: Vec<Envelope<M>>,
        soft: CancellationToken,
        hard: CancellationToken,
    ) -> (u32, Vec<EventResult<M>>) {
        let n = batch.len();
        let single = n == 1;
        let body = if single {
            // The body moves into the shared buffer every attempt sends (no copy) and comes
            // back into the request for the result.
            Bytes::from(std::mem::take(&mut batch[0].request.body))
        } else {
            let len = 1 + batch
                .iter()
                .map(|e| e.request.body.len() + 1)
                .sum::<usize>();
            let mut s = String::with_capacity(len);
            s.push('[');
            for (i, e) in batch.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&e.request.body);
            }
            s.push(']');
            Bytes::from(s)
        };
        let backoff = self.inner.config.backoff.for_event(batch[0].id);
        let delivery = self
            .deliver(&batch[0].request, body.clone(), backoff, &soft, &hard)
            .await;
        if single {
            // Unshared by now (the attempts are over), so this takes the buffer back.
            let bytes = Vec::from(body);
            batch[0].request.body = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        }
        let attempts = delivery.attempts();
        let mut out = Vec::with_capacity(n);
        for e in batch {
            out.push(EventResult {
                id: e.id,
                meta: e.meta,
                oversize: e.request.body.len() > MAX_EVENT_BYTES,
                request: e.request,
                delivery: delivery.clone(),
                batch_size: n,
            });
        }
        (attempts, out)
    }

    /// Send `body` with the URL and headers of `request`, retrying as Segment does.
    async fn deliver(
        &self,
        request: &Request,
        body: Bytes,
        backoff: Backoff,
        soft: &CancellationToken,
        hard: &CancellationToken,
    ) -> Delivery {
        let cfg = &self.inner.config;
        // The URL as the destination built it (its `Options::base_url` says where to).
        let url = request.url.expose();
        let scrubber = Scrubber::for_url(url);
        let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                let e = SendError::InvalidRequest(format!("bad method {:?}", request.method));
                return Delivery::GaveUp {
                    attempts: 0,
                    last_error: e,
                };
            }
        };
        // Waits after refused connections: they spend no attempt (the breaker's down-timeout
        // bounds them instead), so this stream never runs out.
        let mut connect_waits = delays(&Backoff {
            max_attempts: u32::MAX,
            ..backoff
        });
        let mut delays = delays(&backoff);
        let mut attempts = 0u32;
        let breaker = &self.inner.breaker;
        // Tells this request's failures apart from other requests' (see `crate::breaker`).
        let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
        let _under_way = breaker.delivering();
        let unreachable = || SendError::Unreachable {
            origin: origin(url),
            after: breaker.down_timeout(),
            cause: breaker.down_cause().unwrap_or(DownCause::Refused),
        };
        let mut last_error: Option<SendError> = None;
        loop {
            // Waits only while the breaker is open (the endpoint is failing every request).
            let permit = tokio::select! {
                biased;
                p = breaker.admit() => match p {
                    Some(p) => p,
                    None => return Delivery::GaveUp { attempts, last_error: unreachable() },
                },
                _ = hard.cancelled() => return Delivery::Interrupted { attempts, last_error },
                _ = soft.cancelled() => return match attempts {
                    0 => Delivery::NotSent { reason: "shutdown before it was sent".into() },
                    _ => Delivery::Interrupted { attempts, last_error },
                },
            };
            attempts += 1;
            let started = tokio::time::Instant::now();
            let attempt = self.attempt(
                method.clone(),
                url,
                &request.headers,
                body.clone(),
                &scrubber,
            );
            let result = tokio::select! {
                r = attempt => r,
                _ = hard.cancelled() => return Delivery::Interrupted { attempts, last_error: None },
            };
            let signal = signal_of(&result, cfg.retry_after_cap);
            let open = breaker.record(signal, permit, started, key);
            if signal == Signal::Refused {
                // The endpoint refused the connection: no attempt is spent. Open, the breaker
                // holds this request with every other until the endpoint is back or declared
                // down; still closed, it waits a backoff delay first. Either way an endpoint
                // that comes back within the down-timeout loses nothing.
                last_error = result.err().map(|f| f.error);
                if !open {
                    let wait = connect_waits.next().unwrap_or(backoff.cap);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = soft.cancelled() => return Delivery::Interrupted { attempts, last_error },
                        _ = breaker.down().cancelled() => return Delivery::GaveUp { attempts, last_error: unreachable() },
                    }
                }
                continue;
            }
            let (error, wait_at_least) = match result {
                Ok(resp) => match classify(resp.status) {
                    Outcome::Delivered => {
                        return Delivery::Delivered {
                            status: resp.status,
                            attempts,
                        }
                    }
                    Outcome::Reject => {
                        return Delivery::Rejected {
                            status: resp.status,
                            message: resp.body,
                            attempts,
                        }
                    }
                    Outcome::Retry => {
                        let e = SendError::Status {
                            status: resp.status,
                            body: resp.body,
                        };
                        (e, resp.retry_after.map(|d| d.min(cfg.retry_after_cap)))
                    }
                },
                Err(f) if f.error.is_retryable() => (f.error, None),
                Err(f) => {
                    return Delivery::GaveUp {
                        attempts,
                        last_error: f.error,
                    }
                }
            };
            // A timeout, a connection closed without an answer, or a retryable status.
            let outage_like = matches!(
                signal,
                Signal::TimedOut | Signal::Closed | Signal::Unavailable { .. }
            );
            if outage_like && open {
                // Part of an outage: no attempt spent; the breaker holds the request (and
                // spaces its probes by any Retry-After).
                last_error = Some(error);
                continue;
            }
            let Some(delay) = delays.next() else {
                // The last attempt, unless the other requests under way show the failure was
                // the start of an outage.
                let outage = outage_like
                    && tokio::select! {
                        o = breaker.settle(cfg.timeout.max(SILENT_FOR)) => o,
                        _ = hard.cancelled() => false,
                    };
                if outage {
                    last_error = Some(error);
                    continue;
                }
                return Delivery::GaveUp {
                    attempts,
                    last_error: error,
                };
            };
            if soft.is_cancelled() {
                return Delivery::Interrupted {
                    attempts,
                    last_error: Some(error),
                };
            }
            let delay = wait_at_least.unwrap_or(delay);
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                // The endpoint is failing every request: wait for a probe with the others.
                _ = breaker.opened() => {}
                _ = soft.cancelled() => return Delivery::Interrupted { attempts, last_error: Some(error) },
                _ = breaker.down().cancelled() => return Delivery::GaveUp { attempts, last_error: unreachable() },
            }
            last_error = Some(error);
        }
    }

    async fn attempt(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[Header],
        body: Bytes,
        scrubber: &Scrubber,
    ) -> Result<Response, Failed> {
        let cfg = &self.inner.config;
        let timeout = cfg.timeout;
        let mut rb = self
            .inner
            .client
            .request(method, url)
            .timeout(timeout)
            .body(body);
        for (k, v) in forwarded(headers) {
            rb = rb.header(k, v);
        }
        let mut resp = rb.send().await.map_err(|e| Failed {
            error: SendError::from_reqwest(e, timeout),
            status: None,
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        let mut buf: Vec<u8> = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cfg.max_response_bytes.saturating_sub(buf.len());
                    buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                // The status is known; a body cut short only matters for a success if the
                // status says so, and a body we cannot read is not worth failing over.
                Err(e) if classify(status) != Outcome::Retry || buf.is_empty() => {
                    if classify(status) == Outcome::Delivered {
                        break;
                    }
                    return Err(Failed {
                        error: SendError::from_reqwest(e, timeout),
                        status: Some((status, retry_after)),
                    });
                }
                Err(_) => break,
            }
        }
        let body = scrubber.scrub(&String::from_utf8_lossy(&buf));
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }
}

/// `scheme://host:port` of a URL: how messages name the endpoint (no path, no query, no
/// credentials, so never the token).
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => "the endpoint".into(),
    }
}

/// Headers that describe the connection or the body rather than the request (`host`,
/// `content-length`, `connection`, …) are derived by the HTTP client from the actual target
/// and body; `accept-encoding` is dropped because the client does not decompress.
const DERIVED_HEADERS: [&str; 7] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "accept-encoding",
    "te",
];

/// The request's headers that are sent as given.
fn forwarded(headers: &[Header]) -> impl Iterator<Item = (&str, &str)> {
    headers
        .iter()
        .filter(|(k, _)| !DERIVED_HEADERS.iter().any(|d| k.eq_ignore_ascii_case(d)))
        .map(|(k, v)| (&**k, &**v))
}

/// Whether an event may share a request with others: small enough that any array of such
/// events stays under the server's `51200 × count` limit.
fn batchable(r: &Request, b: Batching) -> bool {
    r.body.len() + 2 <= MAX_EVENT_BYTES && r.body.len() + 2 <= b.max_bytes
}
