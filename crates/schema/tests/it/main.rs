//! Integration tests of `usermaven-schema`: Segment's own suites replayed as data (`peer`), and
//! the field shapes of the Usermaven destination (`usermaven`).

mod peer;
mod quirks;
mod usermaven;
