//! The built-in objects a JSON value can reach through property access: the prototypes of
//! objects, arrays, strings, numbers, booleans and functions, and their members (string keys
//! only, as Node 20 has them).

/// A built-in prototype object (`Object.prototype`, `Array.prototype`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Function,
}

impl Proto {
    /// The prototype this prototype inherits from (`Object.prototype` inherits nothing).
    pub fn parent(self) -> Option<Proto> {
        match self {
            Proto::Object => None,
            _ => Some(Proto::Object),
        }
    }

    /// `realTypeOf` (`Object.prototype.toString` tag, lower-cased) of the prototype object.
    pub fn real_type(self) -> &'static str {
        match self {
            Proto::Object => "object",
            Proto::Array => "array",
            Proto::String => "string",
            Proto::Number => "number",
            Proto::Boolean => "boolean",
            Proto::Function => "function",
        }
    }
}

/// A built-in function: its `name`, `length`, the prototype it constructs (for
/// constructors such as `Object` or `String`), and the prototype it is a method of (methods
/// of the same name differ: `String.prototype.toString` is not `Object.prototype.toString`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Func {
    pub name: &'static str,
    pub length: u8,
    pub ctor: Option<Proto>,
    pub of: Option<Proto>,
}

/// A built-in object: a function or a prototype; or JS `undefined` where a payload holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Function(Func),
    Prototype(Proto),
    /// `undefined` as an array item of a mapped payload (`[{"@path": "$.missing"}]`): JS keeps
    /// it there until validation, where ajv's `coerceTypes: 'array'` unwraps a one-item array
    /// to it ("must be a string but it was undefined"); `JSON.stringify` prints it as `null`.
    /// Only the payload conversion of a mapping's result makes one
    /// (`usermaven-mapping`'s `transform`); a lookup never returns it.
    Undefined,
}

impl Builtin {
    /// What `JSON.stringify` leaves out (an object member) or prints as `null` (an array
    /// item): functions and `undefined`.
    pub fn is_skipped_by_json(self) -> bool {
        self.is_callable() || self == Builtin::Undefined
    }

    /// `typeof x === 'function'`.
    pub fn is_callable(self) -> bool {
        matches!(
            self,
            Builtin::Function(_) | Builtin::Prototype(Proto::Function)
        )
    }
}

/// A member of a built-in prototype.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Member {
    Func(Func),
    Num(f64),
    Str(&'static str),
    /// `Object.prototype.__proto__`: the receiver's prototype.
    ProtoAccessor,
    /// `Function.prototype.arguments` / `.caller`: throws for built-ins.
    Throws,
}

const fn f(of: Proto, name: &'static str, length: u8) -> Member {
    Member::Func(Func {
        name,
        length,
        ctor: None,
        of: Some(of),
    })
}

const fn ctor(name: &'static str, proto: Proto) -> Member {
    Member::Func(Func {
        name,
        length: 1,
        ctor: Some(proto),
        of: None,
    })
}

// Own properties of the built-in prototypes in Node 20 (string keys only).
static OBJECT_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Object", Proto::Object)),
    ("__defineGetter__", f(Proto::Object, "__defineGetter__", 2)),
    ("__defineSetter__", f(Proto::Object, "__defineSetter__", 2)),
    ("hasOwnProperty", f(Proto::Object, "hasOwnProperty", 1)),
    ("__lookupGetter__", f(Proto::Object, "__lookupGetter__", 1)),
    ("__lookupSetter__", f(Proto::Object, "__lookupSetter__", 1)),
    ("isPrototypeOf", f(Proto::Object, "isPrototypeOf", 1)),
    (
        "propertyIsEnumerable",
        f(Proto::Object, "propertyIsEnumerable", 1),
    ),
    ("toString", f(Proto::Object, "toString", 0)),
    ("valueOf", f(Proto::Object, "valueOf", 0)),
    ("__proto__", Member::ProtoAccessor),
    ("toLocaleString", f(Proto::Object, "toLocaleString", 0)),
];

