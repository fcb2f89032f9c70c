//! JSON as the collector reads it: Go `encoding/json`'s decoder and error texts (`go`), the
//! borrowed value the request path works on (`lite`), the few fields a step reads in one pass
//! (`fields`), and deep nesting on a grown stack (`deep`). Imports nothing else of the crate.

pub(crate) mod deep;
pub(crate) mod fields;
pub(crate) mod go;
pub(crate) mod lite;
