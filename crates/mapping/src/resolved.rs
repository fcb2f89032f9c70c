//! The intermediate value produced while resolving a mapping: a JS value that can be
//! `undefined`, can borrow from the mapping or the input, and can hold `undefined`
//! inside arrays and objects (as the reference's intermediate JS objects do, which
//! matters for `@merge`, `@flatten` and `@arrayPath`).
//!
//! Objects are copied the way the reference copies them: `resolved[key] = …`,
//! `Object.assign` and `removeUndefined` *assign* keys, so an own `__proto__` key (which
//! `JSON.parse` makes an ordinary key) replaces the copy's prototype when its value is an
//! object or `null`, and is dropped otherwise ([`Object::assign`]). A replaced prototype stays
//! visible to later lookups through [`usermaven_json::js::get`].

use usermaven_json::js::{self, Builtin, JsError, Proto};
use usermaven_json::{write_js_string, Object, Str, Value};

/// A resolved JS value. `Obj` entries are kept in JS enumeration order with unique keys,
/// and the object's prototype is `Object.prototype` (an object whose prototype was replaced
/// is held as a `Val`).
#[derive(Clone, Debug)]
pub(crate) enum Resolved<'a> {
    Undef,
    Ref(&'a Value),
    Val(Value),
    Arr(Vec<Resolved<'a>>),
    Obj(Vec<(Str, Resolved<'a>)>),
}

impl<'a> Resolved<'a> {
    /// The plain value behind `Ref`/`Val`, if any.
    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Resolved::Ref(v) => Some(v),
            Resolved::Val(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Resolved::Undef)
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value(), Some(Value::Null))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        self.value().and_then(Value::as_str)
    }

    /// `realTypeOf` of real-type-of.ts.
    pub(crate) fn real_type(&self) -> &'static str {
        match self {
            Resolved::Undef => "undefined",
            Resolved::Arr(_) => "array",
            Resolved::Obj(_) => "object",
            Resolved::Ref(v) => js::real_type_of(v),
            Resolved::Val(v) => js::real_type_of(v),
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        self.real_type() == "object"
    }

    /// Converts to an owned value that no longer borrows anything.
    pub(crate) fn into_owned(self) -> Resolved<'static> {
        match self {
            Resolved::Undef => Resolved::Undef,
            Resolved::Ref(v) => Resolved::Val(v.clone()),
            Resolved::Val(v) => Resolved::Val(v),
            Resolved::Arr(a) => Resolved::Arr(a.into_iter().map(Resolved::into_owned).collect()),
            Resolved::Obj(o) => {
                Resolved::Obj(o.into_iter().map(|(k, v)| (k, v.into_owned())).collect())
            }
        }
    }

    /// `removeUndefined` followed by the conversion to a plain value: every object is copied
    /// with `Object.assign({}, …)` (so own `__proto__` keys become prototypes or vanish, and
    /// replaced prototypes are not carried over), `undefined` object entries are removed,
    /// `undefined` array items become `null` (what `JSON.stringify` prints for them). A
    /// top-level `undefined` gives `None`.
    pub(crate) fn into_value(self) -> Option<Value> {
        self.convert(Value::Null)
    }

    /// [`Resolved::into_value`] for what `transform()` returns: `undefined` array items stay
    /// `undefined` ([`js::Builtin::Undefined`]), as the reference keeps them until validation.
    pub(crate) fn into_transform_value(self) -> Option<Value> {
        self.convert(Value::Builtin(Builtin::Undefined))
    }

    /// The conversion, `hole` standing for an `undefined` array item.
    fn convert(self, hole: Value) -> Option<Value> {
        match self {
            Resolved::Undef => None,
            Resolved::Ref(v) => Some(remove_undefined(v)),
            Resolved::Val(v) => Some(remove_undefined(&v)),
            Resolved::Arr(a) => Some(Value::Array(
                a.into_iter()
                    .map(|v| v.convert(hole.clone()).unwrap_or_else(|| hole.clone()))
                    .collect(),
            )),
            Resolved::Obj(o) => {
                let mut proto = None;
                let mut out = Vec::with_capacity(o.len());
                for (k, v) in o {
                    if &*k == "__proto__" {
                        // Own only when built by `@flatten`'s object literals.
                        proto = v.into_payload().filter(is_object_or_null).or(proto);
                        continue;
                    }
                    if let Some(v) = v.convert(hole.clone()) {
                        out.push((k, v));
                    }
                }
                let mut obj = Object::from_unique_entries(out);
                obj.set_proto(proto);
                Some(Value::Object(obj))
            }
        }
    }

    /// The value as the reference passes it on as a payload (`@arrayPath` items): the same
    /// object, prototype included; `undefined` entries are dropped (lookups read them as
    /// `undefined` either way).
    pub(crate) fn into_payload(self) -> Option<Value> {
        match self {
            Resolved::Undef => None,
            Resolved::Ref(v) => Some(v.clone()),
            Resolved::Val(v) => Some(v),
            Resolved::Arr(a) => Some(Value::Array(
                a.into_iter()
                    .map(|v| v.into_payload().unwrap_or(Value::Null))
                    .collect(),
            )),
            Resolved::Obj(o) => Some(Value::Object(Object::from_unique_entries(
                o.into_iter()
                    .filter_map(|(k, v)| Some((k, v.into_payload()?)))
                    .collect(),
            ))),
        }
    }

    /// `String(value)` (JS ToString; `undefined` → `"undefined"`), with the `TypeError` JS
    /// throws for objects that have no primitive value (see [`js::to_string`]).
    pub(crate) fn write_js_string(&self, out: &mut String) -> Result<(), JsError> {
        match self {
            Resolved::Undef => out.push_str("undefined"),
            Resolved::Ref(v) => out.push_str(&js::to_string(v)?),
            Resolved::Val(v) => out.push_str(&js::to_string(v)?),
            Resolved::Obj(o) => {
                match o.iter().find(|(k, _)| &**k == "toString") {
                    // An own `toString`: what `String()` does with it depends on its value.
                    Some(_) => {
                        let v = self.clone().into_payload().unwrap_or(Value::Null);
                        out.push_str(&js::to_string(&v)?);
                    }
                    None => out.push_str("[object Object]"),
                }
            }
            Resolved::Arr(a) => {
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !(item.is_undefined() || item.is_null()) {
                        item.write_js_string(out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `JSON.stringify(value)`; `None` when JS returns `undefined`.
    pub(crate) fn to_json(&self) -> Option<String> {
        if self.is_undefined() || self.value().is_some_and(Value::is_skipped_member) {
            return None;
        }
        let mut out = String::new();
        self.write_json(&mut out);
        Some(out)
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Resolved::Undef => out.push_str("null"),
            Resolved::Ref(v) => v.write_json(out),
            Resolved::Val(v) => v.write_json(out),
            Resolved::Arr(a) => {
                out.push('[');
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Resolved::Obj(o) => {
                out.push('{');
                let mut first = true;
                for (k, v) in o {
                    if v.is_undefined() || v.value().is_some_and(Value::is_skipped_member) {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_js_string(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// `Object.entries(value)` for objects and arrays (borrowing where possible).
    pub(crate) fn entries(&self) -> Vec<(Str, Resolved<'_>)> {
        match self {
            Resolved::Obj(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Resolved::Arr(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (index_key(i), v.clone()))
                .collect(),
            Resolved::Ref(v) => value_entries(v),
            Resolved::Val(v) => value_entries(v),
            Resolved::Undef => Vec::new(),
        }
    }
}

fn is_object_or_null(v: &Value) -> bool {
    matches!(
        v,
        Value::Null | Value::Object(_) | Value::Array(_) | Value::Builtin(_)
    )
}

/// `removeUndefined` of a plain value: objects copied by assignment, recursively.
///
/// It copies what `Array.isArray` or `realTypeOf(v) === 'object'` accepts, and two built-ins
/// pass those tests: `Array.prototype` (an array, empty) maps to `[]`, `Object.prototype` (no
/// own enumerable keys) is assigned into `{}` — so a mapping that reaches them through
/// `__proto__` or `constructor.prototype` gives plain empty values, as the reference does.
pub(crate) fn remove_undefined(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(assign_copy(o, remove_undefined)),
        Value::Array(a) => Value::Array(a.iter().map(remove_undefined).collect()),
        Value::Builtin(Builtin::Prototype(Proto::Object)) => Value::Object(Object::new()),
        Value::Builtin(Builtin::Prototype(Proto::Array)) => Value::Array(Vec::new()),
        other => other.clone(),
    }
}

/// What `resolve()` makes of a mapping value without directives: objects rebuilt key by key
/// by assignment (`resolved[key] = resolve(mapping[key])`), so a `__proto__` key's resolved
/// object (or `null`) becomes the prototype and any other `__proto__` value vanishes.
pub(crate) fn resolve_literal(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = assign_copy(o, resolve_literal);
            if let Some(p) = out.proto().cloned() {
                out.set_proto(Some(resolve_literal(&p)));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(resolve_literal).collect()),
        other => other.clone(),
    }
}

/// `Object.assign({}, o)`, each copied value passed through `each`: own keys in order, the
/// key `__proto__` assigned (its raw value becomes the prototype when it is an object or
/// `null`), `o`'s own prototype not carried over.
pub(crate) fn assign_copy(o: &Object, each: impl Fn(&Value) -> Value) -> Object {
    let mut proto = None;
    let mut entries = Vec::with_capacity(o.len());
    for (k, v) in o.iter() {
        if &**k == "__proto__" {
            if is_object_or_null(v) {
                proto = Some(v.clone());
            }
            continue;
        }
        entries.push((k.clone(), each(v)));
    }
    let mut out = Object::from_unique_entries(entries);
    out.set_proto(proto);
    out
}

/// An object built by assignment from `entries` and an optional replaced prototype: `Obj`
/// when the prototype is `Object.prototype`, else a `Val` holding it.
pub(crate) fn object_with_proto<'a>(
    entries: Vec<(Str, Resolved<'a>)>,
    proto: Option<Value>,
) -> Resolved<'a> {
    match proto {
        None => Resolved::Obj(entries),
        Some(p) => {
            let mut o = Object::from_unique_entries(
                entries
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.into_payload()?)))
                    .collect(),
            );
            o.set_proto(Some(p));
            Resolved::Val(Value::Object(o))
        }
    }
}

/// What assigning `value` to `__proto__` of a fresh object does: `Some(prototype)` when the
/// value is an object or `null`, `None` (nothing happens) otherwise.
pub(crate) fn proto_assignment(value: Resolved<'_>) -> Option<Value> {
    match value {
        Resolved::Undef => None,
        other => other.into_payload().filter(is_object_or_null),
    }
}

fn value_entries(v: &Value) -> Vec<(Str, Resolved<'_>)> {
    match v {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.clone(), Resolved::Ref(v)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (index_key(i), Resolved::Ref(v)))
            .collect(),
        Value::String(s) => string_entries(s)
            .into_iter()
            .map(|(k, v)| (k, Resolved::Val(v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The own enumerable entries of a string: one per UTF-16 code unit (`Object.assign({}, s)`,
/// `Object.entries(s)`).
pub(crate) fn string_entries(s: &str) -> Vec<(Str, Value)> {
    (0..js::utf16_len(s))
        .filter_map(|i| Some((index_key(i), Value::from(js::char_at(s, i)?))))
        .collect()
}

pub(crate) fn index_key(i: usize) -> Str {
    Str::from(i.to_string())
}

/// `obj[key] = value` on an ordered entry list of a fresh object: existing keys keep their
/// position, array-index keys go first in ascending order. (The key `__proto__` is the
/// caller's: see [`proto_assignment`].)
pub(crate) fn obj_set<'a>(entries: &mut Vec<(Str, Resolved<'a>)>, key: Str, value: Resolved<'a>) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
        return;
    }
    if let Some(idx) = js::array_index(&key) {
        let at = entries
            .iter()
            .position(|(k, _)| match js::array_index(k) {
                Some(other) => other > idx,
                None => true,
            })
            .unwrap_or(entries.len());
        entries.insert(at, (key, value));
    } else {
        entries.push((key, value));
    }
}
