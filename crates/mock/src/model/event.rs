//! A stored event: its text as received, how its enriched copy is derived, its findings and the
//! keys filters read; and its serialized form (API answers and store-file lines).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::enrich::EnrichInputs;
use super::problem::{Problem, Severity, Verdict};

/// An accepted event, as stored: its own text as received, how to derive its enriched copy,
/// the strict-mode findings, and the few fields filters and summaries read, extracted once.
///
/// Memory is proportional to the event: nothing here is copied from the other events of its
/// request, and neither a parsed `serde_json::Value` nor a second (enriched) copy of the text is
/// kept. The enriched copy is derived again on demand ([`StoredEvent::event`]) from the text and
/// the request's enrichment inputs (client ip, user agent, hashed ids, api key, receipt time,
/// the generated event id, if any), which the events of one request share. Events whose text
/// alone does not give the copy (template batches, events reloaded from a store file) keep the
/// enriched copy as compact JSON text instead.
#[derive(Clone)]
pub struct StoredEvent {
    /// Sequential id, 1-based, unique for the life of the store.
    pub id: u64,
    /// The request-journal id of the request that carried it.
    pub request_id: u64,
    /// Position in that request's (expanded) batch.
    pub index: usize,
    /// RFC 3339 UTC time of receipt.
    pub received_at: String,
    /// Request path (`/api/v1/s2s/event`, ...).
    pub path: String,
    /// This event's text exactly as received (lossy UTF-8): the whole body of a one-event
    /// request, its own element of a batch array, or its own element of a template's `events`.
    pub body: String,
    /// Strict-mode findings (empty unless [`StrictMode::Warn`] or advice).
    pub warnings: Vec<Problem>,
    enriched: Enriched,
    keys: super::keys::EventKeys,
}

/// Where a stored event's enriched copy comes from.
#[derive(Clone)]
enum Enriched {
    /// Derived from `body` and the request's inputs; `generated` is the event id the mock made
    /// up for an event without one.
    Derived {
        inputs: Arc<EnrichInputs>,
        generated: Option<Box<str>>,
    },
    /// Kept as compact JSON text.
    Text(Box<RawValue>),
}

/// The serialized form read back (store-file lines).
#[derive(Deserialize)]
struct StoredEventIn {
    id: u64,
    request_id: u64,
    index: usize,
    received_at: String,
    path: String,
    body: String,
    event: Box<RawValue>,
    #[serde(default)]
    warnings: Vec<Problem>,
}

/// The serialized form written (API responses, store-file lines).
#[derive(Serialize)]
struct StoredEventOut<'a> {
    id: u64,
    request_id: u64,
    index: usize,
    received_at: &'a str,
    path: &'a str,
    body: &'a str,
    event: EventOut<'a>,
    warnings: &'a [Problem],
}

#[derive(Serialize)]
#[serde(untagged)]
enum EventOut<'a> {
    Raw(&'a RawValue),
    Value(Value),
}

impl Serialize for StoredEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::deep::on_stack_for(self.depth_text(), || {
            StoredEventOut {
                id: self.id,
                request_id: self.request_id,
                index: self.index,
                received_at: &self.received_at,
                path: &self.path,
                body: &self.body,
                event: match &self.enriched {
                    Enriched::Text(raw) => EventOut::Raw(raw),
                    Enriched::Derived { .. } => EventOut::Value(self.event()),
                },
                warnings: &self.warnings,
            }
            .serialize(s)
        })
    }
}

impl<'de> Deserialize<'de> for StoredEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = StoredEventIn::deserialize(d)?;
        let keys = crate::json::deep::on_stack_for(w.event.get().as_bytes(), || {
            match crate::json::go::decode_lite(
                w.event.get().as_bytes(),
                crate::json::go::Target::Event,
            ) {
                Ok(crate::json::lite::Lite::Object(e)) => super::keys::EventKeys::of(&e),
                _ => super::keys::EventKeys::default(),
            }
        });
        Ok(StoredEvent {
            id: w.id,
            request_id: w.request_id,
            index: w.index,
            received_at: w.received_at,
            path: w.path,
            body: w.body,
            warnings: w.warnings,
            enriched: Enriched::Text(w.event),
            keys,
        })
    }
}

