//! `usermaven-destination`: Segment's Usermaven (Actions) destination, exactly.
//!
//! **Invariant:** no I/O, no async runtime, never reads the clock or a RNG: both are
//! injected through [`Env`].

mod request;
mod secret;

pub use request::Request;
pub use secret::Secret;
