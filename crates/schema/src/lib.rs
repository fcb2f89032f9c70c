//! `usermaven-schema`: what Segment's actions-core does to an action payload after the
//! mapping transform, and to destination settings.
//!
//! Ports, with the reference's exact behaviour:
//! - `packages/core/src/destination-kit/fields-to-jsonschema.ts` → [`fields_to_json_schema`]
//!   (field definitions as plain data: [`FieldDef`]);
//! - `packages/core/src/remove-empty-values.ts` → [`remove_empty_values`];
//! - `packages/core/src/schema-validation.ts` → [`CompiledSchema::validate_schema`]: ajv 8 with
//!   `coerceTypes: 'array'`, `allErrors`, `removeAdditional: true`, ajv-formats, and the
//!   messages of `@segment/ajv-human-errors` thrown as an `AggregateAjvError`
//!   ([`ValidationError`]);
//! - the calls `Action.execute` (`destination-kit/action.ts`) and `validateSettings`
//!   (`destination-kit/index.ts`) make: [`CompiledSchema::process`],
//!   [`CompiledSchema::validate_settings`].
//!
//! A schema is compiled once into a validator tree; validating an event builds no schema and
//! compiles no regex, and mutates the payload in place (coercion, removal of unknown keys) as
//! ajv does. All errors are collected, in ajv's order.
//!
//! **Invariant:** no I/O, no clock, no randomness; bad input gives an error, never a panic.

mod coerce;
mod compile;
mod empty;
mod fields;
mod formats;
mod human;
mod validate;

pub use fields::{
    fields_from_value, fields_to_json_schema, Choice, Condition, DependsOn, FieldDef, FieldType,
    Operator,
};

use usermaven_json::Value;

use crate::compile::Schema;

/// A schema ajv (as Segment configures it) would refuse to compile, or one this port does not
/// support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    #[error("schema is invalid at {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("strict mode: unknown keyword: \"{keyword}\" at {path}")]
    UnknownKeyword { path: String, keyword: String },
    #[error("keyword \"{keyword}\" at {path} is not supported by this port")]
    Unsupported { path: String, keyword: String },
    #[error("unknown format \"{format}\" ignored in schema at path \"{path}\"")]
    UnknownFormat { path: String, format: String },
    #[error("invalid pattern {pattern:?} at {path}: {message}")]
    BadPattern {
        path: String,
        pattern: String,
        message: String,
    },
    #[error("invalid field definition: {message}")]
    BadField { message: String },
}

/// One human-readable validation error (`AjvError.toJSON()` of ajv-human-errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanError {
    /// JSON Pointer of the offending value (`""` for the root).
    pub pointer: String,
    /// The same location as a JSON Path (`$`, `$.screen.height`, `$.items[0]`).
    pub path: String,
    /// e.g. `Event Name must be a string but it was an object.`
    pub message: String,
}

/// The error `validateSchema` throws: `AggregateAjvError`, whose message joins every error's
/// message with a space.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// Always `"AggregateAjvError"`.
    pub name: &'static str,
    pub message: String,
    pub errors: Vec<HumanError>,
    /// `Some(400)` when thrown by settings validation (`validateSettings` sets `status`).
    pub status: Option<u16>,
}

impl ValidationError {
    /// ajv on `undefined` against an object schema: the root type check is all that applies.
    pub fn root_undefined() -> ValidationError {
        let message = "The root value must be an object but it was undefined.".to_string();
        ValidationError {
            name: "AggregateAjvError",
            message: message.clone(),
            errors: vec![HumanError {
                path: human::json_path(""),
                pointer: String::new(),
                message,
            }],
            status: None,
        }
    }

    fn from_records(records: Vec<validate::ErrorRec>) -> ValidationError {
        let errors: Vec<HumanError> = records
            .into_iter()
            .map(|r| HumanError {
                path: human::json_path(&r.pointer),
                pointer: r.pointer,
                message: r.message,
            })
            .collect();
        let message = errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        ValidationError {
            name: "AggregateAjvError",
            message,
            errors,
            status: None,
        }
    }
}

/// Options of `validateSchema` that change its result (`schemaKey` only selects ajv's cache).
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions<'a> {
    /// Return an error when invalid (default `true`); otherwise report `Ok(false)`.
    pub throw_if_invalid: bool,
    /// Root keys put back after validation with their original values.
    pub exempt: &'a [&'a str],
}

impl Default for ValidateOptions<'_> {
    fn default() -> Self {
        ValidateOptions {
            throw_if_invalid: true,
            exempt: &[],
        }
    }
}

/// The keys `Action.execute` and `validateSettings` exempt from validation.
pub const EXEMPT_KEYS: &[&str] = &["dynamicAuthSettings"];

/// A JSON Schema compiled once for repeated validation.
#[derive(Debug)]
pub struct CompiledSchema {
    root: Schema,
    /// Some root property has `type: "array"` (otherwise `arrifyFields` has nothing to do).
    has_array_fields: bool,
}

