//! Mappings compiled once: the directive table of
//! `packages/core/src/mapping-kit/index.ts`, turned into a tree of [`Node`]s.
//!
//! Compilation mirrors what `resolve()` would decide for every value (is it a
//! directive? which one? what are its options?) so that evaluation never looks at a
//! key string again. Problems that the reference only reports when a directive runs
//! (an `@case` without `operator`, an unknown directive nested where `validate()`
//! does not look, …) are kept in the tree and reported at evaluation time, exactly when
//! the reference would throw them.

use regex::Regex;
use usermaven_json::{Object, Str, Value};

use crate::error::{MappingError, TransformError};
use crate::get::Path;
use crate::liquid::Liquid;
use crate::placeholders::Template;
use crate::validate::{validate, MAX_PATTERN_LENGTH, MAX_REPLACEMENT_LENGTH};
use usermaven_json::js::{real_type_of, utf16_len as js_len};

/// The key under which a destination injects a root directive.
pub(crate) const ROOT_MAPPING_FIELD_KEY: &str = "__segment_internal_directive";

/// A compiled mapping value.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// JS `undefined` (a missing option that is resolved anyway).
    Undef,
    /// A value without directives anywhere inside: resolves to itself.
    Raw(Value),
    /// A plain object with directives inside (keys in JS order).
    Obj(Vec<(Str, Node)>),
    /// An array with directives inside.
    Arr(Vec<Node>),
    Dir(Box<Directive>),
}

#[derive(Clone, Debug)]
pub(crate) enum Directive {
    /// A directive that always throws when it runs.
    Fail(TransformError),
    If {
        cond: IfCond,
        then: Option<Node>,
        otherwise: Option<Node>,
    },
    Case {
        value: Option<Node>,
        op: CaseOp,
    },
    Replace(Box<Replace>),
    ArrayPath {
        root: ArrayRoot,
        shape: Option<Node>,
    },
    Path(Path),
    PathDyn(Node),
    Template(Template),
    TemplateDyn(Node),
    Flatten {
        separator: Node,
        value: Node,
        omit_arrays: bool,
    },
    Json {
        value: Node,
        mode: JsonMode,
    },
    Merge {
        direction: Node,
        objects: Result<Vec<Node>, TransformError>,
    },
    Transform {
        apply: Result<Node, TransformError>,
        mapping: Node,
    },
    ExcludeWhenNull(Node),
    /// `@literal`: `resolve(value)`.
    Literal(Node),
    Liquid(Box<Liquid>),
}

