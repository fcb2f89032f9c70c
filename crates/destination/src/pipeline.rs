//! The glue to mapping-kit (`usermaven-mapping`) and field validation (`usermaven-schema`):
//! the per-event steps of `Action.execute` in destination-kit/action.ts.

use usermaven_json::Value;
use usermaven_mapping::Mapping;
use usermaven_schema::{CompiledSchema, FieldDef};

use crate::explain::Tracer;
use crate::{ActionError, FieldInfo};

/// actions-core resolves Engage audience membership (audience-membership.ts) for every event
/// after validation. Its result is unused by this destination, but the destructuring it does
/// throws when one of these values is `null` (each reached through objects only), failing the
/// event with that `TypeError`. The fused path declines the same events (`fused.rs`).
pub(crate) const AUDIENCE_NULL_FAILURES: [(&[&str], &str); 2] = [
    (
        &["context"],
        "Cannot destructure property 'personas' of '{}' as it is null.",
    ),
    (
        &["context", "personas"],
        "Cannot read properties of null (reading 'computation_class')",
    ),
];

/// The audience-membership step on a parsed event ([`AUDIENCE_NULL_FAILURES`]).
pub(crate) fn audience_membership(event: &Value) -> Result<(), ActionError> {
    for (path, message) in AUDIENCE_NULL_FAILURES {
        let mut at = Some(event);
        for key in path {
            at = at.and_then(Value::as_object).and_then(|o| o.get(key));
        }
        if matches!(at, Some(Value::Null)) {
            return Err(ActionError::new("TypeError", message));
        }
    }
    Ok(())
}

/// A mapping compiled once (mapping-kit validation happens here, not per event).
#[derive(Clone, Debug)]
pub(crate) struct CompiledMapping {
    mapping: Mapping,
    /// The mapping as written, for explanations.
    source: Value,
}

impl CompiledMapping {
    pub(crate) fn compile(mapping: &Value) -> Result<CompiledMapping, ActionError> {
        Mapping::compile(mapping)
            .map(|compiled| CompiledMapping {
                mapping: compiled,
                source: mapping.clone(),
            })
            .map_err(|e| ActionError::new(e.name, e.message))
    }

    /// The mapping as written.
    pub(crate) fn source(&self) -> &Value {
        &self.source
    }

    /// The mapping in plain form ([`Mapping::plain`]), for the fused fast path.
    pub(crate) fn plain(&self) -> Option<Vec<(usermaven_json::Str, usermaven_mapping::Plain)>> {
        self.mapping.plain()
    }

    /// `transform(mapping, event)`; `Ok(None)` is JS `undefined`.
    pub(crate) fn transform_observed<O: usermaven_mapping::Observer>(
        &self,
        event: &Value,
        now: jiff::Timestamp,
        observer: &O,
    ) -> Result<Option<Value>, ActionError> {
        self.mapping
            .transform_observed(event, now, observer)
            .map_err(|e| ActionError::new(e.name, e.message))
    }
}

/// The action's field schema, compiled once.
#[derive(Debug)]
pub(crate) struct PayloadSchema {
    schema: CompiledSchema,
}

impl PayloadSchema {
    pub(crate) fn from_fields(fields: &[FieldInfo]) -> PayloadSchema {
        let defs: Vec<(String, FieldDef)> = fields
            .iter()
            .map(|f| (f.name.clone(), f.def.clone()))
            .collect();
        let schema =
            CompiledSchema::from_fields(&defs).expect("definition.json fields compile to a schema");
        PayloadSchema { schema }
    }

    /// `removeEmptyValues` then `validateSchema` (coercion, removal of unknown keys). A field
    /// holding a JS function (`{"@path": "$.toString"}`) is a type error the schema reports
    /// itself, in ajv's order ("… but it was a function.").
    /// The tracer sees the payload as removeEmptyValues left it, and the errors of an invalid
    /// one (`explain`).
    pub(crate) fn process_traced<T: Tracer>(
        &self,
        payload: Option<Value>,
        tracer: &mut T,
    ) -> Result<Value, ActionError> {
        let e = match payload {
            Some(payload) => match self.schema.process_observed(payload, |p| tracer.emptied(p)) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            },
            None => usermaven_schema::ValidationError::root_undefined(),
        };
        tracer.invalid(&e);
        Err(ActionError {
            name: e.name.to_string(),
            message: e.message,
            status: e.status,
        })
    }
}