static ARRAY_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("Array", Proto::Array)),
    ("at", f(Proto::Array, "at", 1)),
    ("concat", f(Proto::Array, "concat", 1)),
    ("copyWithin", f(Proto::Array, "copyWithin", 2)),
    ("fill", f(Proto::Array, "fill", 1)),
    ("find", f(Proto::Array, "find", 1)),
    ("findIndex", f(Proto::Array, "findIndex", 1)),
    ("findLast", f(Proto::Array, "findLast", 1)),
    ("findLastIndex", f(Proto::Array, "findLastIndex", 1)),
    ("lastIndexOf", f(Proto::Array, "lastIndexOf", 1)),
    ("pop", f(Proto::Array, "pop", 0)),
    ("push", f(Proto::Array, "push", 1)),
    ("reverse", f(Proto::Array, "reverse", 0)),
    ("shift", f(Proto::Array, "shift", 0)),
    ("unshift", f(Proto::Array, "unshift", 1)),
    ("slice", f(Proto::Array, "slice", 2)),
    ("sort", f(Proto::Array, "sort", 1)),
    ("splice", f(Proto::Array, "splice", 2)),
    ("includes", f(Proto::Array, "includes", 1)),
    ("indexOf", f(Proto::Array, "indexOf", 1)),
    ("join", f(Proto::Array, "join", 1)),
    ("keys", f(Proto::Array, "keys", 0)),
    ("entries", f(Proto::Array, "entries", 0)),
    ("values", f(Proto::Array, "values", 0)),
    ("forEach", f(Proto::Array, "forEach", 1)),
    ("filter", f(Proto::Array, "filter", 1)),
    ("flat", f(Proto::Array, "flat", 0)),
    ("flatMap", f(Proto::Array, "flatMap", 1)),
    ("map", f(Proto::Array, "map", 1)),
    ("every", f(Proto::Array, "every", 1)),
    ("some", f(Proto::Array, "some", 1)),
    ("reduce", f(Proto::Array, "reduce", 1)),
    ("reduceRight", f(Proto::Array, "reduceRight", 1)),
    ("toLocaleString", f(Proto::Array, "toLocaleString", 0)),
    ("toString", f(Proto::Array, "toString", 0)),
    ("toReversed", f(Proto::Array, "toReversed", 0)),
    ("toSorted", f(Proto::Array, "toSorted", 1)),
    ("toSpliced", f(Proto::Array, "toSpliced", 2)),
    ("with", f(Proto::Array, "with", 2)),
];

