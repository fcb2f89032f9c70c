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

/// A built-in function: its `name`, `length`, and the prototype it constructs (for
/// constructors such as `Object` or `String`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Func {
    pub name: &'static str,
    pub length: u8,
    pub ctor: Option<Proto>,
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

const fn f(name: &'static str, length: u8) -> Member {
    Member::Func(Func {
        name,
        length,
        ctor: None,
    })
}

const fn ctor(name: &'static str, proto: Proto) -> Member {
    Member::Func(Func {
        name,
        length: 1,
        ctor: Some(proto),
    })
}

// Own properties of the built-in prototypes in Node 20 (string keys only).
static OBJECT_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Object", Proto::Object)),
    ("__defineGetter__", f("__defineGetter__", 2)),
    ("__defineSetter__", f("__defineSetter__", 2)),
    ("hasOwnProperty", f("hasOwnProperty", 1)),
    ("__lookupGetter__", f("__lookupGetter__", 1)),
    ("__lookupSetter__", f("__lookupSetter__", 1)),
    ("isPrototypeOf", f("isPrototypeOf", 1)),
    ("propertyIsEnumerable", f("propertyIsEnumerable", 1)),
    ("toString", f("toString", 0)),
    ("valueOf", f("valueOf", 0)),
    ("__proto__", Member::ProtoAccessor),
    ("toLocaleString", f("toLocaleString", 0)),
];

static ARRAY_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("Array", Proto::Array)),
    ("at", f("at", 1)),
    ("concat", f("concat", 1)),
    ("copyWithin", f("copyWithin", 2)),
    ("fill", f("fill", 1)),
    ("find", f("find", 1)),
    ("findIndex", f("findIndex", 1)),
    ("findLast", f("findLast", 1)),
    ("findLastIndex", f("findLastIndex", 1)),
    ("lastIndexOf", f("lastIndexOf", 1)),
    ("pop", f("pop", 0)),
    ("push", f("push", 1)),
    ("reverse", f("reverse", 0)),
    ("shift", f("shift", 0)),
    ("unshift", f("unshift", 1)),
    ("slice", f("slice", 2)),
    ("sort", f("sort", 1)),
    ("splice", f("splice", 2)),
    ("includes", f("includes", 1)),
    ("indexOf", f("indexOf", 1)),
    ("join", f("join", 1)),
    ("keys", f("keys", 0)),
    ("entries", f("entries", 0)),
    ("values", f("values", 0)),
    ("forEach", f("forEach", 1)),
    ("filter", f("filter", 1)),
    ("flat", f("flat", 0)),
    ("flatMap", f("flatMap", 1)),
    ("map", f("map", 1)),
    ("every", f("every", 1)),
    ("some", f("some", 1)),
    ("reduce", f("reduce", 1)),
    ("reduceRight", f("reduceRight", 1)),
    ("toLocaleString", f("toLocaleString", 0)),
    ("toString", f("toString", 0)),
    ("toReversed", f("toReversed", 0)),
    ("toSorted", f("toSorted", 1)),
    ("toSpliced", f("toSpliced", 2)),
    ("with", f("with", 2)),
];

static STRING_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("constructor", ctor("String", Proto::String)),
    ("anchor", f("anchor", 1)),
    ("at", f("at", 1)),
    ("big", f("big", 0)),
    ("blink", f("blink", 0)),
    ("bold", f("bold", 0)),
    ("charAt", f("charAt", 1)),
    ("charCodeAt", f("charCodeAt", 1)),
    ("codePointAt", f("codePointAt", 1)),
    ("concat", f("concat", 1)),
    ("endsWith", f("endsWith", 1)),
    ("fontcolor", f("fontcolor", 1)),
    ("fontsize", f("fontsize", 1)),
    ("fixed", f("fixed", 0)),
    ("includes", f("includes", 1)),
    ("indexOf", f("indexOf", 1)),
    ("isWellFormed", f("isWellFormed", 0)),
    ("italics", f("italics", 0)),
    ("lastIndexOf", f("lastIndexOf", 1)),
    ("link", f("link", 1)),
    ("localeCompare", f("localeCompare", 1)),
    ("match", f("match", 1)),
    ("matchAll", f("matchAll", 1)),
    ("normalize", f("normalize", 0)),
    ("padEnd", f("padEnd", 1)),
    ("padStart", f("padStart", 1)),
    ("repeat", f("repeat", 1)),
    ("replace", f("replace", 2)),
    ("replaceAll", f("replaceAll", 2)),
    ("search", f("search", 1)),
    ("slice", f("slice", 2)),
    ("small", f("small", 0)),
    ("split", f("split", 2)),
    ("strike", f("strike", 0)),
    ("sub", f("sub", 0)),
    ("substr", f("substr", 2)),
    ("substring", f("substring", 2)),
    ("sup", f("sup", 0)),
    ("startsWith", f("startsWith", 1)),
    ("toString", f("toString", 0)),
    ("toWellFormed", f("toWellFormed", 0)),
    ("trim", f("trim", 0)),
    ("trimStart", f("trimStart", 0)),
    ("trimLeft", f("trimStart", 0)),
    ("trimEnd", f("trimEnd", 0)),
    ("trimRight", f("trimEnd", 0)),
    ("toLocaleLowerCase", f("toLocaleLowerCase", 0)),
    ("toLocaleUpperCase", f("toLocaleUpperCase", 0)),
    ("toLowerCase", f("toLowerCase", 0)),
    ("toUpperCase", f("toUpperCase", 0)),
    ("valueOf", f("valueOf", 0)),
];

static NUMBER_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Number", Proto::Number)),
    ("toExponential", f("toExponential", 1)),
    ("toFixed", f("toFixed", 1)),
    ("toPrecision", f("toPrecision", 1)),
    ("toString", f("toString", 1)),
    ("valueOf", f("valueOf", 0)),
    ("toLocaleString", f("toLocaleString", 0)),
];

static BOOLEAN_MEMBERS: &[(&str, Member)] = &[
    ("constructor", ctor("Boolean", Proto::Boolean)),
    ("toString", f("toString", 0)),
    ("valueOf", f("valueOf", 0)),
];

static FUNCTION_MEMBERS: &[(&str, Member)] = &[
    ("length", Member::Num(0.0)),
    ("name", Member::Str("")),
    ("arguments", Member::Throws),
    ("caller", Member::Throws),
    ("constructor", ctor("Function", Proto::Function)),
    ("apply", f("apply", 2)),
    ("bind", f("bind", 1)),
    ("call", f("call", 1)),
    ("toString", f("toString", 0)),
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
