//! The mock's configuration: workspaces, strict mode, limits, retention, where it binds.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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

/// The workspaces' secrets, longest first: what redaction removes from the request journal (see
/// `http::ingest::redact`). Computed once per store.
pub(crate) fn redaction_secrets(workspaces: &[Workspace]) -> Vec<String> {
    let mut s: Vec<String> = workspaces
        .iter()
        .flat_map(|w| [w.s2s_token(), w.server_token.clone(), w.api_key.clone()])
        // Shorter strings are not secrets and redacting them would garble the log.
        .filter(|s| s.len() >= 4)
        .collect();
    s.sort_by_key(|x| std::cmp::Reverse(x.len()));
    s.dedup();
    s
}

/// The admin token `/__mock/` asks for: the configured one, or a fresh random one (122 random
/// bits of a v4 UUID) when none (or an empty one) is configured.
pub(crate) fn admin_token(configured: Option<&str>) -> String {
    configured
        .filter(|t| !t.is_empty())
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_admin_tokens_differ_and_are_long() {
        let a = admin_token(None);
        let b = admin_token(Some(""));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(admin_token(Some("tok-1")), "tok-1");
    }
}
