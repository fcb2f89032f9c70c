//! The glue to mapping-kit (`usermaven-mapping`) and field validation (`usermaven-schema`):
//! the per-event steps of `Action.execute` in destination-kit/action.ts.

use usermaven_json::Value;
use usermaven_mapping::Mapping;
use usermaven_schema::{CompiledSchema, FieldDef};

use crate::{ActionError, FieldInfo};

/// A mapping compiled once (mapping-kit validation happens here, not per event).
#[derive(Clone, Debug)]
pub(crate) struct CompiledMapping {
    mapping: Mapping,
}

impl CompiledMapping {
    pub(crate) fn compile(mapping: &Value) -> Result<CompiledMapping, ActionError> {
        Mapping::compile(mapping)
            .map(|mapping| CompiledMapping { mapping })
            .map_err(|e| ActionError::new(e.name, e.message))
    }

    /// The mapping in plain form ([`Mapping::plain`]), for the fused fast path.
    pub(crate) fn plain(&self) -> Option<Vec<(usermaven_json::Str, usermaven_mapping::Plain)>> {
        self.mapping.plain()
    }

    /// `transform(mapping, event)`; `Ok(None)` is JS `undefined`.
    pub(crate) fn transform(
        &self,
        event: &Value,
        now: jiff::Timestamp,
    ) -> Result<Option<Value>, ActionError> {
        self.mapping
            .transform(event, now)
            .map_err(|e| ActionError::new(e.name, e.message))
    }
}

/// The action's field schema, compiled once.
#[derive(Debug)]
pub(crate) struct PayloadSchema {
    schema: CompiledSchema,
}

fn field_defs(fields: &[FieldInfo]) -> Vec<(String, FieldDef)> {
    fields
        .iter()
        .map(|f| {
            let def = FieldDef::from_value(&f.definition)
                .expect("definition.json fields are valid field definitions");
            (f.name.clone(), def)
        })
        .collect()
}

impl PayloadSchema {
    pub(crate) fn from_fields(fields: &[FieldInfo]) -> PayloadSchema {
        let schema = CompiledSchema::from_fields(&field_defs(fields))
            .expect("definition.json fields compile to a schema");
        PayloadSchema { schema }
    }

    /// `removeEmptyValues` then `validateSchema` (coercion, removal of unknown keys). A field
    /// holding a JS function (`{"@path": "$.toString"}`) is a type error the schema reports
    /// itself, in ajv's order ("… but it was a function.").
    pub(crate) fn process(&self, payload: Option<Value>) -> Result<Value, ActionError> {
        let Some(payload) = payload else {
            // ajv on `undefined`: only the root type check applies.
            return Err(ActionError::new(
                "AggregateAjvError",
                "The root value must be an object but it was undefined.",
            ));
        };
        self.schema.process(payload).map_err(|e| ActionError {
            name: e.name.to_string(),
            message: e.message,
            status: e.status,
        })
    }
}

/// mapping-kit `transform(mapping, input)` for a mapping used once, with the reference's
/// order of checks (input type first, then mapping validation).
pub fn transform(
    mapping: &Value,
    input: &Value,
    now: jiff::Timestamp,
) -> Result<Option<Value>, ActionError> {
    usermaven_mapping::transform(mapping, input, now)
        .map_err(|e| ActionError::new(e.name, e.message))
}
