//! Mapping validation: a port of `packages/core/src/mapping-kit/validate.ts`.
//!
//! Every problem is reported with its path, in the reference's wording
//! (`/obj should only have one @-prefixed key but it has 2 keys.`). As in the
//! reference, a failure is either one `ValidationError` or an `AggregateError` that
//! holds a flat list of them.

use usermaven_json::{Object, Value};

use usermaven_json::js::{real_type_of, utf16_len as js_len};

/// The reference's maximum `@replace` pattern / replacement length.
pub(crate) const MAX_PATTERN_LENGTH: usize = 10;
pub(crate) const MAX_REPLACEMENT_LENGTH: usize = 10;

/// A failed validation: one error, or an aggregate of several (already flattened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VErr {
    One(String),
    Agg(Vec<String>),
}

type VResult = Result<(), VErr>;

fn err(msg: impl AsRef<str>, stack: &[&str]) -> VErr {
    VErr::One(format!("/{} {}.", stack.join("/"), msg.as_ref()))
}

fn flat(errors: Vec<VErr>) -> VErr {
    let mut out = Vec::new();
    for e in errors {
        match e {
            VErr::One(m) => out.push(m),
            VErr::Agg(ms) => out.extend(ms),
        }
    }
    VErr::Agg(out)
}

fn article(t: &str) -> &'static str {
    match t.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// `realTypeOf`, with `undefined` for a missing value.
fn real_type(v: Option<&Value>) -> &'static str {
    v.map_or("undefined", real_type_of)
}

pub(crate) fn has_directive_key(o: &Object) -> bool {
    o.keys().any(|k| k.starts_with('@'))
}

fn real_type_or_directive(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::Object(o)) if has_directive_key(o) => "directive",
        other => real_type(other),
    }
}

/// `validate(mapping)`: the entry point.
pub(crate) fn validate(mapping: &Value, stack: &[&str]) -> VResult {
    match real_type_or_directive(Some(mapping)) {
        "directive" => validate_directive(Some(mapping), stack),
        "object" => validate_object(Some(mapping), stack),
        "array" => validate_array(Some(mapping), stack),
        _ => Ok(()),
    }
}

fn validate_directive(v: Option<&Value>, stack: &[&str]) -> VResult {
    let obj = match v {
        Some(Value::Object(o)) => o,
        other => {
            let t = real_type(other);
            return Err(err(
                format!(
                    "should be a directive object but it is {} {}",
                    article(t),
                    t
                ),
                stack,
            ));
        }
    };
    let directive_keys: Vec<&str> = obj
        .keys()
        .filter(|k| k.starts_with('@'))
        .map(|k| &**k)
        .collect();
    if directive_keys.len() > 1 {
        return Err(err(
            format!(
                "should only have one @-prefixed key but it has {} keys",
                directive_keys.len()
            ),
            stack,
        ));
    }
    if obj
        .keys()
        .any(|k| !k.starts_with('@') && &**k != "_metadata")
    {
        return Err(err(
            format!(
                "should only have one @-prefixed key but it has {} keys",
                obj.len()
            ),
            stack,
        ));
    }
    let Some(&name) = directive_keys.first() else {
        return Err(err("has an invalid directive: undefined", stack));
    };
    let value = obj.get(name);
    let mut inner: Vec<&str> = stack.to_vec();
    inner.push(name);
    let inner = &inner[..];
    match name {
        "@if" => validate_object_with_fields(
            value,
            &[
                ("exists", Field::Optional(validate_directive_or_raw)),
                ("then", Field::Optional(validate_directive_or_raw)),
                ("else", Field::Optional(validate_directive_or_raw)),
            ],
            inner,
        ),
        "@case" => validate_object_with_fields(
            value,
            &[
                ("operator", Field::Optional(validate_string)),
                ("value", Field::Optional(validate_directive_or_string)),
            ],
            inner,
        ),
        "@replace" => validate_object_with_fields(
            value,
            &[
                ("pattern", Field::Required(validate_pattern)),
                ("replacement", Field::Optional(validate_replacement)),
                ("value", Field::Required(validate_directive_or_string)),
                ("ignorecase", Field::Optional(validate_boolean)),
                ("global", Field::Optional(validate_boolean)),
            ],
            inner,
        ),
        "@arrayPath" => {
            validate_array(value, inner)?;
            let items = value.and_then(Value::as_array);
            validate_directive_or_string(items.and_then(|a| a.first()), inner)?;
            match items.and_then(|a| a.get(1)) {
                Some(shape) => validate(shape, inner),
                None => Ok(()),
            }
        }
        "@path" | "@template" => validate_directive_or_string(value, inner),
        "@json" => validate_object_with_fields(
            value,
            &[
                ("value", Field::Required(validate_directive_or_raw)),
                ("mode", Field::Required(validate_mode)),
            ],
            inner,
        ),
        "@flatten" => validate_object_with_fields(
            value,
            &[
                ("separator", Field::Optional(validate_string)),
                ("value", Field::Required(validate_directive_or_raw)),
            ],
            inner,
        ),
        "@merge" => {
            validate_object_with_fields(
                value,
                &[
                    ("direction", Field::Optional(validate_direction)),
                    ("objects", Field::Required(validate_array)),
                ],
                inner,
            )?;
            if let Some(items) = value
                .and_then(|v| v.get("objects"))
                .and_then(Value::as_array)
            {
                for item in items {
                    validate_directive_or_object(Some(item), &[])?;
                }
            }
            Ok(())
        }
        "@literal" | "@excludeWhenNull" => validate_directive_or_raw(value, inner),
        "@transform" => validate_object_with_fields(
            value,
            &[
                ("apply", Field::Required(validate_directive_or_object)),
                ("mapping", Field::Required(validate_directive_or_object)),
            ],
            inner,
        ),
        "@liquid" => validate_string(value, inner),
        other => Err(err(format!("has an invalid directive: {other}"), stack)),
    }
}

