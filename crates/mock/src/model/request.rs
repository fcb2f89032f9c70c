//! One request as the journal gives it back, and what became of it.

use serde::{Deserialize, Serialize};

use super::fault::Fault;

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
    /// What became of it.
    pub outcome: Outcome,
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

/// What became of a request (`accepted`, `rejected` or `fault` on the wire).
///
/// Declared in the order of those names: [`crate::Stats::by_outcome`] is a map sorted by it,
/// and its JSON form keeps the names' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its events were stored (and answered 200, unless a delivery fault hit the answer).
    Accepted,
    /// An injected fault answered it, or changed how the answer was delivered.
    Fault,
    /// Refused: authentication, routing, parsing, limits, strict mode.
    Rejected,
}

impl Outcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Fault => "fault",
            Outcome::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
