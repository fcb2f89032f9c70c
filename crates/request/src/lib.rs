//! `usermaven-request`: the HTTP request an action produces (what Segment would send to
//! Usermaven) and the secrets it carries.
//!
//! The destination builds [`Request`]s, the sender delivers them, the snapshot and review
//! tools print them. This crate is what those share, and nothing more, so that delivering a
//! request does not compile the mapping, schema, FQL and time-zone machinery that makes one.
//!
//! **Invariant:** the API key and server token travel only inside [`Secret`], which prints
//! `**REDACTED**`; a URL shown to a person goes through [`redact_url`].

mod request;
mod secret;

pub use request::{redact_url, Header, Request, REDACTED_TOKEN};
pub use secret::Secret;
