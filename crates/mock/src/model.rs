//! Public data types: configuration, stored events, the request log, faults.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::ingest::EnrichInputs;

/// One Usermaven workspace: the public api key (browser token) and the server token. The s2s
/// token is `<api_key>.<server_token>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Workspace {
    pub api_key: String,
    pub server_token: String,
}

impl Workspace {
    pub fn new(api_key: impl Into<String>, server_token: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            server_token: server_token.into(),
        }
    }

    /// The token s2s clients send: `<api_key>.<server_token>`.
    pub fn s2s_token(&self) -> String {
        format!("{}.{}", self.api_key, self.server_token)
    }
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("api_key", &"**REDACTED**")
            .field("server_token", &"**REDACTED**")
            .finish()
    }
}

/// What the mock does with events that break Usermaven's event schema (`docs/usermaven-api.md` §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrictMode {
    /// Behave like the collector: accept anything that parses.
    Off,
    /// Accept, and attach the problems to the stored event as `warnings`.
    Warn,
    /// Answer 400 listing every problem of every event; store nothing (mock-only behaviour).
    #[default]
    Reject,
}

/// Configuration of a mock server.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Accepted workspaces (at least one is needed for any request to pass authentication).
    pub workspaces: Vec<Workspace>,
    /// Schema checking; `Reject` by default, so tests see mistakes.
    pub strict: StrictMode,
    /// The collector's `server.max_event_size` (default 51200 bytes).
    pub max_event_size: usize,
    /// Append each accepted event to this NDJSON file, one line each, written before the 200;
    /// reloaded on start (newest `max_events` kept).
    pub store: Option<PathBuf>,
    /// Retention: the newest this many events stay in memory; older ones are evicted (counters
    /// keep counting them). Default 100,000.
    pub max_events: usize,
    /// The request journal (and the injected-fault log) keep the newest this many entries.
    /// Default 100,000.
    pub max_requests: usize,
    /// Mock-only guard: bodies larger than this get 413 (default 32 MiB).
    pub max_body_bytes: usize,
    /// Where [`crate::MockUsermaven::start`] binds; default `127.0.0.1:0`.
    pub bind: std::net::SocketAddr,
    /// The token `/__mock/` asks for (see the crate README); `None` picks a random one per
    /// process.
    pub admin_token: Option<String>,
}

/// Default of [`MockConfig::max_events`].
pub const DEFAULT_MAX_EVENTS: usize = 100_000;
/// Default of [`MockConfig::max_requests`].
pub const DEFAULT_MAX_REQUESTS: usize = 100_000;

/// The api key of [`MockConfig::default`]'s workspace.
pub const DEFAULT_API_KEY: &str = "mock-api-key";
/// The server token of [`MockConfig::default`]'s workspace.
pub const DEFAULT_SERVER_TOKEN: &str = "mock-server-token";

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            workspaces: vec![Workspace::new(DEFAULT_API_KEY, DEFAULT_SERVER_TOKEN)],
            strict: StrictMode::Reject,
            max_event_size: 51_200,
            store: None,
            max_events: DEFAULT_MAX_EVENTS,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_body_bytes: 32 * 1024 * 1024,
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: None,
        }
    }
}

impl MockConfig {
    /// One workspace, everything else default.
    pub fn new(api_key: impl Into<String>, server_token: impl Into<String>) -> Self {
        Self {
            workspaces: vec![Workspace::new(api_key, server_token)],
            ..Self::default()
        }
    }

    pub fn with_workspace(
        mut self,
        api_key: impl Into<String>,
        server_token: impl Into<String>,
    ) -> Self {
        self.workspaces.push(Workspace::new(api_key, server_token));
        self
    }

    pub fn with_strict(mut self, strict: StrictMode) -> Self {
        self.strict = strict;
        self
    }

    pub fn with_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    /// Retention of events in memory (at least 1).
    pub fn with_max_events(mut self, n: usize) -> Self {
        self.max_events = n.max(1);
        self
    }

