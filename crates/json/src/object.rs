//! An object whose entries are always in JS enumeration order.

use crate::{Str, Value};

/// Is `key` an array index as ECMAScript defines it (canonical decimal, < 2³² − 1)?
/// Such keys enumerate before all others, in ascending numeric order.
pub fn is_array_index(key: &str) -> bool {
    array_index(key).is_some()
}

fn array_index(key: &str) -> Option<u32> {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 10 {
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
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    pub fn with_capacity(n: usize) -> Object {
        Object { entries: Vec::with_capacity(n), index_keys: 0 }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| &**k == key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// `obj[key] = value`: an existing key keeps its position.
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
        self.index_keys = self.entries.iter().take_while(|(k, _)| is_array_index(k)).count();
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