type Validator = fn(Option<&Value>, &[&str]) -> VResult;

enum Field {
    Required(Validator),
    Optional(Validator),
}

fn validate_directive_or_raw(v: Option<&Value>, stack: &[&str]) -> VResult {
    match real_type_or_directive(v) {
        "directive" => validate_directive(v, stack),
        "object" | "array" | "boolean" | "string" | "number" | "null" => Ok(()),
        t => Err(err(
            format!(
                "should be a mapping directive or a JSON value but it is {} {t}",
                article(t)
            ),
            stack,
        )),
    }
}

fn validate_directive_or_string(v: Option<&Value>, stack: &[&str]) -> VResult {
    match real_type_or_directive(v) {
        "directive" => validate_directive(v, stack),
        "string" => Ok(()),
        t => Err(err(
            format!(
                "should be a string or a mapping directive but it is {} {t}",
                article(t)
            ),
            stack,
        )),
    }
}

fn validate_directive_or_object(v: Option<&Value>, stack: &[&str]) -> VResult {
    match real_type_or_directive(v) {
        "directive" => validate_directive(v, stack),
        "object" => validate_object(v, stack),
        t => Err(err(
            format!(
                "should be a object or a mapping directive but it is {} {t}",
                article(t)
            ),
            stack,
        )),
    }
}

fn validate_string_length(v: Option<&Value>, min: usize, max: usize, stack: &[&str]) -> VResult {
    if let Some(Value::String(s)) = v {
        let len = js_len(s);
        if len < min {
            return Err(err(
                format!("should be a string of length {min} or greater"),
                stack,
            ));
        }
        if len > max {
            return Err(err(
                format!("should be a string of length {max} or less"),
                stack,
            ));
        }
    }
    Ok(())
}

fn validate_pattern(v: Option<&Value>, stack: &[&str]) -> VResult {
    validate_string(v, stack)?;
    validate_string_length(v, 1, MAX_PATTERN_LENGTH, stack)
}

fn validate_replacement(v: Option<&Value>, stack: &[&str]) -> VResult {
    validate_string(v, stack)?;
    validate_string_length(v, 0, MAX_REPLACEMENT_LENGTH, stack)
}

fn validate_string(v: Option<&Value>, stack: &[&str]) -> VResult {
    let t = real_type_or_directive(v);
    if t != "string" {
        return Err(err(
            format!("should be a string but it is {} {t}", article(t)),
            stack,
        ));
    }
    Ok(())
}

fn validate_allowed(v: Option<&Value>, allowed: &[&str], stack: &[&str]) -> VResult {
    validate_string(v, stack)?;
    let s = v.and_then(Value::as_str).unwrap_or_default();
    if !allowed.contains(&s.to_lowercase().as_str()) {
        return Err(err(
            format!(
                "should be one of {} but it is {}",
                allowed.join(", "),
                Value::str(s).to_json()
            ),
            stack,
        ));
    }
    Ok(())
}

fn validate_mode(v: Option<&Value>, stack: &[&str]) -> VResult {
    validate_allowed(v, &["encode", "decode"], stack)
}

fn validate_direction(v: Option<&Value>, stack: &[&str]) -> VResult {
    validate_allowed(v, &["left", "right"], stack)
}

fn validate_boolean(v: Option<&Value>, stack: &[&str]) -> VResult {
    let t = real_type_or_directive(v);
    if t != "boolean" {
        return Err(err(
            format!("should be a boolean but it is {} {t}", article(t)),
            stack,
        ));
    }
    Ok(())
}

fn validate_object(v: Option<&Value>, stack: &[&str]) -> VResult {
    let t = real_type_or_directive(v);
    if t != "object" {
        return Err(err(
            format!("should be an object but it is {} {t}", article(t)),
            stack,
        ));
    }
    let Some(Value::Object(obj)) = v else {
        return Ok(());
    };
    if let Some(k) = obj.keys().find(|k| k.starts_with('@')) {
        return Err(err(
            format!(
                "shouldn't have directive (@-prefixed) keys but it has {}",
                Value::String(k.clone()).to_json()
            ),
            stack,
        ));
    }
    let mut errors = Vec::new();
    for (k, val) in obj.iter() {
        let mut s: Vec<&str> = stack.to_vec();
        s.push(k);
        if let Err(e) = validate(val, &s) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(flat(errors))
    }
}

fn validate_object_with_fields(
    input: Option<&Value>,
    fields: &[(&str, Field)],
    stack: &[&str],
) -> VResult {
    validate_object(input, stack)?;
    let obj = input.and_then(Value::as_object);
    let mut errors = Vec::new();
    for (prop, field) in fields {
        let value = obj.and_then(|o| o.get(prop));
        let mut s: Vec<&str> = stack.to_vec();
        s.push(prop);
        let res = match field {
            Field::Required(f) => match value {
                None => Err(err(
                    format!(
                        "should have field {} but it doesn't",
                        Value::str(prop).to_json()
                    ),
                    stack,
                )),
                Some(_) => f(value, &s),
            },
            Field::Optional(f) => match value {
                None => Ok(()),
                Some(_) => f(value, &s),
            },
        };
        if let Err(e) = res {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(flat(errors))
    }
}

fn validate_array(v: Option<&Value>, stack: &[&str]) -> VResult {
    let t = real_type(v);
    if t != "array" {
        return Err(err(
            format!("should be an array but it is {} {t}", article(t)),
            stack,
        ));
    }
    Ok(())
}
