//! `usermaven-eventgen`'s integration tests, one binary.
//!
//! - `pinned`: the generator's stream for seed 1 is the committed one.

mod pinned;
