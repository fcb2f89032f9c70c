//! Compiling a JSON Schema value into a validator tree, once.
//!
//! Mirrors what ajv 8 (draft-07 vocabularies, `strict` mode, as Segment configures it in
//! `packages/core/src/schema-validation.ts`) decides at compile time: which keyword groups a
//! schema uses, which types it may coerce to, whether a subschema is "always valid" (ajv then
//! skips it entirely, so it cannot coerce or remove anything), and which keywords are unknown.

use std::collections::HashMap;

use regex::Regex;
use usermaven_json::{key_eq, Object, Str, Value};

use crate::formats::Format;
use crate::SchemaError;

/// A JSON type name as ajv knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Object,
    Array,
}

impl JsonType {
    fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "null" => JsonType::Null,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            _ => return None,
        })
    }

    fn coercible(self) -> bool {
        // ajv `COERCIBLE` plus "array" because Segment sets `coerceTypes: 'array'`.
        !matches!(self, JsonType::Object)
    }
}

/// A compiled (sub)schema: `true`, `false`, or an object schema.
#[derive(Debug)]
pub(crate) enum Schema {
    Bool(bool),
    Node(Box<Node>),
}

impl Schema {
    /// ajv `alwaysValidSchema`: `true`, `{}`, or an object without any rule keyword.
    pub(crate) fn always_valid(&self) -> bool {
        match self {
            Schema::Bool(b) => *b,
            Schema::Node(n) => n.always_valid,
        }
    }

    pub(crate) fn node(&self) -> Option<&Node> {
        match self {
            Schema::Node(n) => Some(n),
            Schema::Bool(_) => None,
        }
    }
}

/// The keyword groups ajv evaluates, in its order: the keywords of every type, then one
/// group per type that has keywords of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeywordGroup {
    Untyped,
    Number,
    String,
    Array,
    Object,
}

impl KeywordGroup {
    const ALL: [KeywordGroup; 5] = [
        KeywordGroup::Untyped,
        KeywordGroup::Number,
        KeywordGroup::String,
        KeywordGroup::Array,
        KeywordGroup::Object,
    ];

    /// The groups of one type each, in ajv's order.
    pub(crate) const TYPED: [KeywordGroup; 4] = [
        KeywordGroup::Number,
        KeywordGroup::String,
        KeywordGroup::Array,
        KeywordGroup::Object,
    ];

    /// The group whose keywords apply to values of type `t`, if `t` has keywords.
    pub(crate) fn of_type(t: JsonType) -> Option<KeywordGroup> {
        match t {
            JsonType::Number => Some(KeywordGroup::Number),
            JsonType::String => Some(KeywordGroup::String),
            JsonType::Array => Some(KeywordGroup::Array),
            JsonType::Object => Some(KeywordGroup::Object),
            _ => None,
        }
    }

    fn keywords(self) -> &'static [&'static str] {
        match self {
            KeywordGroup::Untyped => UNTYPED_KW,
            KeywordGroup::Number => NUMBER_KW,
            KeywordGroup::String => STRING_KW,
            KeywordGroup::Array => ARRAY_KW,
            KeywordGroup::Object => OBJECT_KW,
        }
    }
}

/// A set of [`KeywordGroup`]s: those a schema uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeywordGroups(u8);

impl KeywordGroups {
    /// The groups with at least one keyword in `obj`.
    fn used_by(obj: &Object) -> KeywordGroups {
        let mut set = 0;
        for g in KeywordGroup::ALL {
            if g.keywords().iter().any(|k| obj.get(k).is_some()) {
                set |= 1 << g as u8;
            }
        }
        KeywordGroups(set)
    }

