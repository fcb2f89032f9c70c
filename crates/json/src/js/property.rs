//! Property access (`value[key]`) through the prototype chain, and `String(value)`.

use std::borrow::Cow;

use super::builtin::{member, Builtin, Func, Member, Proto};
use super::utf16::{char_at, utf16_len};
use crate::object::array_index;
use crate::{Object, Value};

/// A `TypeError` the reference's JavaScript would throw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// The JS error class (`TypeError`, `RangeError`).
    pub name: &'static str,
    pub message: Cow<'static, str>,
}

impl std::fmt::Display for JsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsError {}

/// What `String(obj)` throws when neither `toString` nor `valueOf` gives a primitive.
pub(crate) const NO_PRIMITIVE: JsError = JsError {
    name: "TypeError",
    message: Cow::Borrowed("Cannot convert object to primitive value"),
};

const STRICT_ARGUMENTS: JsError = JsError {
    name: "TypeError",
    message: Cow::Borrowed("'caller', 'callee', and 'arguments' properties may not be accessed on strict mode functions or the arguments objects for calls to them"),
};

/// What assigning over a read-only inherited data property throws in strict code (V8 names
/// the object `[object Object]` here whatever its keys).
const READ_ONLY_LENGTH: JsError = JsError {
    name: "TypeError",
    message: Cow::Borrowed(
        "Cannot assign to read only property 'length' of object '[object Object]'",
    ),
};
const READ_ONLY_NAME: JsError = JsError {
    name: "TypeError",
    message: Cow::Borrowed(
        "Cannot assign to read only property 'name' of object '[object Object]'",
    ),
};
const READ_ONLY_PROTOTYPE: JsError = JsError {
    name: "TypeError",
    message: Cow::Borrowed(
        "Cannot assign to read only property 'prototype' of object '[object Object]'",
    ),
};

/// `obj[key] = …` in strict code (mapping-kit's `resolved[key] = …`), for an object without
/// an own `key` whose prototype is `proto`: the `TypeError` JS throws when the first `key` up
/// the chain is read-only data — a built-in function's `length` and `name`, a constructor's
/// `prototype`, the same two of `Function.prototype`, `String.prototype.length` — or
/// `Function.prototype`'s `caller`/`arguments` accessors, which throw. `Ok(())`: the
/// assignment makes an own property. (`__proto__` is the caller's: [`crate::Object::assign`].)
pub fn check_assignment(proto: &Value, key: &str) -> Result<(), JsError> {
    let mut p = match proto {
        Value::Object(o) => {
            if o.contains_key(key) {
                return Ok(());
            }
            match o.proto() {
                None => Proto::Object,
                Some(next) => return check_assignment(next, key),
            }
        }
        Value::Array(a) => {
            if key == "length" || array_index(key).is_some_and(|i| (i as usize) < a.len()) {
                return Ok(());
            }
            Proto::Array
        }
        Value::Builtin(Builtin::Function(f)) => {
            match (key, f.ctor) {
                ("length", _) => return Err(READ_ONLY_LENGTH),
                ("name", _) => return Err(READ_ONLY_NAME),
                ("prototype", Some(_)) => return Err(READ_ONLY_PROTOTYPE),
                _ => {}
            }
            Proto::Function
        }
        Value::Builtin(Builtin::Prototype(p)) => *p,
        // Not prototypes (a primitive is never assigned as one) or the end of the chain.
        _ => return Ok(()),
    };
    loop {
        match (p, key) {
            (Proto::Function, "length") | (Proto::String, "length") => {
                return Err(READ_ONLY_LENGTH)
            }
            (Proto::Function, "name") => return Err(READ_ONLY_NAME),
            (Proto::Function, "caller" | "arguments") => return Err(STRICT_ARGUMENTS),
            _ if member(p, key).is_some() => return Ok(()),
            _ => {}
        }
        match p.parent() {
            Some(parent) => p = parent,
            None => return Ok(()),
        }
    }
}

/// `value[key]`: an own property (object keys, array items and `length`, a string's code
/// units and `length`, a function's `name`/`length`/`prototype`), else the first one found
/// up the prototype chain — an object's replaced prototype (see [`crate::Object::assign`]),
/// then the built-in prototypes. `Ok(None)` is `undefined` (also for `null`, which JS would
/// throw on: callers stop at falsy values first). Reading `arguments`/`caller` of a built-in
/// function is the `TypeError` JS throws.
pub fn get<'a>(value: &'a Value, key: &str) -> Result<Option<Cow<'a, Value>>, JsError> {
    get_on(value, value, key)
}

