//! Integration tests of `usermaven-destination`: one binary, one module per concern.

mod fused;
