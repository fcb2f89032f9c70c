//! `usermaven-mock`: a faithful local stand-in for Usermaven's ingestion API.
//!
//! It reproduces the collector's wire behaviour as described in `docs/usermaven-api.md` (Usermaven's
//! collector derives from the Jitsu "classic" Go server): endpoints, token lookup, status codes
//! and byte-exact response bodies, Go `encoding/json` error texts, size limits and enrichment of
//! the stored copy. On top it adds what tests need: a strict schema check, an inspection API under
//! `/__mock/`, scripted and seeded-random fault injection, and NDJSON persistence.
//!
//! It ports no Segment code; it is an independent oracle and imports no other workspace crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), usermaven_mock::MockError> {
//! use usermaven_mock::{MockConfig, MockUsermaven};
//! let mock = MockUsermaven::start(MockConfig::new("KEY", "SECRET")).await?;
//! let url = format!("{}/api/v1/s2s/event?token=KEY.SECRET", mock.uri());
//! // ... send events to `url` ...
//! for e in mock.events() {
//!     println!("{} {}", e.id, e.body);
//! }
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Socket-less tests use [`app`] with `tower::ServiceExt::oneshot`.

mod admin;
mod gojson;
mod ingest;
mod model;
mod server;
mod state;
mod strict;

pub use model::{
    Fault, FaultRecord, MockConfig, MockError, Notice, Problem, RandomFaults, RequestRecord,
    Severity, StoredEvent, StrictMode, Workspace, DEFAULT_API_KEY, DEFAULT_SERVER_TOKEN,
};
pub use server::MockUsermaven;
pub use state::MockState;

use axum::routing::get;
use axum::Router;

/// The whole mock as an axum router: ingestion endpoints plus `/__mock/`.
pub fn app(state: MockState) -> Router {
    Router::new()
        .route("/__mock/health", get(admin::health))
        .route(
            "/__mock/events",
            get(admin::list_events).delete(admin::reset),
        )
        .route("/__mock/events/{id}", get(admin::get_event))
        .route("/__mock/stats", get(admin::stats))
        .route("/__mock/duplicates", get(admin::duplicates))
        .route("/__mock/requests", get(admin::requests))
        .route(
            "/__mock/faults",
            get(admin::get_faults)
                .post(admin::post_faults)
                .delete(admin::delete_faults),
        )
        .route(
            "/__mock/strict",
            get(admin::get_strict).put(admin::put_strict),
        )
        .fallback(ingest::entry)
        .with_state(state)
}

/// Groups of stored events that share a collector event id (`eventn_ctx_event_id`).
pub fn duplicates(events: &[StoredEvent]) -> Vec<serde_json::Value> {
    admin::duplicates_of(events)
}
