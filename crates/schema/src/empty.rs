//! `removeEmptyValues`: port of `packages/core/src/remove-empty-values.ts`.
//!
//! Drops `null` where the field's schema type does not allow null, `""` where it does not allow
//! strings, and every `""` among the root object's keys. Only schemas with a `type` (or `enum`)
//! are looked at; arrays only lose items, their object items are never cleaned (the reference
//! filters the original items).

use usermaven_json::Value;

use crate::compile::{Items, Node, Schema};

/// `removeEmptyValues(obj, schema, isRoot)`; `None` is JS `undefined`.
pub(crate) fn remove(value: Value, schema: Option<&Schema>, is_root: bool) -> Option<Value> {
    let Some(Schema::Node(n)) = schema else {
        return Some(value);
    };
    if !n.rev_active {
        return Some(value);
    }
    match value {
        Value::Array(items) => match &n.items {
            Items::One(Schema::Node(item_schema)) => Some(Value::Array(
                items
                    .into_iter()
                    .filter(|item| !scalar_removed(item, item_schema))
                    .collect(),
            )),
            _ => Some(Value::Array(items)),
        },
        Value::Object(mut obj) => {
            if n.properties.is_none() {
                return Some(Value::Object(obj));
            }
            let mut hint = 0;
            obj.retain(|k, v| {
                let taken = std::mem::take(v);
                match remove(taken, n.property_from(k, &mut hint), false) {
                    None => false,
                    Some(Value::String(s)) if is_root && s.is_empty() => false,
                    Some(kept) => {
                        *v = kept;
                        true
                    }
                }
            });
            Some(Value::Object(obj))
        }
        scalar => {
            if scalar_removed(&scalar, n) {
                None
            } else {
                Some(scalar)
            }
        }
    }
}

/// Would `removeEmptyValues(item, schema)` return `undefined`? Only `null` and `""` can.
fn scalar_removed(item: &Value, n: &Node) -> bool {
    if !n.rev_active {
        return false;
    }
    match item {
        Value::Null => !n.rev_allows_null,
        Value::String(s) if s.is_empty() => !n.rev_allows_string,
        _ => false,
    }
}
