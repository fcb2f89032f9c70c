//! Reading a few named fields of a JSON object in one pass over its entries.

use std::borrow::Cow;

use super::lite::Lite;

/// Names one [`Fields`] can pick.
const MAX_NAMES: usize = 32;

/// The fields of one object that a step reads, found in one pass over its entries.
///
/// The strict checks read ~40 fields per event: one pass comparing each entry's key with the
/// few names wanted costs less than a lookup per name. A later entry with the same key
/// replaces an earlier one, so the value found is the one [`super::lite::get`] returns.
pub(crate) struct Fields<'e, 'a> {
    /// `values[i]` is the value of the `i`-th name given to [`Fields::of`] (inline: no allocation).
    values: [Option<&'e Lite<'a>>; MAX_NAMES],
}

impl<'e, 'a> Fields<'e, 'a> {
    pub(crate) fn of(obj: &'e [(Cow<'a, str>, Lite<'a>)], names: &'static [&'static str]) -> Self {
        assert!(names.len() <= MAX_NAMES, "at most {MAX_NAMES} names");
        let mut values = [None; MAX_NAMES];
        for (k, v) in obj {
            if let Some(i) = names.iter().position(|n| *n == k.as_ref()) {
                values[i] = Some(v);
            }
        }
        Fields { values }
    }

    /// The value of the `i`-th name (see [`pick!`]).
    pub(crate) fn at(&self, i: usize) -> Option<&'e Lite<'a>> {
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
        $fields.at(const { $crate::json::fields::index_of($names, $name) })
    };
}
pub(crate) use pick;
