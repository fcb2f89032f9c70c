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
    /// `values[i]` is the value of the `i`-th name given to [`Fields::of`] (inline: no allocation).
    values: [Option<&'a Value>; MAX_NAMES],
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
        Fields { values }
    }

    /// The value of the `i`-th name (see [`pick!`]).
    pub(crate) fn at(&self, i: usize) -> Option<&'a Value> {
        self.values[i]
    }
}

/// The position of `name` in `names`, at compile time (a missing name fails the build).
pub(crate) const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not one of the names");
}

/// `pick!(fields, NAMES, "name")`: `fields.get("name")` with the index found at compile time.
macro_rules! pick {
    ($fields:expr, $names:expr, $name:literal) => {
        $fields.at(const { $crate::fields::index_of($names, $name) })
    };
}
pub(crate) use pick;