impl CompiledSchema {
    /// Compile a JSON Schema value (draft-07 keywords, ajv strict mode).
    pub fn compile(schema: &Value) -> Result<CompiledSchema, SchemaError> {
        let root = compile::compile(schema)?;
        let has_array_fields = root
            .node()
            .and_then(|n| n.properties.as_ref())
            .is_some_and(|props| props.iter().any(|p| is_array_field(&p.schema)));
        Ok(CompiledSchema {
            root,
            has_array_fields,
        })
    }

    /// `fieldsToJsonSchema(fields)`, compiled. Fails only for definitions ajv would reject too
    /// (an unknown `format`, empty `choices`).
    pub fn from_fields(fields: &[(String, FieldDef)]) -> Result<CompiledSchema, SchemaError> {
        CompiledSchema::compile(&fields_to_json_schema(fields))
    }

    /// `removeEmptyValues(value, schema, isRoot)`; `None` is JS `undefined`.
    pub fn remove_empty_values(&self, value: Value, is_root: bool) -> Option<Value> {
        empty::remove(value, Some(&self.root), is_root)
    }

    /// `validateSchema(data, schema, options)`: arrify root array fields, validate with ajv
    /// semantics (mutating `data`), restore exempted keys. `Ok(valid)` unless invalid and
    /// `throw_if_invalid`.
    pub fn validate_schema(
        &self,
        data: &mut Value,
        options: ValidateOptions<'_>,
    ) -> Result<bool, ValidationError> {
        let saved: Vec<(&str, Value)> = match data {
            Value::Object(o) => options
                .exempt
                .iter()
                .filter_map(|k| o.get(k).map(|v| (*k, v.clone())))
                .collect(),
            _ => Vec::new(),
        };
        self.arrify_fields(data);
        let mut validator = validate::Validator::new();
        let valid = validator.run(&self.root, data);
        if let Value::Object(o) = data {
            for (k, v) in saved {
                o.set(k, v);
            }
        }
        if options.throw_if_invalid && !valid && !validator.errors.is_empty() {
            return Err(ValidationError::from_records(validator.errors));
        }
        Ok(valid)
    }

    /// What `Action.execute` does after `transform`: `removeEmptyValues(payload, schema, true)`
    /// then `validateSchema(payload, schema, { exempt: ['dynamicAuthSettings'] })`.
    ///
    /// A payload that `removeEmptyValues` turns into `undefined` (a root `null` or `""`, as
    /// `{"@literal": null}` maps) fails as ajv fails on `undefined`: only the root type check.
    pub fn process(&self, payload: Value) -> Result<Value, ValidationError> {
        self.process_observed(payload, |_| {})
    }

    /// [`CompiledSchema::process`], showing `after_empty` the payload as `removeEmptyValues`
    /// left it (`None`: `undefined`), before validation coerces and removes.
    pub fn process_observed(
        &self,
        payload: Value,
        after_empty: impl FnOnce(Option<&Value>),
    ) -> Result<Value, ValidationError> {
        let payload = self.remove_empty_values(payload, true);
        after_empty(payload.as_ref());
        let Some(mut payload) = payload else {
            return Err(ValidationError::root_undefined());
        };
        self.validate_schema(
            &mut payload,
            ValidateOptions {
                throw_if_invalid: true,
                exempt: EXEMPT_KEYS,
            },
        )?;
        Ok(payload)
    }

    /// `Destination.validateSettings`: `validateSchema(settings, fieldsToJsonSchema(
    /// authentication.fields), { exempt: ['dynamicAuthSettings'] })` — no empty-value removal —
    /// with `status: 400` on the error.
    pub fn validate_settings(&self, mut settings: Value) -> Result<Value, ValidationError> {
        match self.validate_schema(
            &mut settings,
            ValidateOptions {
                throw_if_invalid: true,
                exempt: EXEMPT_KEYS,
            },
        ) {
            Ok(_) => Ok(settings),
            Err(mut e) => {
                e.status = Some(400);
                Err(e)
            }
        }
    }

    /// `arrifyFields`: root fields whose schema `type` is the string `"array"` get non-array
    /// values wrapped (null stays null).
    fn arrify_fields(&self, data: &mut Value) {
        if !self.has_array_fields {
            return;
        }
        let (Value::Object(o), Some(n)) = (data, self.root.node()) else {
            return;
        };
        if n.properties.is_none() {
            return;
        }
        let mut hint = 0;
        for (k, v) in o.iter_mut() {
            let Some(p) = n.property_from(k, &mut hint) else {
                continue;
            };
            if is_array_field(p) && !matches!(v, Value::Array(_) | Value::Null) {
                let inner = std::mem::take(v);
                *v = Value::Array(vec![inner]);
            }
        }
    }
}

/// The field schemas `arrifyFields` wraps values for: `type` is the string `"array"`.
fn is_array_field(s: &Schema) -> bool {
    matches!(s, Schema::Node(p) if p.type_names.len() == 1
        && p.type_is_string
        && p.type_names[0] == "array")
}
