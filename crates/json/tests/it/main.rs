//! Integration tests of `usermaven-json`: one binary, one module per concern.

mod parse;
