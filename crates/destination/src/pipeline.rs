//! The glue to mapping-kit (`usermaven-mapping`) and field validation (`usermaven-schema`):
//! the per-event steps of `Action.execute` in destination-kit/action.ts.

use usermaven_json::Value;

use crate::{ActionError, FieldInfo};

/// A mapping compiled once (mapping-kit validation happens here, not per event).
#[derive(Clone, Debug)]
pub(crate) struct CompiledMapping {
    source: Value,
}

impl CompiledMapping {
    pub(crate) fn compile(mapping: &Value) -> Result<CompiledMapping, ActionError> {
        Ok(CompiledMapping {
            source: mapping.clone(),
        })
    }

    /// `transform(mapping, event)`; `Ok(None)` is JS `undefined`.
    pub(crate) fn transform(
        &self,
        _event: &Value,
        _now: jiff::Timestamp,
    ) -> Result<Option<Value>, ActionError> {
        let _ = &self.source;
        Err(ActionError::new(
            "Error",
            "mapping-kit is not integrated yet",
        ))
    }
}

/// The action's field schema, compiled once.
#[derive(Debug)]
pub(crate) struct PayloadSchema {}

impl PayloadSchema {
    pub(crate) fn from_fields(_fields: &[FieldInfo]) -> PayloadSchema {
        PayloadSchema {}
    }

    /// `removeEmptyValues` then `validateSchema` (coercion, removal of unknown keys).
    pub(crate) fn process(&self, _payload: Option<Value>) -> Result<Value, ActionError> {
        Err(ActionError::new(
            "Error",
            "schema validation is not integrated yet",
        ))
    }
}

/// mapping-kit `transform(mapping, input)` for a mapping used once (validation included).
pub fn transform(
    mapping: &Value,
    input: &Value,
    now: jiff::Timestamp,
) -> Result<Option<Value>, ActionError> {
    CompiledMapping::compile(mapping)?.transform(input, now)
}
