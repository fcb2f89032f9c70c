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
//! Layers, each importing only those below it:
//!
//! - `json`: Go's decoder and error texts, the borrowed value, deep nesting;
//! - `model`: configuration, stored events and the rules that make them (enrichment, strict
//!   check), request records, faults, notices, errors;
//! - `store`: the [`Store`], which keeps events, the journal, counters, faults and the store file
//!   and keeps its own rules;
//! - `http`: the router ([`app`]): ingestion, the `/__mock/` API, the live stream and page, and
//!   the socket server ([`MockUsermaven`]).
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

mod http;
mod json;
mod model;
mod store;

pub use http::{app, MockUsermaven, ADMIN_TOKEN_HEADER};
pub use model::{
    EventQuery, EventSummary, Fault, FaultOrigin, FaultRecord, MockConfig, MockError, Notice,
    Outcome, Problem, RandomFaults, RequestRecord, RequestSummary, Severity, Since, StoredEvent,
    StrictMode, Verdict, Workspace, DEFAULT_API_KEY, DEFAULT_MAX_EVENTS, DEFAULT_MAX_REQUESTS,
    DEFAULT_SERVER_TOKEN,
};
pub use store::{Stats, Store, WaitTimeout};

/// The store under the name the router's state had before it became [`Store`]; the same type.
pub type MockState = Store;
