//! Body parsing (`jitsuParser.ParseEventsBody`): first-byte dispatch, size limits, Go
//! `encoding/json` decoding and error texts, `{"template":…,"events":[…]}` expansion.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::respond::Outcome;
use crate::gojson::{self, GoJsonError, Target};

/// Batches with at least this many events are not decoded all at once: their syntax is checked
/// in one pass that builds nothing, and each event is decoded when a step needs it and dropped
/// after. A 5,000-event batch decoded at once peaks at ~8 KB of `Value` per event; this keeps
/// the peak at about the body plus one event.
const LAZY_FROM: usize = 64;

/// One event of a body: its parsed value (or `None`: decode `text` when needed) and its own
/// text as received.
pub(crate) struct ParsedEvent {
    pub(crate) event: Option<Map<String, Value>>,
    pub(crate) text: String,
    /// `text` parses back to `event` (not so for a template's partial events).
    pub(crate) whole: bool,
}

impl ParsedEvent {
    /// The event as an object: the parsed one, or `text` decoded now.
    pub(crate) fn object(&self) -> Result<std::borrow::Cow<'_, Map<String, Value>>, String> {
        match &self.event {
            Some(m) => Ok(std::borrow::Cow::Borrowed(m)),
            None => decode_object(&self.text).map(std::borrow::Cow::Owned),
        }
    }

    /// The event as an owned object (decoded now when it was not).
    pub(crate) fn into_object(self) -> Result<(Map<String, Value>, String, bool), String> {
        let event = match self.event {
            Some(m) => m,
            None => decode_object(&self.text)?,
        };
        Ok((event, self.text, self.whole))
    }
}

fn decode_object(text: &str) -> Result<Map<String, Value>, String> {
    match gojson::decode(text.as_bytes(), Target::Event) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("error parsing HTTP body: unexpected value".into()),
        Err(e) => Err(format!("error parsing HTTP body: {e}")),
    }
}

/// A large batch's elements, if its syntax is valid and every element is an object or `null`
/// (then Go's decoder accepts it too: `serde_json` is stricter about UTF-8, surrogates, depth
/// and trailing bytes, and anything it refuses goes through the Go decoder for Go's answer).
fn lazy_batch(body: &[u8]) -> Option<Vec<Result<ParsedEvent, ParseError>>> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(body).ok()?;
    if items.len() < LAZY_FROM {
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for raw in items {
        let text = raw.get();
        out.push(match text.as_bytes().first() {
            Some(b'{') => Ok(ParsedEvent {
                event: None,
                text: text.to_owned(),
                whole: true,
            }),
            _ if text == "null" => Err(ParseError::NullEvent),
            _ => return None,
        });
    }
    Some(out)
}

enum ParseError {
    Go(String),
    NullEvent,
}

/// The events of a body, or the answer the collector gives when it cannot parse them.
pub(crate) fn events(body: &[u8], max_event_size: usize) -> Result<Vec<ParsedEvent>, Box<Outcome>> {
    parse_body(body, max_event_size).map_err(|e| {
        Box::new(match e {
            ParseError::Go(e) => {
                let msg = format!("Error parsing events body: {e}");
                Outcome::reject(StatusCode::BAD_REQUEST, &msg, msg.clone())
            }
            // A nil map reaches the enrichment step, which panics; gin.Recovery answers 500.
            ParseError::NullEvent => Outcome::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                String::new(),
                "rejected",
                Some("null event in batch (the collector panics)".into()),
            ),
        })
    })
}

/// The text of `bytes`, invalid UTF-8 replaced (checked with the fast validator first).
fn lossy(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn parse_body(body: &[u8], max_event_size: usize) -> Result<Vec<ParsedEvent>, ParseError> {
    let go = |e: GoJsonError| ParseError::Go(format!("error parsing HTTP body: {e}"));
    let Some(&first) = body.first() else {
        return Err(ParseError::Go("empty JSON body".into()));
    };
    match first {
        b'{' => {
            if body.len() > max_event_size {
                return Err(ParseError::Go(format!(
                    "Event size {} exceeds limit: {max_event_size}",
                    body.len()
                )));
            }
            let Value::Object(obj) = gojson::decode(body, Target::Event).map_err(go)? else {
                return Err(ParseError::Go(
                    "error parsing HTTP body: unexpected value".into(),
                ));
            };
            Ok(expand_template(&obj).unwrap_or_else(|| {
                vec![ParsedEvent {
                    event: Some(obj),
                    text: lossy(body),
                    whole: true,
                }]
            }))
        }
        b'[' => {
            if let Some(items) = lazy_batch(body) {
                if body.len() > max_event_size.saturating_mul(items.len()) {
                    return Err(ParseError::Go(format!(
                        "Size of one of events exceeds limit: {max_event_size}"
                    )));
                }
                return items.into_iter().collect();
            }
            let (items, spans) = gojson::decode_with_spans(body, Target::EventSlice).map_err(go)?;
            let Value::Array(items) = items else {
                return Err(ParseError::Go(
                    "error parsing HTTP body: unexpected value".into(),
                ));
            };
            if !items.is_empty() && body.len() > max_event_size.saturating_mul(items.len()) {
                return Err(ParseError::Go(format!(
                    "Size of one of events exceeds limit: {max_event_size}"
                )));
            }
            items
                .into_iter()
                .zip(spans)
                .map(|(v, span)| match v {
                    Value::Object(event) => Ok(ParsedEvent {
                        event: Some(event),
                        text: lossy(&body[span]),
                        whole: true,
                    }),
                    _ => Err(ParseError::NullEvent),
                })
                .collect()
        }
        c => Err(ParseError::Go(format!(
            "malformed JSON body begins with: {}",
            gojson::go_quote_rune(c)
        ))),
    }
}

/// `{"template":{…},"events":[{…},…]}`: each partial event gets the template's keys (template
/// wins). Anything else in that shape is one ordinary event. An expanded event's text is its
/// partial written compactly (key order kept; the template is visible in the enriched copy).
fn expand_template(obj: &Map<String, Value>) -> Option<Vec<ParsedEvent>> {
    let template = obj.get("template")?.as_object()?;
    let partials = obj.get("events")?.as_array()?;
    let mut out = Vec::with_capacity(partials.len());
    for p in partials {
        let mut event = p.as_object()?.clone();
        for (k, v) in template {
            event.insert(k.clone(), v.clone());
        }
        out.push(ParsedEvent {
            event: Some(event),
            text: p.to_string(),
            whole: false,
        });
    }
    Some(out)
}
