//! Secrets (API key, server token, URLs carrying them) that never print.

use std::fmt;
use std::sync::Arc;

/// A string that prints as `**REDACTED**` in `Debug` and `Display`.
/// Call [`Secret::expose`] for the one real use.
/// Shared: every request of a destination carries the same URL.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Arc::from(s.into()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**REDACTED**")
    }
}