#[derive(Clone, Debug)]
pub(crate) enum IfCond {
    Exists(Node),
    Blank(Node),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum CaseOp {
    Lower,
    Upper,
    Invalid,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum JsonMode {
    Encode,
    Decode,
    Other,
}

#[derive(Clone, Debug)]
pub(crate) enum ArrayRoot {
    Path(Path),
    Node(Node),
}

#[derive(Clone, Debug)]
pub(crate) struct Replace {
    /// `None` when the value is missing or falsy: the directive gives `undefined`.
    pub(crate) value: Option<Node>,
    /// `None` when an option has the wrong type: the directive gives `""`.
    pub(crate) ops: Option<(Replacer, Option<Replacer>)>,
}

/// One literal replacement, or the error the reference throws when it is attempted.
#[derive(Clone, Debug)]
pub(crate) enum Replacer {
    Fail(TransformError),
    Ok {
        re: Regex,
        replacement: String,
        global: bool,
    },
}

/// `{...mapping}` / root-directive handling of `getMappingToProcess`.
pub(crate) fn mapping_to_process(mapping: &Value) -> Result<Value, MappingError> {
    match mapping {
        Value::Null => Err(MappingError::plain(
            "TypeError",
            "Cannot convert undefined or null to object",
        )),
        Value::Object(o) if o.contains_key(ROOT_MAPPING_FIELD_KEY) => {
            let mut customer = Object::new();
            for (k, v) in o.iter() {
                if &**k != ROOT_MAPPING_FIELD_KEY {
                    // `customerMappings[key] = mapping[key]`: assignment.
                    customer.assign(k.clone(), v.clone());
                }
            }
            let mut root = o.get(ROOT_MAPPING_FIELD_KEY).cloned().unwrap_or_default();
            let keys = js_keys(&root).ok_or_else(|| {
                MappingError::plain("TypeError", "Cannot convert undefined or null to object")
            })?;
            if keys.len() > 1 {
                return Err(MappingError::plain(
                    "Error",
                    "The root mapping must only have a single directive object",
                ));
            }
            let not_object =
                || MappingError::plain("Error", "The root directive must be an object");
            let first = keys.first().ok_or_else(not_object)?;
            match &mut root {
                Value::Object(obj) => match obj.get_mut(first) {
                    Some(Value::Object(inner)) => {
                        inner.set("mapping", Value::Object(customer));
                    }
                    Some(Value::Array(_)) => {}
                    _ => return Err(not_object()),
                },
                Value::Array(items) => match items.first() {
                    Some(Value::Object(_) | Value::Array(_)) => {}
                    _ => return Err(not_object()),
                },
                _ => return Err(not_object()),
            }
            Ok(root)
        }
        other => Ok(Value::Object(spread(other))),
    }
}

/// `Object.keys(value)`; `None` where JS throws (null).
fn js_keys(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Null => None,
        Value::Object(o) => Some(o.keys().map(|k| k.to_string()).collect()),
        Value::Array(a) => Some((0..a.len()).map(|i| i.to_string()).collect()),
        Value::String(s) => Some((0..js_len(s)).map(|i| i.to_string()).collect()),
        _ => Some(Vec::new()),
    }
}

/// `{...value}` / `Object.assign({}, value)` for one source.
pub(crate) fn spread(v: &Value) -> Object {
    let mut out = Object::new();
    match v {
        Value::Object(o) => out = o.clone(),
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                out.insert(Str::from(i.to_string()), item.clone());
            }
        }
        Value::String(s) => {
            for (k, v) in crate::resolved::string_entries(s) {
                out.insert(k, v);
            }
        }
        _ => {}
    }
    out
}

/// `getMappingToProcess` + `validate` + compilation, as `transform()` runs them.
pub(crate) fn compile_mapping(mapping: &Value) -> Result<Node, MappingError> {
    let processed = mapping_to_process(mapping)?;
    validate(&processed, &[]).map_err(MappingError::from_verr)?;
    Ok(build(&processed))
}

/// `isDirective` of is-directive.ts: some `@` key, and no keys but `@…` and `_metadata`.
fn directive_name(o: &Object) -> Option<&str> {
    let mut name = None;
    for k in o.keys() {
        if k.starts_with('@') {
            if name.is_none() {
                name = Some(&**k);
            }
        } else if &**k != "_metadata" {
            return None;
        }
    }
    name
}

fn contains_directive(v: &Value) -> bool {
    match v {
        Value::Object(o) => directive_name(o).is_some() || o.values().any(contains_directive),
        Value::Array(a) => a.iter().any(contains_directive),
        _ => false,
    }
}

/// Compiles any value the way `resolve()` would treat it.
pub(crate) fn build(v: &Value) -> Node {
    match v {
        Value::Object(o) => {
            if let Some(name) = directive_name(o) {
                return Node::Dir(Box::new(build_directive(name, o.get(name))));
            }
            if !o.values().any(contains_directive) {
                return Node::Raw(crate::resolved::resolve_literal(v));
            }
            Node::Obj(o.iter().map(|(k, v)| (k.clone(), build(v))).collect())
        }
        Value::Array(a) => {
            if !a.iter().any(contains_directive) {
                return Node::Raw(crate::resolved::resolve_literal(v));
            }
            Node::Arr(a.iter().map(build).collect())
        }
        _ => Node::Raw(v.clone()),
    }
}

