//! Reading a few named fields of a JSON object without a hashed lookup per field.

use serde_json::{Map, Value};

/// Names one [`Fields`] can pick.
const MAX_NAMES: usize = 32;

/// The fields of one object that a step reads, found in one pass over its entries.
///
/// `serde_json`'s ordered map hashes every looked-up key with SipHash: the strict checks' ~40 lookups
/// per event were a tenth of a request's instructions (callgrind, `examples/ingest_count.rs`).
/// Comparing each entry's key with the few names wanted costs a fraction of that; keys are
/// unique, so the entry found is the one `Map::get` returns.
pub(crate) struct Fields<'a> {
    names: &'static [&'static str],
    /// `values[i]` is the value of `names[i]` (inline: no allocation).
    values: [Option<&'a Value>; MAX_NAMES],
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn of(obj: &'a Map<String, Value>, names: &'static [&'static str]) -> Self {
        assert!(names.len() <= MAX_NAMES, "at most {MAX_NAMES} names");
        let mut values = [None; MAX_NAMES];
        for (k, v) in obj {
            if let Some(i) = names.iter().position(|n| *n == k.as_str()) {
                values[i] = Some(v);
            }
        }
        Fields { names, values, obj }
    }

    /// `obj.get(name)`.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => self.values[i],
            None => {
                debug_assert!(false, "{name} is not a picked field");
                self.obj.get(name)
            }
        }
    }
}