fn get_on<'a>(
    holder: &'a Value,
    receiver: &'a Value,
    key: &str,
) -> Result<Option<Cow<'a, Value>>, JsError> {
    let proto = match holder {
        // JS throws on both; callers stop at falsy values first.
        Value::Null | Value::Builtin(Builtin::Undefined) => return Ok(None),
        Value::Object(o) => {
            if let Some(v) = o.get(key) {
                return Ok(Some(Cow::Borrowed(v)));
            }
            match o.proto() {
                None => Proto::Object,
                Some(Value::Null) => return Ok(None),
                Some(p) => return get_on(p, receiver, key),
            }
        }
        Value::Array(a) => {
            if key == "length" {
                return Ok(Some(Cow::Owned(Value::Number(a.len() as f64))));
            }
            if let Some(v) = array_index(key).and_then(|i| a.get(i as usize)) {
                return Ok(Some(Cow::Borrowed(v)));
            }
            Proto::Array
        }
        Value::String(s) => {
            if key == "length" {
                return Ok(Some(Cow::Owned(Value::Number(utf16_len(s) as f64))));
            }
            if let Some(c) = array_index(key).and_then(|i| char_at(s, i as usize)) {
                return Ok(Some(Cow::Owned(Value::from(c))));
            }
            Proto::String
        }
        Value::Number(_) => Proto::Number,
        Value::Bool(_) => Proto::Boolean,
        Value::Builtin(Builtin::Function(f)) => {
            match (key, f.ctor) {
                ("name", _) => return Ok(Some(Cow::Owned(Value::str(f.name)))),
                ("length", _) => {
                    return Ok(Some(Cow::Owned(Value::Number(f64::from(f.length)))));
                }
                ("prototype", Some(p)) => {
                    return Ok(Some(Cow::Owned(Value::Builtin(Builtin::Prototype(p)))));
                }
                _ => {}
            }
            Proto::Function
        }
        Value::Builtin(Builtin::Prototype(p)) => {
            if let Some(m) = member(*p, key) {
                return member_value(m, receiver).map(Some);
            }
            match p.parent() {
                Some(parent) => parent,
                None => return Ok(None),
            }
        }
    };
    inherited(proto, receiver, key)
}

/// `key` looked up from the built-in prototype `p` upwards.
fn inherited<'a>(
    mut p: Proto,
    receiver: &'a Value,
    key: &str,
) -> Result<Option<Cow<'a, Value>>, JsError> {
    loop {
        if let Some(m) = member(p, key) {
            return member_value(m, receiver).map(Some);
        }
        match p.parent() {
            Some(parent) => p = parent,
            None => return Ok(None),
        }
    }
}

fn member_value(m: Member, receiver: &Value) -> Result<Cow<'_, Value>, JsError> {
    Ok(match m {
        Member::Func(f) => Cow::Owned(Value::Builtin(Builtin::Function(f))),
        Member::Num(n) => Cow::Owned(Value::Number(n)),
        Member::Str(s) => Cow::Owned(Value::str(s)),
        Member::ProtoAccessor => prototype_of(receiver),
        Member::Throws => return Err(STRICT_ARGUMENTS),
    })
}

/// `Object.getPrototypeOf(value)` (what the `__proto__` getter returns).
fn prototype_of(value: &Value) -> Cow<'_, Value> {
    let p = match value {
        Value::Null => return Cow::Owned(Value::Null),
        // JS throws reading anything of `undefined`; callers never get here with it.
        Value::Builtin(Builtin::Undefined) => return Cow::Owned(Value::Null),
        Value::Object(o) => match o.proto() {
            None => Proto::Object,
            Some(p) => return Cow::Borrowed(p),
        },
        Value::Array(_) => Proto::Array,
        Value::String(_) => Proto::String,
        Value::Number(_) => Proto::Number,
        Value::Bool(_) => Proto::Boolean,
        Value::Builtin(Builtin::Function(_)) => Proto::Function,
        Value::Builtin(Builtin::Prototype(p)) => match p.parent() {
            Some(parent) => parent,
            None => return Cow::Owned(Value::Null),
        },
    };
    Cow::Owned(Value::Builtin(Builtin::Prototype(p)))
}

