//! Integration tests of `usermaven-fql`: one binary, one module per concern: the public API
//! on observed reference behaviour (`api`), and Segment's suites and the recorded reference
//! cases replayed as data (`suites`).

mod api;
mod decide;
mod suites;
