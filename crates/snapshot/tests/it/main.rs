//! `usermaven-snapshot`'s integration tests, one binary.
//!
//! - `check_modes`: `check` in each update mode, what it reports and what it writes.
//! - `insta_format`: our `.snap` writer against insta, over every committed harness snapshot.

mod check_modes;
mod insta_format;
