//! `removeEmptyValues`: port of `packages/core/src/remove-empty-values.ts`.
//!
//! Drops `null` where the field's schema type does not allow null, `""` where it does not allow
//! strings, and every `""` among the root object's keys. Only schemas with a `type` (or `enum`)
//! are looked at; arrays only lose items, their object items are never cleaned (the reference
//! filters the original items).

use usermaven_json::js::Builtin;
use usermaven_json::Value;

use crate::compile::{Items, Node, Schema};

/// `removeEmptyValues(obj, schema, isRoot)`; `None` is JS `undefined`.
pub(crate) fn remove(mut value: Value, schema: Option<&Schema>, is_root: bool) -> Option<Value> {
    if keep(&mut value, schema, is_root) {
        Some(value)
    } else {
        None
    }
}

/// [`remove`] in place: cleans `value` and tells whether it stays (`false`: `undefined`).
fn keep(value: &mut Value, schema: Option<&Schema>, is_root: bool) -> bool {
    let Some(Schema::Node(n)) = schema else {
        return true;
    };
    if !n.rev_active {
        return true;
    }
    match value {
        Value::Array(items) => {
            // `obj.filter(item => removeEmptyValues(item, schema.items) !== undefined)` when
            // `schema.items` is truthy: an `undefined` item always goes (an items schema
            // without `type`/`enum` returns it as it is), `null` and `""` by the item's type.
            if !matches!(n.items, Items::None | Items::One(Schema::Bool(false))) {
                items.retain(|item| !matches!(item, Value::Builtin(Builtin::Undefined)));
            }
            if let Items::One(Schema::Node(item_schema)) = &n.items {
                items.retain(|item| !scalar_removed(item, item_schema));
            }
            true
        }
        Value::Object(obj) => {
            let Some(props) = &n.properties else {
                return true;
            };
            let mut hint = 0;
            obj.retain(|k, v| {
                let kept = match n.property_index(k, &mut hint) {
                    None => true,
                    Some(i) if matches!(v, Value::Object(_) | Value::Array(_)) => {
                        keep(v, Some(&props[i].schema), false)
                    }
                    Some(i) => !props[i].scalar_removed(v),
                };
                kept && !(is_root && matches!(v, Value::String(s) if s.is_empty()))
            });
            true
        }
        scalar => !scalar_removed(scalar, n),
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
