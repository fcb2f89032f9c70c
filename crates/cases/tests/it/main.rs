//! Integration tests of `usermaven-cases`: one binary, one module per concern.

mod reference;
mod shape;
