//! The mock's data: its configuration, a stored event and the rules that make one (the
//! collector's enrichment, the strict schema check, the keys filters read), the request
//! journal's records, faults, notices and errors. Built on [`crate::json`]; knows nothing of the
//! store or of HTTP.

pub(crate) mod config;
pub(crate) mod enrich;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod fault;
pub(crate) mod keys;
pub(crate) mod notice;
pub(crate) mod problem;
pub(crate) mod query;
pub(crate) mod request;
pub(crate) mod strict;
pub(crate) mod summary;

pub use config::{
    MockConfig, StrictMode, Workspace, DEFAULT_API_KEY, DEFAULT_MAX_EVENTS, DEFAULT_MAX_REQUESTS,
    DEFAULT_SERVER_TOKEN,
};
pub use error::MockError;
pub use event::StoredEvent;
pub use fault::{Fault, FaultOrigin, FaultRecord, RandomFaults};
pub use notice::Notice;
pub use problem::{Problem, Severity, Verdict};
pub use query::{EventQuery, Since};
pub use request::{Outcome, RequestRecord};
pub use summary::{EventSummary, RequestSummary};
