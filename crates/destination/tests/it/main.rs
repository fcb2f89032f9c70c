//! Integration tests of `usermaven-destination`: one binary, one module per concern.

mod config_shapes;
mod fused;
mod tz_options;
