//! Body parsing (`jitsuParser.ParseEventsBody`): first-byte dispatch, size limits, Go
//! `encoding/json` decoding and error texts, `{"template":…,"events":[…]}` expansion.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::respond::Outcome;
use crate::gojson::{self, GoJsonError, Target};

/// One event of a body: its parsed value and its own text as received.
pub(crate) struct ParsedEvent {
    pub(crate) event: Map<String, Value>,
    pub(crate) text: String,
    /// `text` parses back to `event` (not so for a template's partial events).
    pub(crate) whole: bool,
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
                    event: obj,
                    text: lossy(body),
                    whole: true,
                }]
            }))
        }
        b'[' => {
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
                        event,
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
            event,
            text: p.to_string(),
            whole: false,
        });
    }
    Some(out)
}
