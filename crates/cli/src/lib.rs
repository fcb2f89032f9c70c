//! The library half of `usermaven-actions`: the event mapping stream and `diff`'s comparison
//! (`compare`), so tests use them without spawning the binary. (The case runner is its own
//! crate, `usermaven-cases`.)

pub mod compare;
pub mod explain;
pub mod map;
pub mod parallel;