    pub(crate) fn contains(self, g: KeywordGroup) -> bool {
        self.0 & (1 << g as u8) != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[derive(Debug, Default)]
pub(crate) enum Items {
    #[default]
    None,
    One(Schema),
    Tuple(Vec<Schema>),
}

/// One entry of `properties`.
#[derive(Debug)]
pub(crate) struct Prop {
    pub(crate) key: Str,
    pub(crate) schema: Schema,
    /// `/` + the key escaped as a JSON Pointer token, for error paths.
    pub(crate) segment: String,
    /// Value types (bits as in [`Node::type_mask`]) that `schema` accepts as they are, with
    /// no keyword to run and nothing to coerce: validation can skip the subschema. A copy
    /// kept here so that the common fields never touch their node.
    pub(crate) trivially_valid: u8,
    /// The subschema's `removeEmptyValues` flags for scalars: (active, allows null, allows
    /// string).
    pub(crate) rev: (bool, bool, bool),
}

impl Prop {
    fn new(key: Str, schema: Schema, segment: String) -> Prop {
        const ALL: u8 = 0x7f;
        let (trivially_valid, rev) = match &schema {
            Schema::Bool(true) => (ALL, (false, false, false)),
            Schema::Bool(false) => (0, (false, false, false)),
            Schema::Node(n) => {
                let mask = if n.always_valid || (n.uses.is_empty() && !n.check_types) {
                    ALL
                } else if n.uses.is_empty() {
                    n.type_mask
                } else {
                    0
                };
                (mask, (n.rev_active, n.rev_allows_null, n.rev_allows_string))
            }
        };
        Prop {
            key,
            schema,
            segment,
            trivially_valid,
            rev,
        }
    }

    /// Would `removeEmptyValues(item, schema)` drop this scalar?
    pub(crate) fn scalar_removed(&self, item: &Value) -> bool {
        let (active, allows_null, allows_string) = self.rev;
        active
            && match item {
                Value::Null => !allows_null,
                Value::String(s) if s.is_empty() => !allows_string,
                _ => false,
            }
    }
}

#[derive(Debug)]
pub(crate) struct IfThenElse {
    pub(crate) cond: Schema,
    pub(crate) then: Option<Schema>,
    pub(crate) els: Option<Schema>,
}

/// An object schema with its keywords pre-parsed.
///
/// `repr(C)` keeps the fields every validation reads (flags, type mask, properties) in the
/// first cache line; the keywords that are rarely present follow.
#[derive(Debug, Default)]
#[repr(C)]
pub(crate) struct Node {
    pub(crate) always_valid: bool,
    /// ajv checks (and coerces) the type before any keyword.
    pub(crate) check_types: bool,
    /// The keyword groups this schema uses.
    pub(crate) uses: KeywordGroups,
    // removeEmptyValues: `schema.type || schema.enum`, and whether `type` lists null / string.
    pub(crate) rev_active: bool,
    pub(crate) rev_allows_null: bool,
    pub(crate) rev_allows_string: bool,
    /// `type` was written as a string (not an array).
    pub(crate) type_is_string: bool,
    /// `types` as a bit set (bit `t as u8`), for the type check of every value.
    pub(crate) type_mask: u8,
    /// `properties` in schema order (all of them: removeEmptyValues needs always-valid ones too).
    pub(crate) properties: Option<Vec<Prop>>,
    pub(crate) additional: Option<Schema>,
    /// Types accepted (`type` plus `null` for `nullable: true`).
    pub(crate) types: Vec<JsonType>,
    /// Types ajv may coerce to, in schema order.
    pub(crate) coerce_to: Vec<JsonType>,
    /// `title`, when it is a non-empty string (ajv-human-errors uses it as the field label).
    pub(crate) title: Option<Str>,
    /// The `type` keyword as written, for the "must be a string or null" message.
    pub(crate) type_names: Vec<String>,

    // untyped keywords, in ajv order
    pub(crate) const_: Option<Value>,
    pub(crate) enum_: Option<Vec<Value>>,
    pub(crate) not: Option<Schema>,
    pub(crate) any_of: Option<Vec<Schema>>,
    pub(crate) one_of: Option<Vec<Schema>>,
    pub(crate) all_of: Option<Vec<Schema>>,
    pub(crate) if_: Option<Box<IfThenElse>>,

    // number keywords
    pub(crate) maximum: Option<f64>,
    pub(crate) minimum: Option<f64>,
    pub(crate) exclusive_maximum: Option<f64>,
    pub(crate) exclusive_minimum: Option<f64>,
    pub(crate) multiple_of: Option<f64>,
    pub(crate) format: Option<(Str, Format)>,

    // string keywords
    pub(crate) max_length: Option<f64>,
    pub(crate) min_length: Option<f64>,
    pub(crate) pattern: Option<Regex>,

    // array keywords
    pub(crate) max_items: Option<f64>,
    pub(crate) min_items: Option<f64>,
    pub(crate) items: Items,
    /// Item types for ajv's optimised uniqueItems loop (empty: deep-equality loop).
    pub(crate) unique_items: Option<Vec<JsonType>>,

    // object keywords
    pub(crate) max_properties: Option<f64>,
    pub(crate) min_properties: Option<f64>,
    pub(crate) required: Vec<Str>,
    /// Index into `properties` when there are many.
    pub(crate) prop_index: Option<HashMap<Str, usize>>,
}

impl Node {
    /// `schema.properties[key]`, searching from `*hint` and leaving `*hint` after the match.
    pub(crate) fn property_from(&self, key: &str, hint: &mut usize) -> Option<&Schema> {
        let i = self.property_index(key, hint)?;
        self.properties.as_ref().map(|p| &p[i].schema)
    }

    /// Position of `key` in `properties`. Payload keys usually come in schema order (with
    /// gaps), so a short forward scan from the previous match finds most keys.
    pub(crate) fn property_index(&self, key: &str, hint: &mut usize) -> Option<usize> {
        let props = self.properties.as_ref()?;
        let start = (*hint).min(props.len());
        let window = props.len().min(start + 8);
        let found = match props[start..window]
            .iter()
            .position(|p| key_eq(&p.key, key))
        {
            Some(off) => Some(start + off),
            None => match &self.prop_index {
                Some(ix) => ix.get(key).copied(),
                None => props.iter().position(|p| key_eq(&p.key, key)),
            },
        };
        if let Some(i) = found {
            *hint = i + 1;
        }
        found
    }
}

/// Every keyword ajv registers a rule for (`RULES.all`): a schema holding one of these is not
/// "always valid".
const RULE_KEYWORDS: &[&str] = &[
    "$comment",
    "$id",
    "id",
    "$ref",
    "type",
    "nullable",
    "const",
    "enum",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "maxLength",
    "minLength",
    "pattern",
    "maxProperties",
    "minProperties",
    "required",
    "maxItems",
    "minItems",
    "uniqueItems",
    "not",
    "anyOf",
    "oneOf",
    "allOf",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalProperties",
    "dependencies",
    "properties",
    "patternProperties",
    "additionalItems",
    "items",
    "contains",
    "format",
];

/// Known keywords without rules (metadata, content, core identifiers).
const INERT_KEYWORDS: &[&str] = &[
    "$schema",
    "$defs",
    "$vocabulary",
    "definitions",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];

/// Keywords ajv supports but this port does not (compiling a schema that uses them fails).
const UNSUPPORTED: &[&str] = &[
    "$ref",
    "id",
    "$id",
    "propertyNames",
    "dependencies",
    "patternProperties",
    "additionalItems",
    "contains",
];

const UNTYPED_KW: &[&str] = &[
    "$comment", "type", "nullable", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if",
    "then", "else",
];
const NUMBER_KW: &[&str] = &[
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "format",
];
const STRING_KW: &[&str] = &["maxLength", "minLength", "pattern", "format"];
const ARRAY_KW: &[&str] = &[
    "maxItems",
    "minItems",
    "items",
    "uniqueItems",
    "additionalItems",
    "contains",
];
const OBJECT_KW: &[&str] = &[
    "maxProperties",
    "minProperties",
    "required",
    "propertyNames",
    "additionalProperties",
    "dependencies",
    "properties",
    "patternProperties",
];

pub(crate) fn compile(schema: &Value) -> Result<Schema, SchemaError> {
    let mut path = String::new();
    compile_at(schema, &mut path)
}

fn invalid(path: &str, message: impl Into<String>) -> SchemaError {
    SchemaError::Invalid {
        path: if path.is_empty() {
            "#".into()
        } else {
            format!("#{path}")
        },
        message: message.into(),
    }
}

fn compile_at(schema: &Value, path: &mut String) -> Result<Schema, SchemaError> {
    let obj = match schema {
        Value::Bool(b) => return Ok(Schema::Bool(*b)),
        Value::Object(o) => o,
        _ => return Err(invalid(path, "a schema must be an object or a boolean")),
    };
    check_keywords(obj, path)?;
    let mut n = Node {
        always_valid: obj.is_empty() || !obj.keys().any(|k| RULE_KEYWORDS.contains(&&**k)),
        uses: KeywordGroups::used_by(obj),
        ..Node::default()
    };
    if let Some(Value::String(t)) = obj.get("title") {
        if !t.is_empty() {
            n.title = Some(t.clone());
        }
    }
    compile_types(obj, path, &mut n)?;
    compile_untyped(obj, path, &mut n)?;
    compile_number(obj, path, &mut n)?;
    compile_string(obj, path, &mut n)?;
    compile_array(obj, path, &mut n)?;
    compile_object(obj, path, &mut n)?;
    decide_type_check(&mut n);
    Ok(Schema::Node(Box::new(n)))
}

/// Every keyword must be one ajv knows and this port supports.
fn check_keywords(obj: &Object, path: &str) -> Result<(), SchemaError> {
    for key in obj.keys() {
        let k: &str = key;
        if UNSUPPORTED.contains(&k) {
            return Err(SchemaError::Unsupported {
                path: format!("#{path}"),
                keyword: k.to_string(),
            });
        }
        if !RULE_KEYWORDS.contains(&k) && !INERT_KEYWORDS.contains(&k) {
            return Err(SchemaError::UnknownKeyword {
                path: format!("#{path}"),
                keyword: k.to_string(),
            });
        }
    }
    Ok(())
}

/// `type` and `nullable`: the accepted types, their names as written, and what
/// `removeEmptyValues` and coercion need from them.
fn compile_types(obj: &Object, path: &str, n: &mut Node) -> Result<(), SchemaError> {
    match obj.get("type") {
        None => {}
        Some(Value::String(s)) => {
            let t =
                JsonType::parse(s).ok_or_else(|| invalid(path, format!("unknown type \"{s}\"")))?;
            n.types.push(t);
            n.type_names.push(s.to_string());
            n.type_is_string = true;
        }
        Some(Value::Array(list)) => {
            if list.is_empty() {
                return Err(invalid(path, "type must not be an empty array"));
            }
            for item in list {
                let s = item
                    .as_str()
                    .ok_or_else(|| invalid(path, "type must be a string or an array of strings"))?;
                let t = JsonType::parse(s)
                    .ok_or_else(|| invalid(path, format!("unknown type \"{s}\"")))?;
                if n.types.contains(&t) {
                    return Err(invalid(path, "type items must be unique"));
                }
                n.types.push(t);
                n.type_names.push(s.to_string());
            }
        }
        Some(_) => {
            return Err(invalid(
                path,
                "type must be a string or an array of strings",
            ))
        }
    }
    match obj.get("nullable") {
        None => {}
        Some(Value::Bool(b)) => {
            if n.types.contains(&JsonType::Null) {
                if !b {
                    return Err(invalid(path, "type: null contradicts nullable: false"));
                }
            } else if n.types.is_empty() {
                return Err(invalid(
                    path,
                    "\"nullable\" cannot be used without \"type\"",
                ));
            } else if *b {
                n.types.push(JsonType::Null);
            }
        }
        Some(_) => return Err(invalid(path, "nullable must be a boolean")),
    }
    n.rev_active = obj.get("type").is_some_and(Value::is_truthy) || obj.get("enum").is_some();
    n.rev_allows_null = n.type_names.iter().any(|t| t == "null");
    n.rev_allows_string = n.type_names.iter().any(|t| t == "string");
    n.coerce_to = n.types.iter().copied().filter(|t| t.coercible()).collect();
    Ok(())
}

/// The keywords of every type: `const`, `enum`, `not`, `anyOf`, `oneOf`, `allOf`,
/// `if`/`then`/`else`.
fn compile_untyped(obj: &Object, path: &mut String, n: &mut Node) -> Result<(), SchemaError> {
    n.const_ = obj.get("const").cloned();
    if let Some(e) = obj.get("enum") {
        let list = e
            .as_array()
            .ok_or_else(|| invalid(path, "enum must be an array"))?;
        if list.is_empty() {
            return Err(invalid(path, "enum must have non-empty array"));
        }
        n.enum_ = Some(list.clone());
    }
    if let Some(s) = obj.get("not") {
        n.not = Some(sub(s, path, "/not")?);
    }
    n.any_of = schema_list(obj.get("anyOf"), path, "anyOf")?;
    n.one_of = schema_list(obj.get("oneOf"), path, "oneOf")?;
    n.all_of = schema_list(obj.get("allOf"), path, "allOf")?;
    if let Some(c) = obj.get("if") {
        let cond = sub(c, path, "/if")?;
        let then = obj.get("then").map(|s| sub(s, path, "/then")).transpose()?;
        let els = obj.get("else").map(|s| sub(s, path, "/else")).transpose()?;
        n.if_ = Some(Box::new(IfThenElse { cond, then, els }));
    } else {
        // `then`/`else` without `if` are ignored, but must still be schemas.
        for kw in ["then", "else"] {
            if let Some(s) = obj.get(kw) {
                sub(s, path, kw)?;
            }
        }
    }
    Ok(())
}

/// The number keywords (`format` is checked on numbers and strings alike).
fn compile_number(obj: &Object, path: &str, n: &mut Node) -> Result<(), SchemaError> {
    n.maximum = number_kw(obj, "maximum", path)?;
    n.minimum = number_kw(obj, "minimum", path)?;
    n.exclusive_maximum = number_kw(obj, "exclusiveMaximum", path)?;
    n.exclusive_minimum = number_kw(obj, "exclusiveMinimum", path)?;
    n.multiple_of = number_kw(obj, "multipleOf", path)?;
    if n.multiple_of.is_some_and(|m| m <= 0.0) {
        return Err(invalid(path, "multipleOf must be > 0"));
    }
    if let Some(f) = obj.get("format") {
        let name = f
            .as_str()
            .ok_or_else(|| invalid(path, "format must be a string"))?;
        let fmt = Format::lookup(name).ok_or_else(|| SchemaError::UnknownFormat {
            path: format!("#{path}"),
            format: name.to_string(),
        })?;
        n.format = Some((Str::from(name), fmt));
    }
    Ok(())
}

/// The string keywords.
fn compile_string(obj: &Object, path: &str, n: &mut Node) -> Result<(), SchemaError> {
    n.max_length = count_kw(obj, "maxLength", path)?;
    n.min_length = count_kw(obj, "minLength", path)?;
    if let Some(p) = obj.get("pattern") {
        let src = p
            .as_str()
            .ok_or_else(|| invalid(path, "pattern must be a string"))?;
        let re = Regex::new(src).map_err(|e| SchemaError::BadPattern {
            path: format!("#{path}"),
            pattern: src.to_string(),
            message: e.to_string(),
        })?;
        n.pattern = Some(re);
    }
    Ok(())
}

/// The array keywords.
fn compile_array(obj: &Object, path: &mut String, n: &mut Node) -> Result<(), SchemaError> {
    n.max_items = count_kw(obj, "maxItems", path)?;
    n.min_items = count_kw(obj, "minItems", path)?;
    match obj.get("items") {
        None => {}
        Some(Value::Array(list)) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, s) in list.iter().enumerate() {
                out.push(sub(s, path, &format!("/items/{i}"))?);
            }
            n.items = Items::Tuple(out);
        }
        Some(s) => n.items = Items::One(sub(s, path, "/items")?),
    }
    match obj.get("uniqueItems") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            // ajv: `getSchemaTypes(parentSchema.items)` decides the loop it generates.
            let item_types = match obj.get("items") {
                Some(Value::Object(io)) => match io.get("type") {
                    Some(Value::String(s)) => JsonType::parse(s).into_iter().collect(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|t| t.as_str().and_then(JsonType::parse))
                        .collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let optimise = !item_types.is_empty()
                && !item_types
                    .iter()
                    .any(|t| matches!(t, JsonType::Object | JsonType::Array));
            n.unique_items = Some(if optimise { item_types } else { Vec::new() });
        }
        Some(_) => return Err(invalid(path, "uniqueItems must be a boolean")),
    }
    Ok(())
}

