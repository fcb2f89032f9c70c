//! Typed delivery errors. None of them can carry the request URL (which holds the token):
//! every `reqwest::Error` goes through `without_url()`, and server messages are scrubbed of
//! the token before they are stored.

use std::sync::Arc;
use std::time::Duration;

/// Why one HTTP attempt failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The server answered with a non-2xx status. `body` is the (scrubbed, truncated) body.
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// No complete response within the per-request timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The connection could not be established.
    #[error("connection failed: {0}")]
    Connect(#[source] Arc<reqwest::Error>),
    /// Any other transport failure (connection reset, closed before the response, …).
    #[error("transport error: {0}")]
    Transport(#[source] Arc<reqwest::Error>),
    /// Every request failed for `after`, as `cause` says: the endpoint is declared down (see
    /// [`crate::breaker`]). `origin` is `scheme://host:port`, never more.
    #[error("endpoint {state}: {origin}: {cause} for {after:?}", state = .cause.state())]
    Unreachable {
        origin: String,
        after: Duration,
        cause: crate::breaker::DownCause,
    },
    /// The request could not be built (bad URL, bad header). The URL itself is never shown.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl SendError {
    /// Map a reqwest error, dropping its URL first.
    pub(crate) fn from_reqwest(e: reqwest::Error, timeout: Duration) -> SendError {
        let e = e.without_url();
        if e.is_timeout() {
            SendError::Timeout(timeout)
        } else if e.is_builder() {
            SendError::InvalidRequest(e.to_string())
        } else if e.is_connect() {
            SendError::Connect(Arc::new(e))
        } else {
            SendError::Transport(Arc::new(e))
        }
    }

    /// Whether another attempt may succeed: timeouts and transport failures, and statuses
    /// that [`crate::classify`] retries.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Status { status, .. } => crate::classify(*status) == crate::Outcome::Retry,
            SendError::Timeout(_) | SendError::Connect(_) | SendError::Transport(_) => true,
            SendError::InvalidRequest(_) | SendError::Unreachable { .. } => false,
        }
    }

    /// The full chain of causes on one line (`a: b: c`), for reports and logs.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut src = std::error::Error::source(self);
        // The first source is already part of our Display for the reqwest variants.
        if matches!(self, SendError::Connect(_) | SendError::Transport(_)) {
            src = src.and_then(std::error::Error::source);
        }
        while let Some(s) = src {
            let text = s.to_string();
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            src = s.source();
        }
        out
    }
}

/// The sender could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The HTTP client could not be built (TLS backend).
    #[error("HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}
