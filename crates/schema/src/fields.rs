//! Field definitions and `fieldsToJsonSchema`: port of
//! `packages/core/src/destination-kit/fields-to-jsonschema.ts` (without the `tsType` option,
//! which only serves type generation).
//!
//! Key order of the generated schema matches the reference object literals, because error
//! order and `additionalProperties` handling follow it.

use usermaven_json::{Object, Value};

use crate::SchemaError;

/// The `type` of an action field (`FieldTypeName`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldType {
    #[default]
    String,
    Text,
    Password,
    Number,
    Integer,
    Datetime,
    Boolean,
    Object,
}

impl FieldType {
    pub fn parse(s: &str) -> Option<FieldType> {
        Some(match s {
            "string" => FieldType::String,
            "text" => FieldType::Text,
            "password" => FieldType::Password,
            "number" => FieldType::Number,
            "integer" => FieldType::Integer,
            "datetime" => FieldType::Datetime,
            "boolean" => FieldType::Boolean,
            "object" => FieldType::Object,
            _ => return None,
        })
    }
}

/// One entry of `choices`: a plain string or `{ label, value }`.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    Plain(String),
    Labeled { label: String, value: Value },
}

/// `is` / `is_not` of a conditional requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Is,
    IsNot,
}

/// One `FieldCondition`: `fieldKey` (may be `parent.child`), operator, optional value
/// (`None`: "has a value" / "has no value").
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub field_key: String,
    pub operator: Operator,
    pub value: Option<Value>,
}

/// `DependsOnConditions` used as `required: {...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct DependsOn {
    /// `match: 'any'` (otherwise all conditions must hold).
    pub match_any: bool,
    pub conditions: Vec<Condition>,
}

/// An action field or authentication setting, as plain data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldDef {
    pub label: String,
    pub description: Option<String>,
    pub kind: FieldType,
    /// `required: true`.
    pub required: bool,
    /// `required: { conditions }` (used only when `required` is false).
    pub required_if: Option<DependsOn>,
    pub allow_null: bool,
    pub multiple: bool,
    pub properties: Option<Vec<(String, FieldDef)>>,
    pub additional_properties: bool,
    pub format: Option<String>,
    pub choices: Option<Vec<Choice>>,
    /// The field's default mapping (copied into the schema as `default`).
    pub default: Option<Value>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
}

impl FieldDef {
    /// A field of `kind` labelled `label`, everything else default.
    pub fn new(label: &str, kind: FieldType) -> FieldDef {
        FieldDef {
            label: label.to_string(),
            kind,
            ..FieldDef::default()
        }
    }

