//! An object whose entries are always in JS enumeration order.

use crate::parse::{load4, load8};
use std::sync::Arc;

use crate::{Str, Value};

/// String equality tuned for object keys, cheapest tests first: length, shared
/// allocation, then the bytes (short keys compared as machine words instead of through
/// `memcmp`).
#[inline]
pub fn key_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if a.as_ptr() == b.as_ptr() {
        return true;
    }
    if n >= 8 {
        if n <= 16 {
            return load8(a, 0) == load8(b, 0) && load8(a, n - 8) == load8(b, n - 8);
        }
        return a == b;
    }
    if n >= 4 {
        return load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Is `key` an array index as ECMAScript defines it (canonical decimal, < 2³² − 1)?
/// Such keys enumerate before all others, in ascending numeric order.
pub fn is_array_index(key: &str) -> bool {
    array_index(key).is_some()
}

/// The array index `key` names (canonical decimal below 2³² − 1), if it names one.
#[inline]
pub fn array_index(key: &str) -> Option<u32> {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 10 || !b[0].is_ascii_digit() {
        return None;
    }
    if b[0] == b'0' {
        return if b.len() == 1 { Some(0) } else { None };
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    if n < 4_294_967_295 {
        Some(n as u32)
    } else {
        None
    }
}

/// An ordered map with JS object semantics. Lookups are linear: Segment events and
/// payloads have small objects, where a scan beats hashing.
#[derive(Clone, Debug, Default)]
pub struct Object {
    entries: Vec<(Str, Value)>,
    /// How many leading entries are array-index keys.
    index_keys: usize,
    /// The object's `[[Prototype]]` when it is not `Object.prototype`: `Value::Null` (none),
    /// or the object an assignment to `__proto__` put there (see [`Object::assign`]).
    proto: Option<Arc<Value>>,
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    pub fn with_capacity(n: usize) -> Object {
        Object {
            entries: Vec::with_capacity(n),
            index_keys: 0,
            proto: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Builds an object from entries that already have unique keys, none of them an
    /// array index (what the parser produces on its fast path).
    pub(crate) fn from_unique_plain(entries: Vec<(Str, Value)>) -> Object {
        debug_assert!(entries.iter().all(|(k, _)| !is_array_index(k)));
        Object {
            entries,
            index_keys: 0,
            proto: None,
        }
    }

    /// Builds an object from entries with unique keys, in insertion order. When every
    /// array-index key already comes first in ascending order (the usual case: there are
    /// none), the vector is taken as it is; otherwise the keys are re-ordered as
    /// [`Object::insert`] would. The keys must be unique (checked in debug builds only).
    pub fn from_unique_entries(entries: Vec<(Str, Value)>) -> Object {
        debug_assert!(entries
            .iter()
            .enumerate()
            .all(|(i, (k, _))| entries[..i].iter().all(|(o, _)| o != k)));
        let mut index_keys = 0;
        let mut last: Option<u32> = None;
        let mut in_prefix = true;
        for (k, _) in &entries {
            match array_index(k) {
                Some(i) => {
                    if !in_prefix || last.is_some_and(|l| l >= i) {
                        return Self::by_insert(entries);
                    }
                    index_keys += 1;
                    last = Some(i);
                }
                None => in_prefix = false,
            }
        }
        Object {
            entries,
            index_keys,
            proto: None,
        }
    }

    fn by_insert(entries: Vec<(Str, Value)>) -> Object {
        let mut o = Object::with_capacity(entries.len());
        for (k, v) in entries {
            o.insert(k, v);
        }
        o
    }

    #[inline]
    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| key_eq(k, key))
    }

    #[inline]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| key_eq(k, key))
            .map(|(_, v)| v)
    }

    #[inline]
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| key_eq(k, key))
            .map(|(_, v)| v)
    }

    /// Appends an entry whose key the caller knows is absent and not an array index;
    /// falls back to [`Object::insert`] when it is an array index. Checked in debug builds.
    #[inline]
    pub fn push_new(&mut self, key: Str, value: Value) {
        debug_assert!(self.position(&key).is_none());
        if key.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            self.insert(key, value);
        } else {
            self.entries.push((key, value));
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// `obj[key] = value` as JS assignment does it: the key `__proto__` (while it reaches
    /// `Object.prototype`'s accessor) replaces the object's prototype when `value` is an
    /// object or `null` and is ignored otherwise; every other key is [`Object::insert`]ed.
    /// `Object.assign`, mapping-kit's `resolved[key] = …` and `removeUndefined` copy this way.
    pub fn assign(&mut self, key: Str, value: Value) {
        if &*key == "__proto__" && self.proto_setter_applies() {
            if matches!(
                value,
                Value::Null | Value::Object(_) | Value::Array(_) | Value::Builtin(_)
            ) {
                self.proto = Some(Arc::new(value));
            }
            return;
        }
        self.insert(key, value);
    }

    /// Does `obj.__proto__ = …` reach `Object.prototype`'s setter (no own or inherited data
    /// property `__proto__` on the way, and a chain that ends in `Object.prototype`)?
    fn proto_setter_applies(&self) -> bool {
        if self.contains_key("__proto__") {
            return false;
        }
        match self.proto.as_deref() {
            None => true,
            Some(Value::Object(p)) => p.proto_setter_applies(),
            Some(Value::Null) => false,
            Some(_) => true,
        }
    }

    /// The prototype when it is not `Object.prototype` (`Value::Null`: none).
    pub fn proto(&self) -> Option<&Value> {
        self.proto.as_deref()
    }

    /// Sets the prototype (`None`: `Object.prototype`).
    pub fn set_proto(&mut self, proto: Option<Value>) {
        self.proto = proto.map(Arc::new);
    }

    /// An own-data-property definition (`CreateDataProperty`: what `JSON.parse`, spread and
    /// object literals do): the key `__proto__` is an ordinary own key here. An existing key
    /// keeps its position.
    pub fn insert(&mut self, key: Str, value: Value) {
        if let Some(i) = self.position(&key) {
            self.entries[i].1 = value;
            return;
        }
        match array_index(&key) {
            Some(idx) => {
                let at = self.entries[..self.index_keys]
                    .partition_point(|(k, _)| array_index(k).unwrap_or(u32::MAX) < idx);
                self.entries.insert(at, (key, value));
                self.index_keys += 1;
            }
            None => self.entries.push((key, value)),
        }
    }

    /// Convenience for `insert` with a `&str` key.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Some(v) = self.get_mut(key) {
            *v = value;
        } else {
            self.insert(Str::from(key), value);
        }
    }

    /// `delete obj[key]`: the other keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        if i < self.index_keys {
            self.index_keys -= 1;
        }
        Some(self.entries.remove(i).1)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Str, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Str, &mut Value)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Str> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Keep only the entries for which `f` returns true (order unchanged).
    pub fn retain(&mut self, mut f: impl FnMut(&Str, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
        self.index_keys = self
            .entries
            .iter()
            .take_while(|(k, _)| is_array_index(k))
            .count();
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        self.entries == other.entries
    }
}

impl IntoIterator for Object {
    type Item = (Str, Value);
    type IntoIter = std::vec::IntoIter<(Str, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(Str, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (Str, Value)>>(iter: I) -> Object {
        let mut o = Object::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}
