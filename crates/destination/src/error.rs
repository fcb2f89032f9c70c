//! Errors shaped like the reference's: a JS error name, its message, and an HTTP status.

use std::fmt;

/// An error the reference would throw for one event: `name` is the JS error class
/// (`AggregateAjvError`, `RangeError`, `TypeError`, `IntegrationError`, `AggregateError`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionError {
    pub name: String,
    pub message: String,
    pub status: Option<u16>,
}

impl ActionError {
    pub fn new(name: &str, message: impl Into<String>) -> ActionError {
        ActionError {
            name: name.to_string(),
            message: message.into(),
            status: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> ActionError {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl std::error::Error for ActionError {}
