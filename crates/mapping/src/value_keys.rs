//! `getFieldValueKeys`: a port of `packages/core/src/mapping-kit/value-keys.ts`.
//!
//! Lists the event keys a field value reads: `@path` paths, `{{…}}` placeholders of
//! `@template`, variables of `@liquid`, recursively through other directives.

use usermaven_json::Value;

const KNOWN: &[&str] = &[
    "@if",
    "@path",
    "@template",
    "@literal",
    "@arrayPath",
    "@case",
    "@replace",
    "@json",
    "@flatten",
    "@merge",
    "@transform",
    "@excludeWhenNull",
    "@liquid",
];

fn is_directive(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.keys().any(|k| KNOWN.contains(&&**k)))
}

fn opt_obj<'v>(v: &'v Value, key: &str) -> Option<&'v usermaven_json::Object> {
    v.get(key).and_then(Value::as_object)
}

/// `getFieldValueKeys(value)`.
pub(crate) fn get_field_value_keys(value: &Value) -> Vec<String> {
    if is_directive(value) {
        let has = |k: &str| value.get(k).is_some();
        let keys: Vec<String> = if matches!(value.get("@arrayPath"), Some(Value::Array(_))) {
            value
                .get("@arrayPath")
                .and_then(Value::as_array)
                .map_or(Vec::new(), |items| {
                    items.iter().flat_map(raw_keys).collect()
                })
        } else if opt_obj(value, "@case").is_some_and(|o| o.contains_key("operator")) {
            opt_raw(opt_obj(value, "@case").and_then(|o| o.get("value")))
        } else if opt_obj(value, "@if")
            .is_some_and(|o| o.contains_key("exists") || o.contains_key("blank"))
        {
            let o = opt_obj(value, "@if");
            ["blank", "exists", "then", "else"]
                .iter()
                .flat_map(|k| opt_raw(o.and_then(|o| o.get(k))))
                .collect()
        } else if has("@literal") {
            Vec::new()
        } else if has("@path") {
            vec![value
                .get("@path")
                .map(Value::to_js_string)
                .unwrap_or_default()]
        } else if opt_obj(value, "@replace").is_some_and(|o| o.contains_key("pattern")) {
            opt_raw(opt_obj(value, "@replace").and_then(|o| o.get("value")))
        } else if has("@template") {
            template_keys(
                value
                    .get("@template")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
        } else if opt_obj(value, "@json").is_some_and(|o| o.contains_key("value")) {
            opt_raw(opt_obj(value, "@json").and_then(|o| o.get("value")))
        } else if opt_obj(value, "@flatten").is_some_and(|o| o.contains_key("value")) {
            opt_raw(opt_obj(value, "@flatten").and_then(|o| o.get("value")))
        } else if has("@excludeWhenNull") {
            Vec::new()
        } else if let Some(Value::String(s)) = value.get("@liquid") {
            crate::liquid::Liquid::compile(s).keys()
        } else {
            Vec::new()
        };
        keys.into_iter().filter(|k| !k.is_empty()).collect()
    } else if let Value::Object(o) = value {
        o.values().flat_map(get_field_value_keys).collect()
    } else {
        Vec::new()
    }
}

fn opt_raw(v: Option<&Value>) -> Vec<String> {
    v.map(raw_keys).unwrap_or_default()
}

/// `getRawKeys(input)`.
fn raw_keys(v: &Value) -> Vec<String> {
    if is_directive(v) {
        get_field_value_keys(v)
    } else if let Value::Object(o) = v {
        o.values().flat_map(get_field_value_keys).collect()
    } else {
        Vec::new()
    }
}

/// `getTemplateKeys`: every `{{…}}` body (lazy match).
fn template_keys(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j + 2..];
            }
            None => break,
        }
    }
    out
}
