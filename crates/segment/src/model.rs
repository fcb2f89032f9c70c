//! What the local Segment keeps about each message: as received, as the destination saw it,
//! what each subscription made of it, and how its requests were delivered.

use serde::Serialize;

/// What became of a message at the API and the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Waiting for the destination (queued).
    Queued,
    /// Refused by the API (bad body, unknown write key, limit, no user id…): no destination
    /// sees it.
    Dropped,
    /// Accepted, but `integrations` keeps it from this destination.
    Skipped,
    /// The destination ran; no subscription matched.
    Unmatched,
    /// The destination made at least one request and no subscription failed.
    Mapped,
    /// At least one subscription's action failed.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Dropped => "dropped",
            Outcome::Skipped => "skipped",
            Outcome::Unmatched => "unmatched",
            Outcome::Mapped => "mapped",
            Outcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Queued,
            Outcome::Dropped,
            Outcome::Skipped,
            Outcome::Unmatched,
            Outcome::Mapped,
            Outcome::Error,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One request the destination built, as people may see it (the URL's token redacted).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestView {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body exactly as the destination wrote it (key order kept).
    pub body: String,
}

/// An action error, as Segment reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorView {
    pub name: String,
    pub message: String,
    pub status: Option<u16>,
}

/// How one request was delivered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeliveryView {
    /// `delivered`, `rejected`, `gave_up`, `interrupted`, `not_sent`.
    pub kind: String,
    pub status: Option<u16>,
    pub attempts: u32,
    /// Why it was not delivered (empty when it was); never holds the token.
    pub reason: String,
}

/// What one matching subscription produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    pub subscription: String,
    pub action: String,
    pub request: Option<RequestView>,
    pub error: Option<ErrorView>,
    /// `None` until the sender reports (and for errors, which send nothing).
    pub delivery: Option<DeliveryView>,
}

/// One message and everything that happened to it.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// Sequential, 1-based, unique for the life of the server.
    pub id: u64,
    /// The store's change count when this message last changed (the page's stream sends
    /// what changed since its last message).
    #[serde(skip)]
    pub version: u64,
    /// When the request carrying it arrived (RFC 3339).
    pub received_at: String,
    /// The API path it came in on (`/v1/batch`, `/v1/t`, …).
    pub path: String,
    /// Its place in the request's batch (0 for single calls).
    pub index: usize,
    pub write_key: Option<String>,
    /// The message as received (a batch item re-serialized in its own key order; for a body
    /// that is no JSON, the body itself, lossy UTF-8, at most 10,000 bytes).
    pub received: String,
    /// The message as the destination saw it, after Segment's rules.
    pub seen: Option<String>,
    pub outcome: Outcome,
    /// Why it was dropped or skipped.
    pub reason: Option<String>,
    pub routes: Vec<Route>,
    /// For filters: `type`, `event`, `userId`, `anonymousId` of the message.
    pub r#type: Option<String>,
    pub event: Option<String>,
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    /// The destination's environment just before it routed this message (`None` until it
    /// did), for the detail view's explanation.
    #[serde(skip)]
    pub run_env: Option<crate::explain::RunEnv>,
}

impl Message {
    /// Rough bytes held, for the retention figures.
    pub fn approx_bytes(&self) -> usize {
        let routes: usize = self
            .routes
            .iter()
            .map(|r| {
                r.request
                    .as_ref()
                    .map_or(64, |q| q.body.len() + q.url.len() + 256)
            })
            .sum();
        256 + self.received.len() + self.seen.as_ref().map_or(0, String::len) + routes
    }
}