    /// Retention of the request journal (at least 1).
    pub fn with_max_requests(mut self, n: usize) -> Self {
        self.max_requests = n.max(1);
        self
    }

    pub fn with_max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }

    /// Sets the admin token `/__mock/` asks for instead of a random one.
    pub fn with_admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }
}

/// How serious a strict-mode finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks what Usermaven needs; rejected under [`StrictMode::Reject`].
    Error,
    /// Only a client library's rule (e.g. identify without email); never rejects.
    Advice,
}

/// One strict-mode finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Index of the event in the (expanded) batch.
    pub index: usize,
    /// JSON pointer into the event, e.g. `/user/id`.
    pub path: String,
    pub message: String,
    pub severity: Severity,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event[{}]{}: {}", self.index, self.path, self.message)
    }
}

/// An accepted event, as stored: its own text as received, how to derive its enriched copy,
/// the strict-mode findings, and the few fields filters and summaries read, extracted once.
///
/// Memory is proportional to the event: nothing here is copied from the other events of its
/// request, and neither a parsed `serde_json::Value` nor a second (enriched) copy of the text is
/// kept. The enriched copy is derived again on demand ([`StoredEvent::event`]) from the text and
/// the request's enrichment inputs (client ip, user agent, hashed ids, api key, receipt time,
/// the generated event id, if any), which the events of one request share. Events whose text
/// alone does not give the copy (template batches, events reloaded from a store file) keep the
/// enriched copy as compact JSON text instead.
#[derive(Clone)]
pub struct StoredEvent {
    /// Sequential id, 1-based, unique for the life of the store.
    pub id: u64,
    /// The request-journal id of the request that carried it.
    pub request_id: u64,
    /// Position in that request's (expanded) batch.
    pub index: usize,
    /// RFC 3339 UTC time of receipt.
    pub received_at: String,
    /// Request path (`/api/v1/s2s/event`, ...).
    pub path: String,
    /// This event's text exactly as received (lossy UTF-8): the whole body of a one-event
    /// request, its own element of a batch array, or its own element of a template's `events`.
    pub body: String,
    /// Strict-mode findings (empty unless [`StrictMode::Warn`] or advice).
    pub warnings: Vec<Problem>,
    enriched: Enriched,
    keys: crate::event_keys::EventKeys,
}

/// Where a stored event's enriched copy comes from.
#[derive(Clone)]
enum Enriched {
    /// Derived from `body` and the request's inputs; `generated` is the event id the mock made
    /// up for an event without one.
    Derived {
        inputs: Arc<EnrichInputs>,
        generated: Option<Box<str>>,
    },
    /// Kept as compact JSON text.
    Text(Box<RawValue>),
}

/// The serialized form read back (store-file lines).
#[derive(Deserialize)]
struct StoredEventIn {
    id: u64,
    request_id: u64,
    index: usize,
    received_at: String,
    path: String,
    body: String,
    event: Box<RawValue>,
    #[serde(default)]
    warnings: Vec<Problem>,
}

/// The serialized form written (API responses, store-file lines).
#[derive(Serialize)]
struct StoredEventOut<'a> {
    id: u64,
    request_id: u64,
    index: usize,
    received_at: &'a str,
    path: &'a str,
    body: &'a str,
    event: EventOut<'a>,
    warnings: &'a [Problem],
}

#[derive(Serialize)]
#[serde(untagged)]
enum EventOut<'a> {
    Raw(&'a RawValue),
    Value(Value),
}

impl Serialize for StoredEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::deep::on_stack_for(self.depth_text(), || {
            StoredEventOut {
                id: self.id,
                request_id: self.request_id,
                index: self.index,
                received_at: &self.received_at,
                path: &self.path,
                body: &self.body,
                event: match &self.enriched {
                    Enriched::Text(raw) => EventOut::Raw(raw),
                    Enriched::Derived { .. } => EventOut::Value(self.event()),
                },
                warnings: &self.warnings,
            }
            .serialize(s)
        })
    }
}