/// `String(value)`, with the `TypeError` JS throws for an object neither of whose
/// `toString` and `valueOf` (own or inherited) gives a primitive: an own `toString` that is
/// data rather than a function, or a prototype chain without `Object.prototype`. Arrays
/// join their items (`null` items as empty strings), so they throw when an item does.
pub fn to_string(value: &Value) -> Result<String, JsError> {
    let mut out = String::new();
    write_string(&mut out, value)?;
    Ok(out)
}

fn write_string(out: &mut String, value: &Value) -> Result<(), JsError> {
    match value {
        // OrdinaryToPrimitive, hint "string": `toString`, then `valueOf`. The built-in
        // `toString`s give a primitive; the built-in `valueOf` returns the object itself.
        Value::Object(o) => out.push_str(&object_to_string(o)?),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !item.is_null() {
                    write_string(out, item)?;
                }
            }
        }
        other => other.write_js_to_string(out),
    }
    Ok(())
}

/// `String(obj)` for an object: `[object Object]`, what a built-in stored as its own or
/// inherited `toString`/`valueOf` gives (`super::call`), or the error JS throws: the
/// `TypeError` when neither gives a primitive (see [`to_string`]), or what the call throws.
pub fn object_to_string(o: &Object) -> Result<Cow<'static, str>, JsError> {
    if o.proto().is_none() && !o.contains_key("toString") && !o.contains_key("valueOf") {
        return Ok(Cow::Borrowed("[object Object]"));
    }
    if let Some(s) = super::call::object_to_primitive_string(o)? {
        return Ok(Cow::Owned(s));
    }
    // A call that is not modelled: a `toString` of that name prints the object's tag.
    let found = match o.get("toString") {
        Some(own) => Some(Cow::Borrowed(own)),
        None => match o.proto() {
            None => return Ok(Cow::Borrowed("[object Object]")),
            Some(p) => get(p, "toString")?,
        },
    };
    match found.as_deref() {
        Some(Value::Builtin(Builtin::Function(Func {
            name: "toString", ..
        }))) => Ok(Cow::Borrowed("[object Object]")),
        _ => Err(NO_PRIMITIVE),
    }
}

/// `String(builtin)`.
pub(crate) fn write_builtin_string(out: &mut String, b: Builtin) {
    match b {
        Builtin::Function(f) => {
            out.push_str("function ");
            out.push_str(f.name);
            out.push_str("() { [native code] }");
        }
        Builtin::Prototype(Proto::Object) => out.push_str("[object Object]"),
        Builtin::Prototype(Proto::Array | Proto::String) => {}
        Builtin::Prototype(Proto::Number) => out.push('0'),
        Builtin::Prototype(Proto::Boolean) => out.push_str("false"),
        Builtin::Prototype(Proto::Function) => out.push_str("function () { [native code] }"),
        Builtin::Undefined => out.push_str("undefined"),
    }
}