fn build_opt(v: Option<&Value>) -> Node {
    v.map_or(Node::Undef, build)
}

fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(Value::is_truthy)
}

fn fail(msg: impl Into<String>) -> Directive {
    Directive::Fail(TransformError::error(msg))
}

fn build_directive(name: &str, value: Option<&Value>) -> Directive {
    let opts = value.and_then(Value::as_object);
    let get = |k: &str| opts.and_then(|o| o.get(k));
    match name {
        "@if" => {
            if opts.is_none() {
                return fail("@if requires an object with an \"exists\" key");
            }
            if !truthy(get("exists")) && !truthy(get("blank")) {
                return fail("@if requires an \"exists\" key or a \"blank\" key");
            }
            let cond = match get("exists") {
                Some(e) => IfCond::Exists(build(e)),
                None => IfCond::Blank(build_opt(get("blank"))),
            };
            Directive::If {
                cond,
                then: get("then").map(build),
                otherwise: get("else").filter(|v| v.is_truthy()).map(build),
            }
        }
        "@case" => {
            if opts.is_none() {
                return fail("@case requires an object with a \"operator\" key");
            }
            if !truthy(get("operator")) {
                return fail("@case requires a \"operator\" key");
            }
            let op = match get("operator").and_then(Value::as_str) {
                Some("lower") => CaseOp::Lower,
                Some("upper") => CaseOp::Upper,
                _ => CaseOp::Invalid,
            };
            Directive::Case {
                value: get("value").filter(|v| v.is_truthy()).map(build),
                op,
            }
        }
        "@replace" => {
            if opts.is_none() {
                return fail("@replace requires an object with a \"pattern\" key");
            }
            if !truthy(get("pattern")) {
                return fail("@replace requires a \"pattern\" key");
            }
            let or_default = |k: &str, d: Value| match get(k) {
                None | Some(Value::Null) => d,
                Some(v) => v.clone(),
            };
            let replacement = or_default("replacement", Value::str(""));
            let ignorecase = or_default("ignorecase", Value::Bool(false));
            let global = or_default("global", Value::Bool(true));
            let pattern2 = get("pattern2").filter(|v| v.is_truthy());
            let replacement2 = match (pattern2, get("replacement2")) {
                (Some(_), None | Some(Value::Null)) => Some(Value::str("")),
                (_, other) => other.cloned(),
            };
            let ops = match (get("pattern"), &replacement, &ignorecase, &global) {
                (Some(Value::String(p)), Value::String(r), Value::Bool(i), Value::Bool(g)) => {
                    let first = replacer(p, r, *i, *g);
                    let second = match (pattern2, &replacement2) {
                        (Some(Value::String(p2)), Some(Value::String(r2))) => {
                            Some(replacer(p2, r2, *i, *g))
                        }
                        _ => None,
                    };
                    Some((first, second))
                }
                _ => None,
            };
            Directive::Replace(Box::new(Replace {
                value: get("value").filter(|v| v.is_truthy()).map(build),
                ops,
            }))
        }
        "@arrayPath" => {
            let Some(items) = value.and_then(Value::as_array) else {
                let t = value.map_or("undefined", real_type_of);
                return fail(format!("@arrayPath expected array, got {t}"));
            };
            let root = match items.first() {
                Some(Value::String(p)) => ArrayRoot::Path(Path::parse_mapping_path(p)),
                other => ArrayRoot::Node(build_opt(other)),
            };
            let shape = match items.get(1) {
                Some(s @ Value::Object(o)) if !o.is_empty() => Some(build(s)),
                _ => None,
            };
            Directive::ArrayPath { root, shape }
        }
        "@path" => match value {
            Some(Value::String(p)) => Directive::Path(Path::parse_mapping_path(p)),
            other => Directive::PathDyn(build_opt(other)),
        },
        "@template" => match value {
            Some(Value::String(t)) => Directive::Template(Template::parse(t)),
            other => Directive::TemplateDyn(build_opt(other)),
        },
        "@literal" => Directive::Literal(build_opt(value)),
        _ => build_more(name, value, opts),
    }
}

