//! Path lookup: a port of `packages/core/src/get.ts` (a small `lodash.get`).
//!
//! A path string is split on `.`, on `[` followed by a quote or digit and on runs of
//! `]` preceded by a quote or digit; empty pieces are dropped and quotes removed. The
//! lookup is `keys.reduce((prev, key) => prev && prev[key], obj)`: a falsy value
//! part-way is returned as it is, strings and arrays answer `length` and indexes.

use usermaven_json::{Str, Value};

use crate::js::{array_index, js_char_at, js_len, Js};

/// A parsed path, ready to be looked up many times.
#[derive(Clone, Debug, Default)]
pub(crate) struct Path {
    keys: Vec<Key>,
}

#[derive(Clone, Debug)]
struct Key {
    name: Str,
    index: Option<u32>,
}

impl Path {
    /// Parses a path as `get()` splits it.
    pub(crate) fn parse(path: &str) -> Path {
        let keys = split(path)
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                let name: String = p.chars().filter(|&c| c != '\'' && c != '"').collect();
                Key {
                    index: array_index(&name),
                    name: Str::from(name),
                }
            })
            .collect();
        Path { keys }
    }

    /// The keys the path looks up, in order.
    pub(crate) fn key_names(&self) -> impl ExactSizeIterator<Item = &Str> {
        self.keys.iter().map(|k| &k.name)
    }

    /// `path.replace('$.', '')` (first occurrence only), then [`Path::parse`].
    pub(crate) fn parse_mapping_path(path: &str) -> Path {
        Path::parse(&strip_dollar(path))
    }

    /// `get(obj, path)`; `obj` `None` is JS `undefined`.
    pub(crate) fn lookup<'a>(&self, obj: Option<&'a Value>) -> Js<'a> {
        // Fast path: walk borrowed objects without building intermediate `Js` values.
        let Some(mut cur) = obj else {
            return Js::Undef;
        };
        for (i, key) in self.keys.iter().enumerate() {
            match cur {
                Value::Object(o) => match o.get(&key.name) {
                    Some(v) => cur = v,
                    None => return Js::Undef,
                },
                _ if !cur.is_truthy() => return Js::Ref(cur),
                _ => return self.lookup_slow(Js::Ref(cur), i),
            }
        }
        Js::Ref(cur)
    }

    /// The general lookup from `keys[from..]` (strings and arrays answer `length` and
    /// indexes, which may give values that do not borrow from the input).
    fn lookup_slow<'a>(&self, mut cur: Js<'a>, from: usize) -> Js<'a> {
        for key in &self.keys[from..] {
            if !cur.is_truthy() {
                return cur;
            }
            cur = match cur {
                Js::Ref(v) => step_ref(v, key),
                Js::Val(v) => step_ref(&v, key).into_owned(),
                _ => Js::Undef,
            };
        }
        cur
    }
}

/// `str.replace('$.', '')`.
pub(crate) fn strip_dollar(path: &str) -> std::borrow::Cow<'_, str> {
    match path.find("$.") {
        Some(i) => std::borrow::Cow::Owned(format!("{}{}", &path[..i], &path[i + 2..])),
        None => std::borrow::Cow::Borrowed(path),
    }
}

fn step_ref<'a>(v: &'a Value, key: &Key) -> Js<'a> {
    match v {
        Value::Object(o) => Js::from_opt(o.get(&key.name)),
        Value::Array(a) => {
            if &*key.name == "length" {
                return Js::Val(Value::Number(a.len() as f64));
            }
            match key.index {
                Some(i) => Js::from_opt(a.get(i as usize)),
                None => Js::Undef,
            }
        }
        Value::String(s) => {
            if &*key.name == "length" {
                return Js::Val(Value::Number(js_len(s) as f64));
            }
            match key.index.and_then(|i| js_char_at(s, i as usize)) {
                Some(c) => Js::Val(Value::from(c)),
                None => Js::Undef,
            }
        }
        _ => Js::Undef,
    }
}

/// Splits like `path.split(/\[(?="|'|\d)|\.|(?<="|'|\d)]+/g)`.
fn split(path: &str) -> Vec<&str> {
    let bytes = path.as_bytes();
    let is_q = |b: u8| b == b'"' || b == b'\'' || b.is_ascii_digit();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let opens = b == b'[' && i + 1 < bytes.len() && is_q(bytes[i + 1]);
        if b == b'.' || opens {
            out.push(&path[start..i]);
            i += 1;
            start = i;
        } else if b == b']' && i > 0 && is_q(bytes[i - 1]) {
            out.push(&path[start..i]);
            while i < bytes.len() && bytes[i] == b']' {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&path[start..]);
    out
}

/// Members of `String.prototype` that are functions: `@path` through a non-empty string onto
/// one of them yields the function in JS.
const STRING_METHODS: &[&str] = &[
    "anchor",
    "at",
    "big",
    "blink",
    "bold",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "concat",
    "constructor",
    "endsWith",
    "fixed",
    "fontcolor",
    "fontsize",
    "includes",
    "indexOf",
    "isWellFormed",
    "italics",
    "lastIndexOf",
    "link",
    "localeCompare",
    "match",
    "matchAll",
    "normalize",
    "padEnd",
    "padStart",
    "repeat",
    "replace",
    "replaceAll",
    "search",
    "slice",
    "small",
    "split",
    "startsWith",
    "strike",
    "sub",
    "substr",
    "substring",
    "sup",
    "toLocaleLowerCase",
    "toLocaleUpperCase",
    "toLowerCase",
    "toString",
    "toUpperCase",
    "toWellFormed",
    "trim",
    "trimEnd",
    "trimLeft",
    "trimRight",
    "trimStart",
    "valueOf",
];

/// For each top-level field mapped by a plain `{"@path": P}` whose last key is a
/// [`STRING_METHODS`] name: the field and the parsed path of the parent value.
pub(crate) fn method_paths(mapping: &Value) -> Vec<(Str, Path)> {
    let Some(o) = mapping.as_object() else {
        return Vec::new();
    };
    o.iter()
        .filter_map(|(field, m)| {
            let m = m.as_object().filter(|m| m.len() == 1)?;
            let path = m.get("@path")?.as_str()?;
            let mut parent = Path::parse_mapping_path(path);
            let last = parent.keys.pop()?;
            STRING_METHODS
                .contains(&&*last.name)
                .then(|| (field.clone(), parent))
        })
        .collect()
}

/// `get(obj, path)` of get.ts, returning an owned value (`None` = `undefined`).
pub fn get(obj: &Value, path: &str) -> Option<Value> {
    Path::parse(path).lookup(Some(obj)).into_value()
}

/// `get(obj, path)` with `path` given as an array of keys (no splitting).
pub fn get_keys(obj: &Value, keys: &[&str]) -> Option<Value> {
    let path = Path {
        keys: keys
            .iter()
            .map(|k| Key {
                name: Str::from(*k),
                index: array_index(k),
            })
            .collect(),
    };
    path.lookup(Some(obj)).into_value()
}
