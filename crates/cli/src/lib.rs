//! The library half of `usermaven-actions`: the differential case runner, the event
//! mapping stream, and `diff`'s comparison (`compare`), so
//! tests use them without spawning the binary.

pub mod cases;
pub mod compare;
pub mod map;
