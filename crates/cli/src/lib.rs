//! The library half of `usermaven-actions`: the differential case runner, the event
//! mapping stream, and the engines of `diff` (`compare`) and `test` (`snapshot_test`), so
//! tests use them without spawning the binary.

pub mod cases;
pub mod compare;
pub mod event_files;
pub mod map;
pub mod snapshot_test;
