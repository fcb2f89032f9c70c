//! `usermaven-sender`: delivers [`usermaven_request::Request`]s over HTTP.
//!
//! Segment's side of the wire, which action-destinations leaves to its delivery pipeline:
//! retries follow `packages/core/src/errors.ts` (see [`retry`]); everything else — keep-alive
//! pool, bounded concurrency, per-request timeout, optional JSON-array batching, streaming
//! with backpressure, orderly shutdown, a circuit breaker that ends the run about
//! `down_timeout` after the endpoint stops serving (see [`breaker`]) — is ours.
//!
//! ```no_run
//! # async fn demo(requests: Vec<usermaven_request::Request>) -> Result<(), Box<dyn std::error::Error>> {
//! use usermaven_sender::{channel, CancellationToken, Envelope, Sender, SenderConfig};
//! // Each request goes to its own URL: the destination's `Options::base_url` chooses it.
//! let sender = Sender::new(SenderConfig::default())?;
//! let (tx, rx) = channel(1024);
//! tokio::spawn(async move {
//!     for (i, request) in requests.into_iter().enumerate() {
//!         if tx.send(Envelope { id: i as u64 + 1, meta: (), request }).await.is_err() { break }
//!     }
//! });
//! let report = sender.run(rx, CancellationToken::new(), |r| {
//!     if !r.delivery.is_delivered() { eprintln!("event {}: {}", r.id, r.delivery.reason()) }
//! }).await;
//! assert_eq!(report.events, report.delivered + report.failed());
//! # Ok(()) }
//! ```
//!
//! **Invariants:**
//! - Every event taken from the channel is reported exactly once ([`Sender::run`]).
//! - The token never leaves the process: URLs are only ever shown redacted, every
//!   `reqwest::Error` is stripped of its URL, redirects are not followed, and server
//!   messages are scrubbed of the token (Usermaven's 401 body echoes it).
//! - Memory is bounded by the channel capacity plus `concurrency × batch size`.

pub mod breaker;
mod error;
mod report;
pub mod retry;
mod rng;
mod scrub;
mod sender;

pub use breaker::DownCause;
pub use error::{BuildError, SendError};
pub use report::{Delivery, EventResult, Report};
pub use retry::{classify, delays, Backoff, Outcome};
pub use sender::{channel, Batching, Envelope, Sender, SenderConfig, MAX_EVENT_BYTES};
pub use tokio_util::sync::CancellationToken;
