//! Faults the mock can be told to show, how they are specified, and the log of those injected.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A misbehaviour the mock can be told to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer `status` (with optional `Retry-After` and body) without processing the request.
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// Wait this long, then process normally.
    Delay { ms: u64 },
    /// Close the connection without any response. With `after_processing` the events are stored
    /// first (the client cannot know; a retry duplicates them).
    Drop {
        #[serde(default)]
        after_processing: bool,
    },
    /// Process, then send the headers and only the first half of the body, then close.
    Partial,
    /// Process, then trickle the response body one byte every `byte_delay_ms`.
    Slow { byte_delay_ms: u64 },
    /// Reset the connection (TCP RST) before any response byte, without processing.
    Reset,
    /// Read only part of the request body (the first half of it), then close the connection
    /// without processing or answering.
    PartialRead,
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    pub fn delay(d: Duration) -> Self {
        Fault::Delay {
            ms: d.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Fault::Status {
                status,
                retry_after: Some(ra),
                ..
            } => {
                format!("status {status} (Retry-After: {ra})")
            }
            Fault::Status { status, .. } => format!("status {status}"),
            Fault::Delay { ms } => format!("delay {ms} ms"),
            Fault::Drop {
                after_processing: true,
            } => "drop connection after processing".into(),
            Fault::Drop {
                after_processing: false,
            } => "drop connection".into(),
            Fault::Partial => "partial response".into(),
            Fault::Slow { byte_delay_ms } => format!("slow response ({byte_delay_ms} ms/byte)"),
            Fault::Reset => "connection reset".into(),
            Fault::PartialRead => "close after reading part of the body".into(),
        }
    }
}

/// Probabilities (0..=1) of random faults, drawn per ingestion request from a seeded generator.
/// Kinds are tried in field order; at most one fault hits a request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RandomFaults {
    /// Probability of answering with one of `statuses` (default `[503]`).
    pub status: f64,
    pub statuses: Vec<u16>,
    /// `Retry-After` to send with random status faults.
    pub retry_after: Option<String>,
    pub delay: f64,
    pub delay_ms: u64,
    pub drop: f64,
    pub partial: f64,
    pub slow: f64,
    pub slow_byte_delay_ms: u64,
    /// Probability of [`Fault::Reset`].
    pub reset: f64,
    /// Probability of [`Fault::PartialRead`].
    pub partial_read: f64,
}

/// A fault that was actually injected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRecord {
    pub request_id: u64,
    pub path: String,
    pub fault: Fault,
    pub origin: FaultOrigin,
}

/// Where an injected fault came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultOrigin {
    /// Scripted ([`crate::Store::inject`], `POST /__mock/faults`).
    Script,
    /// Drawn from the seeded random faults.
    Random,
}

impl FaultOrigin {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultOrigin::Script => "script",
            FaultOrigin::Random => "random",
        }
    }
}

impl std::fmt::Display for FaultOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scripted fault and how many more requests it hits: one element of a fault specification
/// (`times` defaults to 1), and one pending entry of the script as `GET /__mock/faults` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScriptedFault {
    #[serde(flatten)]
    pub(crate) fault: Fault,
    #[serde(default = "one")]
    pub(crate) times: u32,
}

fn one() -> u32 {
    1
}

/// Seeded random faults as a specification gives them.
#[derive(Debug, Deserialize)]
pub(crate) struct RandomSpec {
    pub(crate) seed: u64,
    #[serde(flatten)]
    pub(crate) probs: RandomFaults,
}

/// A fault specification: what `POST /__mock/faults`, `mock --faults` and `mock --faults-file`
/// take (one fault object, an array of them, or `{"faults":[…],"random":{"seed":…,…}}`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    #[serde(default)]
    pub(crate) faults: Vec<ScriptedFault>,
    pub(crate) random: Option<RandomSpec>,
}

impl FaultSpec {
    /// Reads a specification; the error says what is wrong with it.
    pub(crate) fn parse(text: &[u8]) -> Result<FaultSpec, String> {
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let parsed: Result<FaultSpec, serde_json::Error> = match &value {
            serde_json::Value::Array(_) => {
                serde_json::from_value(value.clone()).map(|faults| FaultSpec {
                    faults,
                    random: None,
                })
            }
            serde_json::Value::Object(o) if o.contains_key("kind") => {
                serde_json::from_value(value.clone()).map(|f| FaultSpec {
                    faults: vec![f],
                    random: None,
                })
            }
            _ => serde_json::from_value(value.clone()),
        };
        parsed.map_err(|e| format!("invalid fault specification: {e}"))
    }
}

/// The armed faults at one moment: the pending script, in order, and the random
/// probabilities.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultPlan {
    pub(crate) pending: Vec<ScriptedFault>,
    pub(crate) random: Option<RandomFaults>,
}