impl<'de> Deserialize<'de> for StoredEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = StoredEventIn::deserialize(d)?;
        let keys =
            crate::deep::on_stack_for(
                w.event.get().as_bytes(),
                || match crate::gojson::decode_lite(
                    w.event.get().as_bytes(),
                    crate::gojson::Target::Event,
                ) {
                    Ok(crate::lite::Lite::Object(e)) => crate::event_keys::EventKeys::of(&e),
                    _ => crate::event_keys::EventKeys::default(),
                },
            );
        Ok(StoredEvent {
            id: w.id,
            request_id: w.request_id,
            index: w.index,
            received_at: w.received_at,
            path: w.path,
            body: w.body,
            warnings: w.warnings,
            enriched: Enriched::Text(w.event),
            keys,
        })
    }
}

/// What the mock made of a stored event, from its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No findings.
    Ok,
    /// Only advice (a client library's rule); never rejected.
    Advice,
    /// Error-severity findings: accepted only because strict mode was `warn`.
    Error,
}

impl StoredEvent {
    /// A stored event whose enriched copy is `event`, derived from `body` by `inputs` (with
    /// `generated` as its made-up id) when given, else kept as text.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: u64,
        request_id: u64,
        index: usize,
        received_at: String,
        path: String,
        body: String,
        event: crate::lite::Entries<'_>,
        warnings: Vec<Problem>,
        derive: Option<(Arc<EnrichInputs>, Option<String>)>,
    ) -> Self {
        let keys = crate::event_keys::EventKeys::of(&event);
        let enriched = match derive {
            Some((inputs, generated)) => Enriched::Derived {
                inputs,
                generated: generated.map(Box::from),
            },
            // A `Value` always serializes; `null` keeps the function total.
            None => Enriched::Text(
                serde_json::value::to_raw_value(&crate::lite::into_map(event)).unwrap_or_default(),
            ),
        };
        StoredEvent {
            id,
            request_id,
            index,
            received_at,
            path,
            body,
            warnings,
            enriched,
            keys,
        }
    }

    /// The text whose nesting bounds the enriched copy's (for [`crate::deep::on_stack_for`]).
    fn depth_text(&self) -> &[u8] {
        match &self.enriched {
            Enriched::Text(raw) => raw.get().as_bytes(),
            Enriched::Derived { .. } => self.body.as_bytes(),
        }
    }

    /// The enriched event, parsed (original key order). An event may be nested up to 10,000
    /// levels deep: hold and drop the value on a stack that allows it.
    pub fn event(&self) -> Value {
        match &self.enriched {
            Enriched::Text(raw) => crate::deep::parse_unbounded(raw.get()).unwrap_or(Value::Null),
            Enriched::Derived { inputs, generated } => inputs
                .derive(&self.body, generated.as_deref())
                .map_or(Value::Null, Value::Object),
        }
    }

    /// The enriched event as compact JSON text.
    pub fn event_text(&self) -> String {
        match &self.enriched {
            Enriched::Text(raw) => raw.get().to_owned(),
            Enriched::Derived { .. } => {
                crate::deep::on_stack_for(self.body.as_bytes(), || self.event().to_string())
            }
        }
    }

    pub fn event_type(&self) -> Option<&str> {
        self.keys.event_type()
    }

    pub fn user_id(&self) -> Option<&str> {
        self.keys.user_id()
    }

    pub fn anonymous_id(&self) -> Option<&str> {
        self.keys.anonymous_id()
    }

    pub fn company_id(&self) -> Option<&str> {
        self.keys.company_id()
    }

    /// The collector's unique id (`eventn_ctx_event_id`, or `eventn_ctx.event_id`).
    pub fn event_id(&self) -> Option<&str> {
        self.keys.event_id()
    }

    /// The event's text as received, parsed again (at any depth: see [`StoredEvent::event`]).
    pub fn body_json(&self) -> Option<Value> {
        crate::deep::parse_unbounded(&self.body).ok()
    }

    /// `ok`, `advice` or `error` from the worst finding.
    pub fn verdict(&self) -> Verdict {
        if self.warnings.iter().any(|w| w.severity == Severity::Error) {
            Verdict::Error
        } else if self.warnings.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Advice
        }
    }

    /// The one-line view of the event, with its request when the journal still holds it.
    pub fn summary(&self, request: Option<&RequestRecord>) -> EventSummary {
        EventSummary {
            id: self.id,
            event_type: self.event_type().map(str::to_owned),
            user_id: self.user_id().map(str::to_owned),
            anonymous_id: self.anonymous_id().map(str::to_owned),
            event_id: self.event_id().map(str::to_owned),
            received_at: self.received_at.clone(),
            verdict: self.verdict(),
            warning_count: self.warnings.len(),
            findings: self.warnings.clone(),
            request_id: self.request_id,
            path: self.path.clone(),
            request: request.map(RequestSummary::of),
        }
    }

    /// Rough heap and inline size in bytes (what retention keeps per event).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.received_at.len()
            + self.path.len()
            + self.body.len()
            + match &self.enriched {
                // The inputs are shared by the request's events; count them once per event
                // anyway (an upper bound).
                Enriched::Derived { inputs, generated } => {
                    std::mem::size_of::<EnrichInputs>()
                        + inputs.heap_len()
                        + generated.as_deref().map_or(0, str::len)
                }
                Enriched::Text(raw) => raw.get().len(),
            }
            + self
                .warnings
                .iter()
                .map(|w| std::mem::size_of::<Problem>() + w.path.len() + w.message.len())
                .sum::<usize>()
            + self.keys.heap_len()
    }
}

