//! `usermaven-snapshot`: snapshots of the requests a configuration makes, in one format for the
//! conformance harness (`cargo xtask conformance`) and for a team's own mapping tests
//! (`usermaven-actions test`).
//!
//! - [`render`]: a request as text (method and redacted URL, headers, the body pretty-printed in
//!   its original key order) or an error (name, status, message), under `key: value` lines
//!   naming what produced it.
//! - [`file`]: insta's `.snap` file format (read with insta itself; written here, since insta
//!   offers no public writer), so `cargo insta review` works on the pending `.snap.new` files.
//! - [`diff`]: field-level differences (`body.user.email: snapshot "a" -> now "b"`, header and
//!   error lines, key order), and the JSON-value diff with JSON-pointer paths `diff` prints.
//! - [`check`]: compare produced snapshots with a directory, write pending or accepted files,
//!   find stale ones.
//! - [`junit`]: XML escaping for the JUnit reports (this crate's and the harness').
//! - [`SnapshotError`]: the one error of the functions that read or write files, naming the
//!   file and the problem.
//! - [`suite`]: a team's snapshot suite, a directory of a configuration, event files
//!   ([`events`]) and `snapshots/`: what `usermaven-actions test` runs and the reference cases
//!   of the worked example are made from.

pub mod check;
pub mod diff;
mod error;
pub mod events;
pub mod file;
pub mod junit;
pub mod render;
pub mod suite;

pub use check::{check, Checked, Outcome, Produced, Status, Update};
pub use diff::{FieldDiff, ABSENT};
pub use error::SnapshotError;
pub use render::{error_text, render, request_text};