    /// Read a field definition written as the reference's JSON/JS object literal.
    pub fn from_value(v: &Value) -> Result<FieldDef, SchemaError> {
        let bad = |m: &str| SchemaError::BadField {
            message: m.to_string(),
        };
        let o = v
            .as_object()
            .ok_or_else(|| bad("a field must be an object"))?;
        let str_of = |k: &str| -> Result<Option<String>, SchemaError> {
            match o.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.to_string())),
                Some(_) => Err(bad(&format!("{k} must be a string"))),
            }
        };
        let bool_of = |k: &str| -> Result<bool, SchemaError> {
            match o.get(k) {
                None => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(bad(&format!("{k} must be a boolean"))),
            }
        };
        let num_of = |k: &str| -> Result<Option<f64>, SchemaError> {
            match o.get(k) {
                None => Ok(None),
                Some(Value::Number(n)) => Ok(Some(*n)),
                Some(_) => Err(bad(&format!("{k} must be a number"))),
            }
        };
        let kind_name = str_of("type")?.ok_or_else(|| bad("type is required"))?;
        let kind = FieldType::parse(&kind_name)
            .ok_or_else(|| bad(&format!("unknown field type {kind_name}")))?;
        let (required, required_if) = match o.get("required") {
            None => (false, None),
            Some(Value::Bool(b)) => (*b, None),
            Some(c @ Value::Object(_)) => (false, Some(depends_on_from_value(c)?)),
            Some(_) => return Err(bad("required must be a boolean or a conditions object")),
        };
        let properties = match o.get("properties") {
            None => None,
            Some(p) => Some(fields_from_value(p)?),
        };
        let choices = match o.get("choices") {
            None => None,
            Some(Value::Array(list)) => Some(
                list.iter()
                    .map(|c| match c {
                        Value::String(s) => Ok(Choice::Plain(s.to_string())),
                        Value::Object(co) => Ok(Choice::Labeled {
                            label: co.get("label").map(Value::to_js_string).unwrap_or_default(),
                            value: co.get("value").cloned().unwrap_or(Value::Null),
                        }),
                        _ => Err(bad("choices must be strings or {label, value} objects")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(bad("choices must be an array")),
        };
        Ok(FieldDef {
            label: str_of("label")?.unwrap_or_default(),
            description: str_of("description")?,
            kind,
            required,
            required_if,
            allow_null: bool_of("allowNull")?,
            multiple: bool_of("multiple")?,
            properties,
            additional_properties: bool_of("additionalProperties")?,
            format: str_of("format")?,
            choices,
            default: o.get("default").cloned(),
            minimum: num_of("minimum")?,
            maximum: num_of("maximum")?,
        })
    }
}

fn depends_on_from_value(v: &Value) -> Result<DependsOn, SchemaError> {
    let bad = |m: &str| SchemaError::BadField {
        message: m.to_string(),
    };
    let match_any = v.get("match").and_then(Value::as_str) == Some("any");
    let list = v
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("conditions must be an array"))?;
    let mut conditions = Vec::with_capacity(list.len());
    for c in list {
        if c.get("type").and_then(Value::as_str) == Some("syncMode") {
            return Err(bad("syncMode conditions are not supported"));
        }
        let field_key = c
            .get("fieldKey")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("fieldKey must be a string"))?;
        let operator = match c.get("operator").and_then(Value::as_str) {
            Some("is") => Operator::Is,
            Some("is_not") => Operator::IsNot,
            other => {
                return Err(bad(&format!(
                    "Unsupported conditionally required field operator: {}",
                    other.unwrap_or("undefined")
                )))
            }
        };
        conditions.push(Condition {
            field_key: field_key.to_string(),
            operator,
            value: c.get("value").cloned(),
        });
    }
    Ok(DependsOn {
        match_any,
        conditions,
    })
}

/// Read a `fields` object (`{ key: field, ... }`) in JS key order.
pub fn fields_from_value(v: &Value) -> Result<Vec<(String, FieldDef)>, SchemaError> {
    let o = v.as_object().ok_or_else(|| SchemaError::BadField {
        message: "fields must be an object".into(),
    })?;
    o.iter()
        .map(|(k, f)| Ok((k.to_string(), FieldDef::from_value(f)?)))
        .collect()
}

#[derive(Clone, Copy, Default)]
struct Options {
    additional_properties: bool,
    omit_required_schemas: bool,
}

/// `fieldsToJsonSchema(fields)`: the JSON Schema Segment validates action payloads against.
pub fn fields_to_json_schema(fields: &[(String, FieldDef)]) -> Value {
    Value::Object(to_schema(fields, Options::default()))
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn obj<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut o = Object::with_capacity(N);
    for (k, v) in entries {
        o.set(k, v);
    }
    Value::Object(o)
}

/// `Object.entries(fields)` order: array-index keys first (ascending), last duplicate wins.
fn js_order(fields: &[(String, FieldDef)]) -> Vec<(&str, &FieldDef)> {
    let mut order = Object::with_capacity(fields.len());
    for (i, (k, _)) in fields.iter().enumerate() {
        order.set(k, Value::Number(i as f64));
    }
    order
        .iter()
        .filter_map(|(_, v)| v.as_f64())
        .map(|i| {
            let (k, f) = &fields[i as usize];
            (k.as_str(), f)
        })
        .collect()
}

fn truthy(x: Option<f64>) -> Option<f64> {
    x.filter(|n| *n != 0.0 && !n.is_nan())
}

/// `conditions[key] = c` on a JS object: an existing key keeps its position.
fn add_condition<'a>(conditions: &mut Vec<(String, &'a DependsOn)>, key: String, c: &'a DependsOn) {
    if let Some(slot) = conditions.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = c;
    } else {
        conditions.push((key, c));
    }
}

