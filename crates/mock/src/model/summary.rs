//! The brief forms of a stored event and of its request (list rows, the detail view, the live
//! stream).

use serde::Serialize;

use super::event::StoredEvent;
use super::problem::{Problem, Verdict};
use super::request::RequestRecord;

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

impl StoredEvent {
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
}