/// The object keywords.
fn compile_object(obj: &Object, path: &mut String, n: &mut Node) -> Result<(), SchemaError> {
    n.max_properties = count_kw(obj, "maxProperties", path)?;
    n.min_properties = count_kw(obj, "minProperties", path)?;
    if let Some(r) = obj.get("required") {
        let list = r
            .as_array()
            .ok_or_else(|| invalid(path, "required must be an array"))?;
        for item in list {
            let s = item
                .as_str()
                .ok_or_else(|| invalid(path, "required items must be strings"))?;
            if n.required.iter().any(|k| &**k == s) {
                return Err(invalid(path, "required items must be unique"));
            }
            n.required.push(Str::from(s));
        }
    }
    if let Some(a) = obj.get("additionalProperties") {
        n.additional = Some(sub(a, path, "/additionalProperties")?);
    }
    if let Some(p) = obj.get("properties") {
        let map = p
            .as_object()
            .ok_or_else(|| invalid(path, "properties must be an object"))?;
        let mut props = Vec::with_capacity(map.len());
        for (k, s) in map.iter() {
            let mut seg = String::from("/properties/");
            seg.push_str(&escape_pointer(k));
            let schema = sub(s, path, &seg)?;
            props.push(Prop::new(
                k.clone(),
                schema,
                format!("/{}", escape_pointer(k)),
            ));
        }
        if props.len() > 16 {
            n.prop_index = Some(
                props
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.key.clone(), i))
                    .collect(),
            );
        }
        n.properties = Some(props);
    }
    Ok(())
}