impl PartialEq for StoredEvent {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.request_id == other.request_id
            && self.index == other.index
            && self.received_at == other.received_at
            && self.path == other.path
            && self.body == other.body
            && self.warnings == other.warnings
            && crate::deep::on_stack_for(self.depth_text(), || {
                crate::deep::on_stack_for(other.depth_text(), || self.event() == other.event())
            })
    }
}

impl std::fmt::Debug for StoredEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredEvent")
            .field("id", &self.id)
            .field("request_id", &self.request_id)
            .field("index", &self.index)
            .field("received_at", &self.received_at)
            .field("path", &self.path)
            .field("body", &self.body)
            .field("event", &self.event_text())
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// A stored event in brief: what a list row or a live stream shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventSummary {
    pub id: u64,
    pub event_type: Option<String>,
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    pub event_id: Option<String>,
    pub received_at: String,
    pub verdict: Verdict,
    pub warning_count: usize,
    /// The strict-mode findings, each with its JSON pointer (`path`).
    pub findings: Vec<Problem>,
    pub request_id: u64,
    pub path: String,
    /// The carrying request, when the bounded journal still holds it.
    pub request: Option<RequestSummary>,
}

/// The request side of an [`EventSummary`] (redacted like the journal).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestSummary {
    pub method: String,
    /// Path and query, token values replaced by `REDACTED`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub status: Option<u16>,
    pub duration_us: u64,
}

impl RequestSummary {
    fn of(r: &RequestRecord) -> Self {
        RequestSummary {
            method: r.method.clone(),
            target: r.target(),
            headers: r.headers.clone(),
            status: r.status,
            duration_us: r.duration_us,
        }
    }
}

