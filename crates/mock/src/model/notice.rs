//! What the mock announces as it works.

use std::sync::Arc;

use super::event::StoredEvent;
use super::fault::FaultRecord;

/// What the mock announces as it works (the CLI prints these).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Accepted(Arc<StoredEvent>),
    Rejected {
        request_id: u64,
        path: String,
        status: u16,
        reason: String,
    },
    Fault(FaultRecord),
}