fn to_schema(fields: &[(String, FieldDef)], options: Options) -> Object {
    let mut required: Vec<Value> = Vec::new();
    let mut properties = Object::with_capacity(fields.len());
    let mut conditions: Vec<(String, &DependsOn)> = Vec::new();

    for (key, field) in js_order(fields) {
        let schema_type = match field.kind {
            FieldType::String | FieldType::Text | FieldType::Password => s("string"),
            FieldType::Datetime => Value::Array(vec![s("string"), s("number")]),
            FieldType::Number => s("number"),
            FieldType::Integer => s("integer"),
            FieldType::Boolean => s("boolean"),
            FieldType::Object => s("object"),
        };
        let mut schema = Object::with_capacity(8);
        schema.set("title", s(&field.label));
        if let Some(d) = &field.description {
            schema.set("description", s(d));
        }
        schema.set("type", schema_type.clone());
        let format = match field.kind {
            FieldType::Datetime => Some("date-like"),
            FieldType::Password => Some("password"),
            FieldType::Text => Some("text"),
            _ => field.format.as_deref(),
        };
        if let Some(f) = format {
            schema.set("format", s(f));
        }
        if let Some(d) = &field.default {
            schema.set("default", d.clone());
        }
        match field.kind {
            FieldType::String => {
                if let Some(m) = truthy(field.minimum) {
                    schema.set("minLength", Value::Number(m));
                }
                if let Some(m) = truthy(field.maximum) {
                    schema.set("maxLength", Value::Number(m));
                }
            }
            FieldType::Number => {
                if let Some(m) = truthy(field.minimum) {
                    schema.set("minimum", Value::Number(m));
                }
                if let Some(m) = truthy(field.maximum) {
                    schema.set("maximum", Value::Number(m));
                }
            }
            _ => {}
        }
        if let Some(choices) = &field.choices {
            let values = choices
                .iter()
                .map(|c| match c {
                    Choice::Plain(p) => s(p),
                    Choice::Labeled { value, .. } => value.clone(),
                })
                .collect();
            schema.set("enum", Value::Array(values));
        }
        if field.allow_null {
            let mut types = match &schema_type {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            types.push(s("null"));
            schema.set("type", Value::Array(types));
            if let Some(Value::Array(e)) = schema.get_mut("enum") {
                e.push(Value::Null);
            }
        }
        if field.multiple {
            let mut items = Object::new();
            items.set("type", schema_type.clone());
            schema.set("items", Value::Object(items));
            schema.set("type", s("array"));
            if let Some(e) = schema.remove("enum") {
                if let Some(Value::Object(items)) = schema.get_mut("items") {
                    items.set("enum", e);
                }
            }
        }
        if field.kind == FieldType::Object {
            if let Some(props) = &field.properties {
                let nested = to_schema(
                    props,
                    Options {
                        additional_properties: field.additional_properties,
                        omit_required_schemas: props
                            .iter()
                            .any(|(_, p)| p.required_if.is_some() && !p.required),
                    },
                );
                if field.multiple {
                    schema.set("items", Value::Object(nested));
                } else {
                    for (k, v) in nested {
                        schema.insert(k, v);
                    }
                }
                for (pk, pf) in js_order(props) {
                    if pf.required {
                        continue;
                    }
                    if let Some(c) = &pf.required_if {
                        add_condition(&mut conditions, format!("{key}.{pk}"), c);
                    }
                }
            }
        }
        properties.set(key, Value::Object(schema));
        if field.required {
            required.push(s(key));
        } else if let Some(c) = &field.required_if {
            add_condition(&mut conditions, key.to_string(), c);
        }
    }

    let mut out = Object::with_capacity(6);
    out.set("$schema", s("http://json-schema.org/schema#"));
    out.set("type", s("object"));
    out.set(
        "additionalProperties",
        Value::Bool(options.additional_properties),
    );
    out.set("properties", Value::Object(properties));
    if options.omit_required_schemas {
        return out;
    }
    out.set("required", Value::Array(required));
    // `conditions` is a JS object: array-index keys enumerate first.
    conditions.sort_by_key(|(k, _)| {
        if usermaven_json::is_array_index(k) {
            (0, k.parse::<u64>().unwrap_or(0))
        } else {
            (1, 0)
        }
    });
    let all_of: Vec<Value> = conditions
        .iter()
        .map(|(k, c)| single_field_conditions(k, c))
        .collect();
    if !all_of.is_empty() {
        out.set("allOf", Value::Array(all_of));
    }
    out
}

fn split_dot(key: &str) -> Option<(&str, &str)> {
    let mut parts = key.split('.');
    let parent = parts.next()?;
    let child = parts.next()?;
    Some((parent, child))
}

fn str_list(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|k| s(k)).collect())
}

