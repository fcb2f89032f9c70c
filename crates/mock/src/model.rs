//! Public data types: configuration, stored events, the request log, faults.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// Append accepted events to this NDJSON file (flushed before the 200) and reload it on start.
    pub store: Option<PathBuf>,
    /// Mock-only guard: bodies larger than this get 413 (default 32 MiB).
    pub max_body_bytes: usize,
    /// Where [`crate::MockUsermaven::start`] binds; default `127.0.0.1:0`.
    pub bind: std::net::SocketAddr,
}

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
            max_body_bytes: 32 * 1024 * 1024,
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
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

    pub fn with_max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
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

/// An accepted event, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Sequential id, 1-based, unique for the life of the store.
    pub id: u64,
    /// The request-log id of the request that carried it.
    pub request_id: u64,
    /// Position in that request's (expanded) batch.
    pub index: usize,
    /// RFC 3339 UTC time of receipt.
    pub received_at: String,
    /// Request path (`/api/v1/s2s/event`, ...).
    pub path: String,
    /// The request body exactly as received (lossy UTF-8); shared by all events of one batch.
    pub body: String,
    /// The event after the collector's enrichment.
    pub event: Value,
    /// Strict-mode findings (empty unless [`StrictMode::Warn`] or advice).
    #[serde(default)]
    pub warnings: Vec<Problem>,
}

impl StoredEvent {
    fn str_at(&self, pointer: &str) -> Option<&str> {
        self.event.pointer(pointer).and_then(Value::as_str)
    }

    pub fn event_type(&self) -> Option<&str> {
        self.str_at("/event_type")
    }

    pub fn user_id(&self) -> Option<&str> {
        self.str_at("/user/id")
    }

    pub fn anonymous_id(&self) -> Option<&str> {
        self.str_at("/user/anonymous_id")
    }

    pub fn company_id(&self) -> Option<&str> {
        self.str_at("/company/id")
    }

    /// The collector's unique id (`eventn_ctx_event_id`, or `eventn_ctx.event_id`).
    pub fn event_id(&self) -> Option<&str> {
        self.str_at("/eventn_ctx_event_id")
            .or_else(|| self.str_at("/eventn_ctx/event_id"))
    }

    /// The as-received body parsed again (a batch stays an array).
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
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
    Accepted(Box<StoredEvent>),
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