impl StoredEvent {
    /// A stored event whose enriched copy is `event`, derived from `body` by `inputs` (with
    /// `generated` as its made-up id) when given, else kept as text. Its id is 0 until the
    /// store accepts it and gives it one.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        request_id: u64,
        index: usize,
        received_at: String,
        path: String,
        body: String,
        event: crate::json::lite::Entries<'_>,
        warnings: Vec<Problem>,
        derive: Option<(Arc<EnrichInputs>, Option<String>)>,
    ) -> Self {
        let keys = super::keys::EventKeys::of(&event);
        let enriched = match derive {
            Some((inputs, generated)) => Enriched::Derived {
                inputs,
                generated: generated.map(Box::from),
            },
            // A `Value` always serializes; `null` keeps the function total.
            None => Enriched::Text(
                serde_json::value::to_raw_value(&crate::json::lite::into_map(event))
                    .unwrap_or_default(),
            ),
        };
        StoredEvent {
            id: 0,
            request_id,
            index,
            received_at,
            path,
            body,
            warnings,
            enriched,
            keys,
        }
    }

    /// The text whose nesting bounds the enriched copy's (for [`crate::json::deep::on_stack_for`]).
    fn depth_text(&self) -> &[u8] {
        match &self.enriched {
            Enriched::Text(raw) => raw.get().as_bytes(),
            Enriched::Derived { .. } => self.body.as_bytes(),
        }
    }

    /// The enriched event, parsed (original key order). An event may be nested up to 10,000
    /// levels deep: hold and drop the value on a stack that allows it.
    pub fn event(&self) -> Value {
        match &self.enriched {
            Enriched::Text(raw) => {
                crate::json::deep::parse_unbounded(raw.get()).unwrap_or(Value::Null)
            }
            Enriched::Derived { inputs, generated } => inputs
                .derive(&self.body, generated.as_deref())
                .map_or(Value::Null, Value::Object),
        }
    }

    /// The enriched event as compact JSON text.
    pub fn event_text(&self) -> String {
        match &self.enriched {
            Enriched::Text(raw) => raw.get().to_owned(),
            Enriched::Derived { .. } => {
                crate::json::deep::on_stack_for(self.body.as_bytes(), || self.event().to_string())
            }
        }
    }

    pub fn event_type(&self) -> Option<&str> {
        self.keys.event_type()
    }

    pub fn user_id(&self) -> Option<&str> {
        self.keys.user_id()
    }

    pub fn anonymous_id(&self) -> Option<&str> {
        self.keys.anonymous_id()
    }

    pub fn company_id(&self) -> Option<&str> {
        self.keys.company_id()
    }

    /// The collector's unique id (`eventn_ctx_event_id`, or `eventn_ctx.event_id`).
    pub fn event_id(&self) -> Option<&str> {
        self.keys.event_id()
    }

    /// The event's text as received, parsed again (at any depth: see [`StoredEvent::event`]).
    pub fn body_json(&self) -> Option<Value> {
        crate::json::deep::parse_unbounded(&self.body).ok()
    }

    /// `ok`, `advice` or `error` from the worst finding.
    pub fn verdict(&self) -> Verdict {
        if self.warnings.iter().any(|w| w.severity == Severity::Error) {
            Verdict::Error
        } else if self.warnings.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Advice
        }
    }

    /// Rough heap and inline size in bytes (what retention keeps per event).
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.received_at.len()
            + self.path.len()
            + self.body.len()
            + match &self.enriched {
                // The inputs are shared by the request's events; count them once per event
                // anyway (an upper bound).
                Enriched::Derived { inputs, generated } => {
                    std::mem::size_of::<EnrichInputs>()
                        + inputs.heap_len()
                        + generated.as_deref().map_or(0, str::len)
                }
                Enriched::Text(raw) => raw.get().len(),
            }
            + self
                .warnings
                .iter()
                .map(|w| std::mem::size_of::<Problem>() + w.path.len() + w.message.len())
                .sum::<usize>()
            + self.keys.heap_len()
    }
}

impl PartialEq for StoredEvent {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.request_id == other.request_id
            && self.index == other.index
            && self.received_at == other.received_at
            && self.path == other.path
            && self.body == other.body
            && self.warnings == other.warnings
            && crate::json::deep::on_stack_for(self.depth_text(), || {
                crate::json::deep::on_stack_for(other.depth_text(), || {
                    self.event() == other.event()
                })
            })
    }
}

impl std::fmt::Debug for StoredEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredEvent")
            .field("id", &self.id)
            .field("request_id", &self.request_id)
            .field("index", &self.index)
            .field("received_at", &self.received_at)
            .field("path", &self.path)
            .field("body", &self.body)
            .field("event", &self.event_text())
            .field("warnings", &self.warnings)
            .finish()
    }
}
