//! The library half of `usermaven-actions`: the differential case runner and the event
//! mapping stream, so tests use them without spawning the binary.

pub mod cases;
pub mod map;