fn build_more(name: &str, value: Option<&Value>, opts: Option<&Object>) -> Directive {
    let get = |k: &str| opts.and_then(|o| o.get(k));
    match name {
        "@flatten" => {
            if opts.is_none() {
                return fail("@flatten requires an object with a \"separator\" key");
            }
            if !truthy(get("separator")) {
                return fail("@flatten requires a \"separator\" key");
            }
            Directive::Flatten {
                separator: build_opt(get("separator")),
                value: build_opt(get("value")),
                omit_arrays: truthy(get("omitArrays")),
            }
        }
        "@json" => {
            if opts.is_none() {
                return fail("@json requires an object with a \"value\" key");
            }
            if !truthy(get("mode")) {
                return fail("@json requires a \"mode\" key");
            }
            if !truthy(get("value")) {
                return fail("@json requires a \"value\" key");
            }
            let mode = match get("mode").and_then(Value::as_str) {
                Some("encode") => JsonMode::Encode,
                Some("decode") => JsonMode::Decode,
                _ => JsonMode::Other,
            };
            Directive::Json {
                value: build_opt(get("value")),
                mode,
            }
        }
        "@merge" => {
            if opts.is_none() {
                return fail(
                    "@merge requires an object with an \"objects\" key and a \"direction\" key",
                );
            }
            if !truthy(get("direction")) {
                return fail("@merge requires a \"direction\" key");
            }
            let objects = match get("objects") {
                o if !truthy(o) => Err(TransformError::error("@merge requires a \"objects\" key")),
                Some(Value::Array(items)) => Ok(items.iter().map(build).collect()),
                Some(other) => Err(TransformError::error(format!(
                    "@merge: expected opts.array, got {}",
                    other.type_of()
                ))),
                None => Err(TransformError::error("@merge requires a \"objects\" key")),
            };
            Directive::Merge {
                direction: build_opt(get("direction")),
                objects,
            }
        }
        "@transform" => {
            if opts.is_none() {
                return fail(
                    "@transform requires an object with an \"apply\" key and a \"mapping\" key",
                );
            }
            if !truthy(get("mapping")) {
                return fail("@transform requires a \"mapping\" key");
            }
            if !truthy(get("apply")) {
                return fail("@transform requires a \"apply\" key");
            }
            let Some(apply) = get("apply").filter(|a| a.as_object().is_some()) else {
                return fail("@transform \"apply\" key should be an object");
            };
            Directive::Transform {
                apply: compile_mapping(apply).map_err(TransformError::from),
                mapping: build_opt(get("mapping")),
            }
        }
        "@excludeWhenNull" => Directive::ExcludeWhenNull(build_opt(value)),
        "@liquid" => match value {
            Some(Value::String(s)) => Directive::Liquid(Box::new(Liquid::compile(s))),
            _ => fail("liquid template value must be a string"),
        },
        other => fail(format!("{other} is not a valid directive, got undefined")),
    }
}

fn replacer(pattern: &str, replacement: &str, ignorecase: bool, global: bool) -> Replacer {
    if js_len(pattern) > MAX_PATTERN_LENGTH {
        return Replacer::Fail(TransformError::error(format!(
            "@replace requires a \"pattern\" less than {MAX_PATTERN_LENGTH} characters"
        )));
    }
    if js_len(replacement) > MAX_REPLACEMENT_LENGTH {
        return Replacer::Fail(TransformError::error(format!(
            "@replace requires a \"replacement\" less than {MAX_REPLACEMENT_LENGTH} characters"
        )));
    }
    match regex::RegexBuilder::new(&regex::escape(pattern))
        .case_insensitive(ignorecase)
        .build()
    {
        Ok(re) => Replacer::Ok {
            re,
            replacement: replacement.to_string(),
            global,
        },
        Err(e) => Replacer::Fail(TransformError::error(e.to_string())),
    }
}
