//! `usermaven-segment`: a local Segment — Segment's HTTP Tracking API in front of the
//! Usermaven (Actions) destination.
//!
//! Apps instrumented with Segment's own SDKs (analytics.js / analytics-next, analytics-node,
//! analytics-python) send here instead of to `api.segment.io`. Each message gets what Segment
//! does to it between its API and a destination (`rules`: `receivedAt`, clock-skew corrected
//! `timestamp`, `messageId`, type from the path, the `integrations` object, size limits,
//! identity), then goes through the destination (`usermaven-destination`, any of Segment's
//! configuration shapes) and its requests are delivered by `usermaven-sender`. The API answers
//! before any of that happens; a bounded queue sits between them. The newest `max_messages`
//! messages are kept with everything that happened to them, for `GET /__segment/messages`
//! and the live page.
//!
//! It knows nothing of the mock: where requests go is the destination's `base_url`. The
//! `usermaven-actions dev` command merges [`router`] with the mock's router on one port.
//!
//! ```no_run
//! # async fn demo(destination: usermaven_destination::Destination) -> Result<(), Box<dyn std::error::Error>> {
//! use usermaven_segment::{LocalSegment, SegmentConfig};
//! let segment = LocalSegment::start(SegmentConfig::default(), destination, None).await?;
//! // point an SDK at segment.uri() …
//! let messages = segment
//!     .wait_for(&usermaven_segment::MessageQuery::new().settled(), 1, std::time::Duration::from_secs(5))
//!     .await?;
//! # let _ = messages; Ok(()) }
//! ```

pub mod clock;
mod cors;
pub mod explain;
mod guard;
mod intake;
pub mod model;
mod page;
mod pipeline;
mod query;
pub mod rules;
mod server;
mod settings;
mod state;
mod store;

pub use clock::{random_token, Clock, MessageIds};
pub use guard::ADMIN_TOKEN_HEADER;
pub use model::{DeliveryView, ErrorView, Message, Outcome, RequestView, Route};
pub use query::{ndjson_of, select, settled, wait_for, MessageQuery, WaitTimeout};
pub use server::{LocalSegment, StartError};
pub use settings::settings_for;
pub use state::{Segment, SegmentConfig, DEFAULT_MAX_MESSAGES, DEFAULT_QUEUE};

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;

/// Request bodies larger than this are refused before they are read whole (a gzip body is
/// limited again once inflated).
const MAX_WIRE_BODY: usize = 2 * 1024 * 1024;

/// The local Segment as an axum router: the Tracking API under `/v1/`, the settings
/// analytics.js loads, and the page at `/` with `/__segment/` (behind the admin-token rules of
/// `guard.rs`).
pub fn router(segment: Segment) -> Router {
    let api = Router::new()
        .route(
            "/v1/projects/{write_key}/settings",
            get(settings::settings).options(cors::preflight),
        )
        .route("/v1/{call}", post(intake::api).options(cors::preflight))
        .layer(DefaultBodyLimit::max(MAX_WIRE_BODY));
    let inspect = Router::new()
        .route("/", get(page::page))
        .route("/__segment/assets/app.js", get(page::app_js))
        .route("/__segment/assets/app.css", get(page::app_css))
        .route("/__segment/stream", get(page::stream))
        .route("/__segment/messages", get(query::list).delete(query::clear))
        .route("/__segment/messages/{id}", get(page::detail))
        .route_layer(from_fn_with_state(segment.clone(), guard::guard));
    api.merge(inspect).with_state(segment)
}
