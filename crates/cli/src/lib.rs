//! The library half of `usermaven-actions`: the event mapping stream, so tests use it
//! without spawning the binary. (The case runner is its own crate, `usermaven-cases`.)

pub mod map;