/// actions-core's `realTypeOf` (`Object.prototype.toString` tag, lower-cased).
pub fn real_type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Builtin(Builtin::Function(_)) => "function",
        Value::Builtin(Builtin::Prototype(p)) => p.real_type(),
        Value::Builtin(Builtin::Undefined) => "undefined",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Object;

    fn v(text: &str) -> Value {
        Value::parse(text).unwrap()
    }

    fn read(value: &Value, path: &[&str]) -> Option<Value> {
        let mut cur = value.clone();
        for k in path {
            let next = get(&cur, k).unwrap()?.into_owned();
            cur = next;
        }
        Some(cur)
    }

    #[test]
    fn lookups_walk_the_prototype_chain() {
        let e = v(r#"{"s":"a😀","a":[1,2],"o":{"toString":"x"}}"#);
        assert_eq!(
            read(&e, &["constructor", "name"]),
            Some(Value::str("Object"))
        );
        assert_eq!(read(&e, &["__proto__"]).unwrap().to_json(), "{}");
        assert_eq!(read(&e, &["__proto__", "__proto__"]), Some(Value::Null));
        assert_eq!(read(&e, &["s", "length"]), Some(Value::Number(3.0)));
        assert_eq!(
            read(&e, &["s", "constructor", "name"]),
            Some(Value::str("String"))
        );
        assert_eq!(read(&e, &["a", "map", "length"]), Some(Value::Number(1.0)));
        assert_eq!(read(&e, &["o", "toString"]), Some(Value::str("x")));
        assert_eq!(
            read(&e, &["o", "hasOwnProperty", "name"]),
            Some(Value::str("hasOwnProperty"))
        );
        assert_eq!(read(&e, &["missing"]), None);
        assert!(get(&read(&e, &["toString"]).unwrap(), "caller").is_err());
    }

    #[test]
    fn assigning_proto_replaces_the_prototype() {
        let mut o = Object::new();
        o.assign("__proto__".into(), v(r#"{"a":1}"#));
        o.assign("__proto__".into(), Value::Number(1.0));
        o.assign("b".into(), Value::Number(2.0));
        let o = Value::Object(o);
        assert_eq!(o.to_json(), r#"{"b":2}"#);
        assert_eq!(read(&o, &["a"]), Some(Value::Number(1.0)));
        assert_eq!(read(&o, &["__proto__"]).unwrap().to_json(), r#"{"a":1}"#);
        assert_eq!(to_string(&o).as_deref(), Ok("[object Object]"));
        let mut bare = Object::new();
        bare.assign("__proto__".into(), Value::Null);
        let bare = Value::Object(bare);
        assert_eq!(read(&bare, &["toString"]), None);
        assert_eq!(to_string(&bare), Err(NO_PRIMITIVE));
    }

    #[test]
    fn assignment_over_read_only_inherited_properties_throws() {
        // Messages and outcomes as Node 20 gives them (hostile/assign-* cases).
        let e = v(r#"{"s":"x","o":{},"a":[1]}"#);
        let object_ctor = read(&e, &["o", "constructor"]).unwrap();
        let trim = read(&e, &["s", "trim"]).unwrap();
        let string_proto = read(&e, &["s", "__proto__"]).unwrap();
        let array_proto = read(&e, &["a", "__proto__"]).unwrap();
        assert_eq!(
            check_assignment(&object_ctor, "length"),
            Err(READ_ONLY_LENGTH)
        );
        assert_eq!(check_assignment(&trim, "name"), Err(READ_ONLY_NAME));
        assert_eq!(
            check_assignment(&object_ctor, "prototype"),
            Err(READ_ONLY_PROTOTYPE)
        );
        assert_eq!(check_assignment(&trim, "prototype"), Ok(()));
        assert_eq!(check_assignment(&trim, "caller"), Err(STRICT_ARGUMENTS));
        assert_eq!(
            check_assignment(&string_proto, "length"),
            Err(READ_ONLY_LENGTH)
        );
        assert_eq!(check_assignment(&string_proto, "0"), Ok(()));
        assert_eq!(check_assignment(&array_proto, "length"), Ok(()));
        assert_eq!(check_assignment(&object_ctor, "toString"), Ok(()));
        // Through an object whose prototype was replaced; an own key shadows.
        let mut mid = Object::new();
        mid.assign("__proto__".into(), object_ctor.clone());
        assert_eq!(
            check_assignment(&Value::Object(mid.clone()), "length"),
            Err(READ_ONLY_LENGTH)
        );
        mid.insert("length".into(), Value::Number(1.0));
        assert_eq!(check_assignment(&Value::Object(mid), "length"), Ok(()));
    }

    #[test]
    fn string_conversion_throws_on_shadowed_to_string() {
        assert_eq!(to_string(&v(r#"{"toString":1}"#)), Err(NO_PRIMITIVE));
        assert_eq!(to_string(&v(r#"[{"toString":1}]"#)), Err(NO_PRIMITIVE));
        assert_eq!(
            to_string(&v(r#"{"valueOf":1}"#)).as_deref(),
            Ok("[object Object]")
        );
        assert_eq!(to_string(&v(r#"[1,null,[2,3]]"#)).as_deref(), Ok("1,,2,3"));
        let f = read(&v("{}"), &["constructor"]).unwrap();
        assert_eq!(
            to_string(&f).as_deref(),
            Ok("function Object() { [native code] }")
        );
        assert_eq!(Value::Array(vec![f.clone()]).to_json(), "[null]");
        let mut o = Object::new();
        o.insert("f".into(), f);
        assert_eq!(Value::Object(o).to_json(), "{}");
    }
}
