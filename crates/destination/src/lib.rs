//! `usermaven-destination`: Segment's Usermaven (Actions) destination, exactly.
//!
//! Ports `packages/destination-actions/src/destinations/usermaven/` (index.ts, the four
//! actions, common-definitions.ts, request-params.ts, vars.ts) and the per-event pipeline of
//! `packages/core/src/destination-kit/action.ts`: mapping transform → removeEmptyValues →
//! schema validation with coercion → `perform` → the request.
//!
//! Everything that can be prepared is prepared once: [`Destination::new`] compiles the
//! mappings, triggers and field schemas; [`Destination::route`] only evaluates.
//! [`Destination::route_text`] takes the event as JSON text and, for ordinary events on
//! subscriptions with a plain mapping (every preset's), goes from the text straight to the
//! body with the same results as `route` (the fused fast path, described in `fused.rs`).
//!
//! **Invariant:** no I/O, no async runtime, never reads the clock or a RNG: both are
//! injected through [`Env`].

mod actions;
pub mod config;
mod describe;
mod destination;
mod env;
mod error;
mod explain;
mod fused;
mod options;
mod perform;
mod pipeline;
mod settings;
mod tz;

pub use actions::{Action, ActionKind, FieldInfo};
pub use describe::{describe, describe_action};
pub use destination::{unknown_action, Destination, Routed, Subscription, SubscriptionTrigger};
pub use env::{CountingEnv, Env, FixedEnv};
pub use error::ActionError;
pub use explain::{
    rebuild_body, Derived, ExplainedError, Explanation, FieldExplanation, Origin, Step,
    TriggerExplanation,
};
pub use options::{Fixes, Options};
pub use perform::{request_url, DEFAULT_BASE_URL};
pub use settings::Settings;
pub use usermaven_request::{redact_url, Header, Request, Secret, REDACTED_TOKEN};
