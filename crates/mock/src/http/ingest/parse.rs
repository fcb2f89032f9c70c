//! Body parsing (`jitsuParser.ParseEventsBody`): first-byte dispatch, size limits, Go
//! `encoding/json` decoding and error texts, `{"template":…,"events":[…]}` expansion.

use std::borrow::Cow;

use axum::http::StatusCode;
use serde_json::Value;

use super::respond::Reply;
use crate::json::go::{self, GoJsonError, Target};
use crate::json::lite::{self, Entries, Lite};
use crate::model::Outcome;

/// Batches with at least this many events are not decoded all at once: their syntax is checked
/// in one pass that builds nothing, and each event is decoded when a step needs it and dropped
/// after. This keeps the peak at about the body plus one event.
const LAZY_FROM: usize = 64;

/// One event of a body, borrowing from the body.
pub(super) enum ParsedEvent<'a> {
    Decoded {
        event: Entries<'a>,
        /// The event's own text as received (invalid UTF-8 replaced).
        text: Cow<'a, str>,
        /// `text` parses back to `event` (not so for a template's partial events).
        whole: bool,
    },
    /// An element of a large batch, known to be valid JSON: decoded when a step needs it.
    Lazy(&'a str),
}

impl<'a> ParsedEvent<'a> {
    /// `f` of the event's entries (decoding a lazy one for the call).
    pub(super) fn with_object<R>(&self, f: impl FnOnce(&Entries<'_>) -> R) -> Result<R, String> {
        match self {
            ParsedEvent::Decoded { event, .. } => Ok(f(event)),
            ParsedEvent::Lazy(text) => decode_object(text).map(|e| f(&e)),
        }
    }

    /// The event's entries, its text and whether the text is the whole event.
    pub(crate) fn into_parts(self) -> Result<(Entries<'a>, Cow<'a, str>, bool), String> {
        match self {
            ParsedEvent::Decoded { event, text, whole } => Ok((event, text, whole)),
            ParsedEvent::Lazy(text) => Ok((decode_object(text)?, Cow::Borrowed(text), true)),
        }
    }
}

fn decode_object(text: &str) -> Result<Entries<'_>, String> {
    match go::decode_lite(text.as_bytes(), Target::Event) {
        Ok(Lite::Object(m)) => Ok(m),
        Ok(_) => Err("error parsing HTTP body: unexpected value".into()),
        Err(e) => Err(format!("error parsing HTTP body: {e}")),
    }
}

/// A large batch's elements, if its syntax is valid and every element is an object or `null`
/// (then Go's decoder accepts it too: `serde_json` is stricter about UTF-8, surrogates, depth
/// and trailing bytes, and anything it refuses goes through the Go decoder for Go's answer).
fn lazy_batch(body: &[u8]) -> Option<Vec<Result<ParsedEvent<'_>, ParseError>>> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(body).ok()?;
    if items.len() < LAZY_FROM {
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for raw in items {
        let text = raw.get();
        out.push(match text.as_bytes().first() {
            Some(b'{') => Ok(ParsedEvent::Lazy(text)),
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
pub(crate) fn events(
    body: &[u8],
    max_event_size: usize,
) -> Result<Vec<ParsedEvent<'_>>, Box<Reply>> {
    parse_body(body, max_event_size).map_err(|e| {
        Box::new(match e {
            ParseError::Go(e) => {
                let msg = format!("Error parsing events body: {e}");
                Reply::reject(StatusCode::BAD_REQUEST, &msg, msg.clone())
            }
            // A nil map reaches the enrichment step, which panics; gin.Recovery answers 500.
            ParseError::NullEvent => Reply::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                String::new(),
                Outcome::Rejected,
                Some("null event in batch (the collector panics)".into()),
            ),
        })
    })
}

/// `bytes` as text: `text` (`bytes` already checked as UTF-8), else with invalid UTF-8 replaced.
fn text_of<'a>(bytes: &'a [u8], text: Option<&'a str>) -> Cow<'a, str> {
    text.map_or_else(|| String::from_utf8_lossy(bytes), Cow::Borrowed)
}

fn parse_body(body: &[u8], max_event_size: usize) -> Result<Vec<ParsedEvent<'_>>, ParseError> {
    // Checked once: the decoder slices its strings out of it and each event's text is a part.
    let text = std::str::from_utf8(body).ok();
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
            let (Lite::Object(obj), _) =
                go::decode_with_spans(body, text, Target::Event).map_err(go)?
            else {
                return Err(ParseError::Go(
                    "error parsing HTTP body: unexpected value".into(),
                ));
            };
            Ok(expand_template(&obj).unwrap_or_else(|| {
                vec![ParsedEvent::Decoded {
                    event: obj,
                    text: text_of(body, text),
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
            let (items, spans) =
                go::decode_with_spans(body, text, Target::EventSlice).map_err(go)?;
            let Lite::Array(items) = items else {
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
                    Lite::Object(event) => Ok(ParsedEvent::Decoded {
                        event,
                        // A span starts and ends at ASCII bytes: a part of `text` when it is.
                        text: text_of(&body[span.clone()], text.and_then(|t| t.get(span))),
                        whole: true,
                    }),
                    _ => Err(ParseError::NullEvent),
                })
                .collect()
        }
        c => Err(ParseError::Go(format!(
            "malformed JSON body begins with: {}",
            go::go_quote_rune(c)
        ))),
    }
}

/// `{"template":{…},"events":[{…},…]}`: each partial event gets the template's keys (template
/// wins). Anything else in that shape is one ordinary event. An expanded event's text is its
/// partial written compactly (key order kept; the template is visible in the enriched copy).
fn expand_template<'a>(obj: &Entries<'a>) -> Option<Vec<ParsedEvent<'a>>> {
    let template = lite::get(obj, "template")?.as_object()?;
    let Lite::Array(partials) = lite::get(obj, "events")? else {
        return None;
    };
    let mut out = Vec::with_capacity(partials.len());
    for p in partials {
        let mut event = p.as_object()?.clone();
        let text = Value::Object(lite::into_map(event.clone())).to_string();
        for (k, v) in template {
            match lite::get_mut(&mut event, k) {
                Some(old) => *old = v.clone(),
                None => event.push((k.clone(), v.clone())),
            }
        }
        out.push(ParsedEvent::Decoded {
            event,
            text: Cow::Owned(text),
            whole: false,
        });
    }
    Some(out)
}
