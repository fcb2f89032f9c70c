//! `usermaven-mock`: a faithful local stand-in for Usermaven's ingestion API.
//!
//! It reproduces the collector's wire behaviour as described in `docs/usermaven-api.md` (Usermaven's
//! collector derives from the Jitsu "classic" Go server): endpoints, token lookup, status codes
//! and byte-exact response bodies, Go `encoding/json` error texts, size limits and enrichment of
//! the stored copy. On top it adds what tests need: a strict schema check, an inspection and
//! query API under `/__mock/` (filters, NDJSON, `wait_for` long-polls) with a live page, scripted
//! and seeded-random fault injection, and NDJSON persistence.
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
mod admin_token;
mod counters;
mod deep;
mod event_keys;
mod events;
mod fields;
mod gojson;
mod ingest;
mod journal_store;
mod lite;
mod live;
mod model;
mod outbound;
mod page;
mod query;
mod server;
mod state;
mod store_file;
mod strict;

pub use admin_token::ADMIN_TOKEN_HEADER;
pub use counters::{Stats, OTHER_TYPES};
pub use events::EventStore;
pub use model::{
    EventSummary, Fault, FaultRecord, MockConfig, MockError, Notice, Problem, RandomFaults,
    RequestRecord, RequestSummary, Severity, StoredEvent, StrictMode, Verdict, Workspace,
    DEFAULT_API_KEY, DEFAULT_MAX_EVENTS, DEFAULT_MAX_REQUESTS, DEFAULT_SERVER_TOKEN,
};
pub use query::{EventQuery, Since, WaitTimeout};
pub use server::MockUsermaven;
pub use state::MockState;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

/// The whole mock as an axum router: ingestion endpoints plus `/__mock/` (the page, its stream
/// and the inspection and control API, all behind the admin-token rules of the README).
pub fn app(state: MockState) -> Router {
    let data = Router::new()
        .route("/__mock/", get(page::page))
        .route("/__mock/stream", get(live::stream))
        .route("/__mock/health", get(admin::health))
        .route(
            "/__mock/events",
            get(admin::list_events).delete(admin::reset),
        )
        .route("/__mock/events/{id}", get(admin::get_event))
        .route("/__mock/events/{id}/detail", get(admin::event_detail))
        .route("/__mock/stats", get(admin::stats))
        .route("/__mock/duplicates", get(admin::duplicates))
        .route("/__mock/requests", get(admin::requests))
        .route("/__mock/requests/{id}", get(admin::get_request))
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
        .route_layer(from_fn_with_state(state.clone(), outbound::scrub));
    let assets = Router::new()
        .route("/__mock", get(page::redirect_to_page))
        .route("/__mock/assets/app.js", get(page::app_js))
        .route("/__mock/assets/app.css", get(page::app_css));
    data.merge(assets)
        .route_layer(from_fn_with_state(state.clone(), admin_token::guard))
        .fallback(ingest::entry)
        .with_state(state)
}

/// Groups of stored events that share a collector event id (`eventn_ctx_event_id`).
pub fn duplicates<E: std::borrow::Borrow<StoredEvent>>(events: &[E]) -> Vec<serde_json::Value> {
    admin::duplicates_of(events)
}
