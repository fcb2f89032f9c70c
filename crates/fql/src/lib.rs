//! `usermaven-fql`: Segment's FQL trigger language, as `@segment/destination-subscriptions`
//! 3.37.0 implements it on the `@segment/fql-ts` 1.10.1 lexer — `parseFql`, `validate`
//! and `generateFql` (`parse-fql.ts`, `validate.ts`, `get.ts`, `generate-fql.ts`,
//! `types.ts`, `index.ts`), with the reference's quirks reproduced.
//!
//! Parse once, evaluate many times:
//! ```
//! use usermaven_fql::parse;
//! use usermaven_json::Value;
//!
//! let trigger = parse(r#"type = "track" and properties.total > 20"#).unwrap();
//! let event = Value::parse(r#"{"type":"track","properties":{"total":25}}"#).unwrap();
//! assert!(trigger.matches(&event));
//! assert_eq!(trigger.generate().unwrap(), r#"type = "track" and properties.total > 20"#);
//! ```
//!
//! Parse errors are returned with the reference's error name and message (most failures,
//! lexing ones included, read "Cannot read properties of undefined (reading 'type')").

mod convert;
mod decide;
mod generate;
mod lexer;
mod parse;
mod tree;
mod validate;

pub use decide::{Decider, Decision};
pub use generate::generate;
pub use parse::parse;
pub use tree::{Condition, ConditionKind, Group, Node, Trigger};
pub use validate::{try_validate, validate, NoObserver, Observer};

use usermaven_json::Value;

/// An error as the reference reports it: the JS error's `name` (`Error`, `TypeError`)
/// and `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
#[non_exhaustive]
pub struct FqlError {
    /// JS error class name (`Error` or `TypeError`).
    pub name: String,
    /// The JS error message.
    pub message: String,
}

impl FqlError {
    pub(crate) fn error(message: impl Into<String>) -> FqlError {
        FqlError {
            name: "Error".to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn type_error(message: impl Into<String>) -> FqlError {
        FqlError {
            name: "TypeError".to_string(),
            message: message.into(),
        }
    }

    /// From a JS error serialized as `{"name", "message"}` (anything else: `String(e)`).
    pub(crate) fn from_js_error(e: &Value) -> FqlError {
        let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
        match (text("name"), text("message")) {
            (name, Some(message)) => FqlError {
                name: name.unwrap_or_else(|| "Error".to_string()),
                message,
            },
            (_, None) => FqlError::error(e.to_js_string()),
        }
    }
}

/// The case runner's `fql` kind: parse, then validate the event. A parse error or an
/// evaluation that throws in the reference is returned as the error.
pub fn evaluate(fql: &str, event: &Value) -> Result<bool, FqlError> {
    parse(fql)?.try_matches(event)
}

/// [`evaluate`] for an event that may be absent (`None`: the reference's `undefined`, which
/// matches nothing once the trigger parsed).
pub fn evaluate_event(fql: &str, event: Option<&Value>) -> Result<bool, FqlError> {
    parse(fql)?.try_matches_event(event)
}