/// ajv `coerceAndCheckDataType`: a single non-coercible type whose group has rules is
/// checked by that group (after the untyped keywords) instead of up front.
fn decide_type_check(n: &mut Node) {
    let group_checks_type = n.coerce_to.is_empty()
        && n.types.len() == 1
        && KeywordGroup::of_type(n.types[0]).is_some_and(|g| n.uses.contains(g));
    n.check_types = !n.types.is_empty() && !group_checks_type;
    n.type_mask = n.types.iter().fold(0, |m, &t| m | (1 << t as u8));
}

fn sub(s: &Value, path: &mut String, seg: &str) -> Result<Schema, SchemaError> {
    let len = path.len();
    path.push_str(seg);
    let out = compile_at(s, path);
    path.truncate(len);
    out
}

fn schema_list(
    v: Option<&Value>,
    path: &mut String,
    kw: &str,
) -> Result<Option<Vec<Schema>>, SchemaError> {
    let Some(v) = v else { return Ok(None) };
    let list = v
        .as_array()
        .ok_or_else(|| invalid(path, format!("{kw} must be an array")))?;
    if list.is_empty() {
        return Err(invalid(path, format!("{kw} must be a non-empty array")));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        out.push(sub(s, path, &format!("/{kw}/{i}"))?);
    }
    Ok(Some(out))
}

fn number_kw(
    obj: &usermaven_json::Object,
    kw: &str,
    path: &str,
) -> Result<Option<f64>, SchemaError> {
    match obj.get(kw) {
        None => Ok(None),
        Some(Value::Number(x)) => Ok(Some(*x)),
        Some(_) => Err(invalid(path, format!("{kw} must be a number"))),
    }
}

fn count_kw(
    obj: &usermaven_json::Object,
    kw: &str,
    path: &str,
) -> Result<Option<f64>, SchemaError> {
    match obj.get(kw) {
        None => Ok(None),
        Some(Value::Number(x)) if *x >= 0.0 && x.fract() == 0.0 => Ok(Some(*x)),
        Some(_) => Err(invalid(
            path,
            format!("{kw} must be a non-negative integer"),
        )),
    }
}

/// JSON Pointer escaping of one reference token.
pub(crate) fn escape_pointer(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['~', '/']) {
        std::borrow::Cow::Owned(s.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}
