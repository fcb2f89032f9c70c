//! `flattenObject`: a port of `packages/core/src/mapping-kit/flatten.ts`.
//!
//! Nested objects (and arrays, unless `ignore_arrays`) become one object whose keys are
//! the joined paths. A key with an empty prefix is used as is (no leading separator).
//! Later keys overwrite earlier ones in place; array-index keys enumerate first, as
//! they would in the JS object the reference builds.

use usermaven_json::{Str, Value};

use crate::resolved::{obj_set, Resolved};

pub(crate) fn flatten_js<'a>(
    input: &Resolved<'a>,
    prefix: &str,
    separator: &str,
    ignore_arrays: bool,
    out: &mut Vec<(Str, Resolved<'a>)>,
) {
    let t = input.real_type();
    if t == "object" || (!ignore_arrays && t == "array") {
        for (key, value) in entries(input) {
            let new_key = if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}{separator}{key}")
            };
            flatten_js(&value, &new_key, separator, ignore_arrays, out);
        }
    } else {
        obj_set(out, Str::from(prefix), input.clone());
    }
}

fn entries<'a>(v: &Resolved<'a>) -> Vec<(Str, Resolved<'a>)> {
    match v {
        Resolved::Ref(r) => match r {
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| (k.clone(), Resolved::Ref(v)))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (crate::resolved::index_key(i), Resolved::Ref(v)))
                .collect(),
            _ => Vec::new(),
        },
        other => other
            .entries()
            .into_iter()
            .map(|(k, v)| (k, v.into_owned()))
            .collect(),
    }
}

/// `flattenObject(input, prefix, separator, ignoreArrays)` of flatten.ts.
#[cfg(test)]
pub(crate) fn flatten_object(
    input: &Value,
    prefix: &str,
    separator: &str,
    ignore_arrays: bool,
) -> Value {
    let mut out = Vec::new();
    flatten_js(
        &Resolved::Ref(input),
        prefix,
        separator,
        ignore_arrays,
        &mut out,
    );
    Resolved::Obj(out).into_value().unwrap_or(Value::Null)
}
