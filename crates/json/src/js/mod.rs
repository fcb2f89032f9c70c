//! JavaScript semantics on [`Value`]s, in one place: property access through the prototype
//! chain (own keys, a prototype replaced by assigning `__proto__`, then the built-in
//! prototypes), `String(x)` with the `TypeError` JS throws for objects that cannot be
//! converted, strings as UTF-16 code units, array-index keys, and `Number(string)`.
//!
//! Every crate that reads a property or converts a value the way the reference's JavaScript
//! does goes through here (mapping-kit's `get`, placeholders and directives, FQL, liquid,
//! the schema's type names), so the object model is written once.

mod builtin;
mod call;
mod number;
mod property;
mod utf16;

pub use builtin::{is_object_member, Builtin, Func, Proto};
pub use number::{is_js_space, js_trim, string_to_number};
pub use property::{check_assignment, get, object_to_string, real_type_of, to_string, JsError};
pub use utf16::{char_at, join_surrogate_pairs, unit_at, units, utf16_len};

pub use crate::object::array_index;

pub use call::stringify_error;
pub(crate) use call::{call, Call};
pub(crate) use property::write_builtin_string;
