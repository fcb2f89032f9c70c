//! Strict-mode findings and the verdict they give an event.

use serde::{Deserialize, Serialize};

/// How serious a strict-mode finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks what Usermaven needs; rejected under [`StrictMode::Reject`].
    Error,
    /// Only a client library's rule (e.g. identify without email); never rejects.
    Advice,
}

/// One strict-mode finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Index of the event in the (expanded) batch.
    pub index: usize,
    /// JSON pointer into the event, e.g. `/user/id`.
    pub path: String,
    pub message: String,
    pub severity: Severity,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event[{}]{}: {}", self.index, self.path, self.message)
    }
}

/// What the mock made of a stored event, from its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No findings.
    Ok,
    /// Only advice (a client library's rule); never rejected.
    Advice,
    /// Error-severity findings: accepted only because strict mode was `warn`.
    Error,
}
