//! Integration tests of the local Segment (one binary): Segment's rules end to end over real
//! HTTP, with the mock on the same port; the live page in chromium.

mod admin;
mod common;
mod explain;
mod page;
mod rules;
