//! Integration tests of `usermaven-mapping`: one binary, one module per concern, the
//! helpers they share in `common`.

mod common;
mod liquid_reference;
mod observed;
mod peer_suites;