/// One request as the mock saw it, tokens redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub id: u64,
    pub received_at: String,
    pub method: String,
    pub path: String,
    /// Query string with token values replaced by `REDACTED`.
    pub query: String,
    /// Selected headers (lower-case names), secrets replaced by `REDACTED`.
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
    /// The body (lossy UTF-8, at most 10000 bytes, tokens redacted) when the request was rejected.
    pub body: Option<String>,
    /// Where the token came from (`query token`, `X-Auth-Token`, ...), never its value.
    pub token_source: Option<String>,
    /// The workspace's api key index (0-based) when authentication succeeded.
    pub workspace: Option<usize>,
    /// Status sent (`None` when the connection was dropped without a response).
    pub status: Option<u16>,
    /// Response body sent (tokens redacted).
    pub response_body: String,
    /// `accepted`, `rejected`, `fault` or `other`.
    pub outcome: String,
    /// Why it was rejected, or which fault was injected.
    pub reason: Option<String>,
    /// Ids of the events it stored.
    pub event_ids: Vec<u64>,
    /// The injected fault, if any.
    pub fault: Option<Fault>,
    /// Time from receipt to the answer being ready (before any delivery fault), microseconds.
    #[serde(default)]
    pub duration_us: u64,
}

impl RequestRecord {
    /// Path and (redacted) query, as a request target.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// A misbehaviour the mock can be told to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer `status` (with optional `Retry-After` and body) without processing the request.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// Wait this long, then process normally.
    Delay { ms: u64 },
    /// Close the connection without any response. With `after_processing` the events are stored
    /// first (the client cannot know; a retry duplicates them).
    Drop {
        #[serde(default)]
        after_processing: bool,
    },
    /// Process, then send the headers and only the first half of the body, then close.
    Partial,
    /// Process, then trickle the response body one byte every `byte_delay_ms`.
    Slow { byte_delay_ms: u64 },
    /// Reset the connection (TCP RST) before any response byte, without processing.
    Reset,
    /// Read only part of the request body (the first half of it), then close the connection
    /// without processing or answering.
    PartialRead,
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    pub fn delay(d: Duration) -> Self {
        Fault::Delay {
            ms: d.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Fault::Status {
                status,
                retry_after: Some(ra),
                ..
            } => {
                format!("status {status} (Retry-After: {ra})")
            }
            Fault::Status { status, .. } => format!("status {status}"),
            Fault::Delay { ms } => format!("delay {ms} ms"),
            Fault::Drop {
                after_processing: true,
            } => "drop connection after processing".into(),
            Fault::Drop {
                after_processing: false,
            } => "drop connection".into(),
            Fault::Partial => "partial response".into(),
            Fault::Slow { byte_delay_ms } => format!("slow response ({byte_delay_ms} ms/byte)"),
            Fault::Reset => "connection reset".into(),
            Fault::PartialRead => "close after reading part of the body".into(),
        }
    }
}

/// Probabilities (0..=1) of random faults, drawn per ingestion request from a seeded generator.
/// Kinds are tried in field order; at most one fault hits a request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RandomFaults {
    /// Probability of answering with one of `statuses` (default `[503]`).
    pub status: f64,
    pub statuses: Vec<u16>,
    /// `Retry-After` to send with random status faults.
    pub retry_after: Option<String>,
    pub delay: f64,
    pub delay_ms: u64,
    pub drop: f64,
    pub partial: f64,
    pub slow: f64,
    pub slow_byte_delay_ms: u64,
    /// Probability of [`Fault::Reset`].
    pub reset: f64,
    /// Probability of [`Fault::PartialRead`].
    pub partial_read: f64,
}

/// A fault that was actually injected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRecord {
    pub request_id: u64,
    pub path: String,
    pub fault: Fault,
    /// `script` or `random`.
    pub origin: String,
}

/// What the mock announces as it works (the CLI prints these).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Accepted(std::sync::Arc<StoredEvent>),
    Rejected {
        request_id: u64,
        path: String,
        status: u16,
        reason: String,
    },
    Fault(FaultRecord),
}

/// Errors of the library API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("store file {path}: {source}")]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store file {path} line {line}: {message}")]
    StoreLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
}