fn then_statement(field_key: &str) -> Value {
    match split_dot(field_key) {
        Some((parent, child)) => obj([
            ("required", str_list(&[parent])),
            (
                "properties",
                obj([(parent, obj([("required", str_list(&[child]))]))]),
            ),
        ]),
        None => obj([("required", str_list(&[field_key]))]),
    }
}

fn value_condition(op: Operator, value: &Option<Value>) -> Value {
    // `{ const: value }` (an undefined value leaves the key out)
    let mut c = Object::new();
    if let Some(v) = value {
        c.set("const", v.clone());
    }
    match op {
        Operator::Is => Value::Object(c),
        Operator::IsNot => obj([("not", Value::Object(c))]),
    }
}

fn undefined_condition(dep: &str, field_key: &str, op: Operator, multiple: bool) -> Value {
    let inside = match op {
        Operator::Is => obj([("not", obj([("required", str_list(&[dep]))]))]),
        Operator::IsNot => obj([("required", str_list(&[dep]))]),
    };
    if multiple {
        return inside;
    }
    let null_check = obj([("properties", obj([(dep, obj([("type", s("null"))]))]))]);
    match op {
        Operator::Is => obj([
            (
                "if",
                obj([("anyOf", Value::Array(vec![inside, null_check]))]),
            ),
            ("then", then_statement(field_key)),
        ]),
        Operator::IsNot => obj([
            (
                "if",
                obj([(
                    "allOf",
                    Value::Array(vec![inside, obj([("not", null_check)])]),
                )]),
            ),
            ("then", then_statement(field_key)),
        ]),
    }
}

fn simple_condition(
    dep: &str,
    field_key: &str,
    value: &Option<Value>,
    op: Operator,
    multiple: bool,
) -> Value {
    let dv = value_condition(op, value);
    if multiple {
        return obj([
            ("properties", obj([(dep, dv)])),
            ("required", str_list(&[dep])),
        ]);
    }
    obj([
        (
            "if",
            obj([
                ("required", str_list(&[dep])),
                ("properties", obj([(dep, dv)])),
            ]),
        ),
        ("then", then_statement(field_key)),
    ])
}

fn object_condition(
    parent: &str,
    child: &str,
    field_key: &str,
    value: &Option<Value>,
    op: Operator,
    multiple: bool,
) -> Value {
    let dv = value_condition(op, value);
    let cond = obj([
        (
            "properties",
            obj([(
                parent,
                obj([
                    ("properties", obj([(child, dv)])),
                    ("required", str_list(&[child])),
                ]),
            )]),
        ),
        ("required", str_list(&[parent])),
    ]);
    if multiple {
        return cond;
    }
    obj([("if", cond), ("then", then_statement(field_key))])
}

fn single_field_conditions(field_key: &str, depends: &DependsOn) -> Value {
    if depends.conditions.len() == 1 {
        let c = &depends.conditions[0];
        return match split_dot(&c.field_key) {
            Some((p, ch)) => object_condition(p, ch, field_key, &c.value, c.operator, false),
            None if c.value.is_none() => {
                undefined_condition(&c.field_key, field_key, c.operator, false)
            }
            None => simple_condition(&c.field_key, field_key, &c.value, c.operator, false),
        };
    }
    let inner: Vec<Value> = depends
        .conditions
        .iter()
        .map(|c| match split_dot(&c.field_key) {
            Some((p, ch)) => object_condition(p, ch, field_key, &c.value, c.operator, true),
            None if c.value.is_none() => {
                undefined_condition(&c.field_key, field_key, c.operator, true)
            }
            None => simple_condition(&c.field_key, field_key, &c.value, c.operator, true),
        })
        .collect();
    let combinator = if depends.match_any { "anyOf" } else { "allOf" };
    obj([
        ("if", obj([(combinator, Value::Array(inner))])),
        ("then", obj([("required", str_list(&[field_key]))])),
    ])
}
