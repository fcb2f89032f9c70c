//! Errors, named and worded as the reference's JS errors are.

use crate::validate::VErr;

/// A mapping that the reference's `validate()` (or the root-directive handling of
/// `transform()`) rejects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct MappingError {
    /// The JS error name: `ValidationError`, `AggregateError`, `Error` or `TypeError`.
    pub name: &'static str,
    /// The JS error message. For an `AggregateError` this is what the reference prints
    /// once stack lines are dropped: `"\n    ValidationError: /a …\n    ValidationError: …"`.
    pub message: String,
    /// Each validation problem (`/path message.`), in the reference's order.
    pub errors: Vec<String>,
}

impl MappingError {
    pub(crate) fn from_verr(e: VErr) -> MappingError {
        match e {
            VErr::One(m) => MappingError {
                name: "ValidationError",
                message: m.clone(),
                errors: vec![m],
            },
            VErr::Agg(ms) => MappingError {
                name: "AggregateError",
                message: crate::aggregate_message::aggregate_message(&ms),
                errors: ms,
            },
        }
    }

    pub(crate) fn plain(name: &'static str, message: impl Into<String>) -> MappingError {
        let message = message.into();
        MappingError {
            name,
            message: message.clone(),
            errors: vec![message],
        }
    }
}

/// An error thrown while a mapping is applied to an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct TransformError {
    /// The JS error name: `Error` for directive errors, `ParseError` / `RenderError` for
    /// liquid errors, `ValidationError` / `AggregateError` / `TypeError` for a mapping
    /// rejected by `transform()` itself.
    pub name: &'static str,
    /// The JS error message.
    pub message: String,
}

impl TransformError {
    pub(crate) fn error(message: impl Into<String>) -> TransformError {
        TransformError {
            name: "Error",
            message: message.into(),
        }
    }
}

impl From<MappingError> for TransformError {
    fn from(e: MappingError) -> TransformError {
        TransformError {
            name: e.name,
            message: e.message,
        }
    }
}

/// A `TypeError` JS throws while reading a property or converting a value to a string.
impl From<usermaven_json::js::JsError> for TransformError {
    fn from(e: usermaven_json::js::JsError) -> TransformError {
        TransformError {
            name: e.name,
            message: e.message.to_string(),
        }
    }
}
