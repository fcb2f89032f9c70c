//! Integration tests of `usermaven-cases`: one binary, one module per concern.

mod explain;
mod reference;
mod shape;
