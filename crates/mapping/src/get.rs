//! Path lookup: a port of `packages/core/src/get.ts` (a small `lodash.get`).
//!
//! A path string is split on `.`, on `[` followed by a quote or digit and on runs of
//! `]` preceded by a quote or digit; empty pieces are dropped and quotes removed. The
//! lookup is `keys.reduce((prev, key) => prev && prev[key], obj)`: a falsy value
//! part-way is returned as it is, strings and arrays answer `length` and indexes.

use usermaven_json::js::{self, JsError};
use usermaven_json::{Str, Value};

use crate::resolved::Resolved;

/// A parsed path, ready to be looked up many times.
#[derive(Clone, Debug, Default)]
pub(crate) struct Path {
    keys: Vec<Key>,
}

#[derive(Clone, Debug)]
struct Key {
    name: Str,
    /// Is the key a member of `Object.prototype`, which a plain object lacking it inherits?
    special: bool,
}

impl Key {
    fn new(name: Str) -> Key {
        Key {
            special: js::is_object_member(&name),
            name,
        }
    }
}

impl Path {
    /// Parses a path as `get()` splits it.
    pub(crate) fn parse(path: &str) -> Path {
        let keys = split(path)
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                let name: String = p.chars().filter(|&c| c != '\'' && c != '"').collect();
                Key::new(Str::from(name))
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

    /// `get(obj, path)`; `obj` `None` is JS `undefined`. Each step is JS property access
    /// ([`js::get`]: own keys, then the prototype chain); a falsy value part-way is returned as
    /// it is. The error is a `TypeError` JS throws while reading (`fn.caller`).
    pub(crate) fn lookup<'a>(&self, obj: Option<&'a Value>) -> Result<Resolved<'a>, JsError> {
        // Fast path: walk borrowed objects without building intermediate values.
        let Some(mut cur) = obj else {
            return Ok(Resolved::Undef);
        };
        for (i, key) in self.keys.iter().enumerate() {
            match cur {
                Value::Object(o) => match o.get(&key.name) {
                    Some(v) => cur = v,
                    None if !key.special && o.proto().is_none() => return Ok(Resolved::Undef),
                    None => return self.lookup_slow(cur, i),
                },
                _ if !cur.is_truthy() => return Ok(Resolved::Ref(cur)),
                _ => return self.lookup_slow(cur, i),
            }
        }
        Ok(Resolved::Ref(cur))
    }

    /// The general lookup from `keys[from..]`, which may give values that do not borrow from
    /// the input (a string's `length`, a built-in function).
    fn lookup_slow<'a>(&self, start: &'a Value, from: usize) -> Result<Resolved<'a>, JsError> {
        let mut cur = std::borrow::Cow::Borrowed(start);
        for key in &self.keys[from..] {
            if !cur.is_truthy() {
                break;
            }
            let next = match &cur {
                std::borrow::Cow::Borrowed(v) => js::get(v, &key.name)?,
                std::borrow::Cow::Owned(v) => {
                    js::get(v, &key.name)?.map(|n| std::borrow::Cow::Owned(n.into_owned()))
                }
            };
            match next {
                Some(n) => cur = n,
                None => return Ok(Resolved::Undef),
            }
        }
        Ok(match cur {
            std::borrow::Cow::Borrowed(v) => Resolved::Ref(v),
            std::borrow::Cow::Owned(v) => Resolved::Val(v),
        })
    }
}

/// `str.replace('$.', '')`.
pub(crate) fn strip_dollar(path: &str) -> std::borrow::Cow<'_, str> {
    match path.find("$.") {
        Some(i) => std::borrow::Cow::Owned(format!("{}{}", &path[..i], &path[i + 2..])),
        None => std::borrow::Cow::Borrowed(path),
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

/// `get(obj, path)` of get.ts, returning an owned value (`None` = `undefined`).
#[cfg(test)]
pub(crate) fn get(obj: &Value, path: &str) -> Result<Option<Value>, JsError> {
    Ok(Path::parse(path).lookup(Some(obj))?.into_payload())
}

/// `get(obj, path)` with `path` given as an array of keys (no splitting).
#[cfg(test)]
pub(crate) fn get_keys(obj: &Value, keys: &[&str]) -> Result<Option<Value>, JsError> {
    let path = Path {
        keys: keys.iter().map(|k| Key::new(Str::from(*k))).collect(),
    };
    Ok(path.lookup(Some(obj))?.into_payload())
}