static STRING_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("String", Proto::String)),
    ("anchor", f(Proto::String, "anchor", 1)),
    ("at", f(Proto::String, "at", 1)),
    ("big", f(Proto::String, "big", 0)),
    ("blink", f(Proto::String, "blink", 0)),
    ("bold", f(Proto::String, "bold", 0)),
    ("charAt", f(Proto::String, "charAt", 1)),
    ("charCodeAt", f(Proto::String, "charCodeAt", 1)),
    ("codePointAt", f(Proto::String, "codePointAt", 1)),
    ("concat", f(Proto::String, "concat", 1)),
    ("endsWith", f(Proto::String, "endsWith", 1)),
    ("fontcolor", f(Proto::String, "fontcolor", 1)),
    ("fontsize", f(Proto::String, "fontsize", 1)),
    ("fixed", f(Proto::String, "fixed", 0)),
    ("includes", f(Proto::String, "includes", 1)),
    ("indexOf", f(Proto::String, "indexOf", 1)),
    ("isWellFormed", f(Proto::String, "isWellFormed", 0)),
    ("italics", f(Proto::String, "italics", 0)),
    ("lastIndexOf", f(Proto::String, "lastIndexOf", 1)),
    ("link", f(Proto::String, "link", 1)),
    ("localeCompare", f(Proto::String, "localeCompare", 1)),
    ("match", f(Proto::String, "match", 1)),
    ("matchAll", f(Proto::String, "matchAll", 1)),
    ("normalize", f(Proto::String, "normalize", 0)),
    ("padEnd", f(Proto::String, "padEnd", 1)),
    ("padStart", f(Proto::String, "padStart", 1)),
    ("repeat", f(Proto::String, "repeat", 1)),
    ("replace", f(Proto::String, "replace", 2)),
    ("replaceAll", f(Proto::String, "replaceAll", 2)),
    ("search", f(Proto::String, "search", 1)),
    ("slice", f(Proto::String, "slice", 2)),
    ("small", f(Proto::String, "small", 0)),
    ("split", f(Proto::String, "split", 2)),
    ("strike", f(Proto::String, "strike", 0)),
    ("sub", f(Proto::String, "sub", 0)),
    ("substr", f(Proto::String, "substr", 2)),
    ("substring", f(Proto::String, "substring", 2)),
    ("sup", f(Proto::String, "sup", 0)),
    ("startsWith", f(Proto::String, "startsWith", 1)),
    ("toString", f(Proto::String, "toString", 0)),
    ("toWellFormed", f(Proto::String, "toWellFormed", 0)),
    ("trim", f(Proto::String, "trim", 0)),
    ("trimStart", f(Proto::String, "trimStart", 0)),
    ("trimLeft", f(Proto::String, "trimStart", 0)),
    ("trimEnd", f(Proto::String, "trimEnd", 0)),
    ("trimRight", f(Proto::String, "trimEnd", 0)),
    (
        "toLocaleLowerCase",
        f(Proto::String, "toLocaleLowerCase", 0),
    ),
    (
        "toLocaleUpperCase",
        f(Proto::String, "toLocaleUpperCase", 0),
    ),
    ("toLowerCase", f(Proto::String, "toLowerCase", 0)),
    ("toUpperCase", f(Proto::String, "toUpperCase", 0)),
    ("valueOf", f(Proto::String, "valueOf", 0)),
];

static NUMBER_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Number", Proto::Number)),
    ("toExponential", f(Proto::Number, "toExponential", 1)),
    ("toFixed", f(Proto::Number, "toFixed", 1)),
    ("toPrecision", f(Proto::Number, "toPrecision", 1)),
    ("toString", f(Proto::Number, "toString", 1)),
    ("valueOf", f(Proto::Number, "valueOf", 0)),
    ("toLocaleString", f(Proto::Number, "toLocaleString", 0)),
];

static BOOLEAN_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Boolean", Proto::Boolean)),
    ("toString", f(Proto::Boolean, "toString", 0)),
    ("valueOf", f(Proto::Boolean, "valueOf", 0)),
];

static FUNCTION_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("name", Member::Str("")),
    ("arguments", Member::Throws),
    ("caller", Member::Throws),
    ("constructor", ctor("Function", Proto::Function)),
    ("apply", f(Proto::Function, "apply", 2)),
    ("bind", f(Proto::Function, "bind", 1)),
    ("call", f(Proto::Function, "call", 1)),
    ("toString", f(Proto::Function, "toString", 0)),
];

pub(crate) fn members(p: Proto) -> &'static [(&'static str, Member)] {
    match p {
        Proto::Object => OBJECT_MEMBERS,
        Proto::Array => ARRAY_MEMBERS,
        Proto::String => STRING_MEMBERS,
        Proto::Number => NUMBER_MEMBERS,
        Proto::Boolean => BOOLEAN_MEMBERS,
        Proto::Function => FUNCTION_MEMBERS,
    }
}

pub(crate) fn member(p: Proto, key: &str) -> Option<Member> {
    members(p).iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

/// Is `key` a member of `Object.prototype` (so that looking it up on a plain object that
/// lacks it still finds something: `constructor`, `toString`, `__proto__`, …)?
pub fn is_object_member(key: &str) -> bool {
    member(Proto::Object, key).is_some()
}
