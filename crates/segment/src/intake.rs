//! Segment's HTTP Tracking API as the SDKs call it: `/v1/batch` and `/v1/import`, the single
//! calls (`/v1/track` …) and analytics.js's short forms (`/v1/t` …, `/v1/b` for its batching
//! strategy). Bodies are JSON whatever the `Content-Type` says (analytics.js sends
//! `text/plain`), gzip is accepted, the write key comes from Basic auth or the body's
//! `writeKey`. Every rule applied here is listed, with its source, in `docs/local-segment.md`.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use usermaven_json::Value;

use crate::cors;
use crate::model::{Message, Outcome};
use crate::pipeline::Job;
use crate::rules::{self, Prepared, Shared};
use crate::state::Segment;

/// The type a call's path gives its message; `None` for the batch paths.
enum Call {
    Batch,
    Single(&'static str),
}

fn call_of(path: &str) -> Option<Call> {
    Some(match path {
        "batch" | "import" | "b" => Call::Batch,
        "identify" | "i" => Call::Single("identify"),
        "track" | "t" => Call::Single("track"),
        "page" | "p" => Call::Single("page"),
        "screen" | "s" => Call::Single("screen"),
        "group" | "g" => Call::Single("group"),
        "alias" | "a" => Call::Single("alias"),
        _ => return None,
    })
}

/// At most this much of a body that is no JSON is kept for the page.
const KEPT_BAD_BODY: usize = 10_000;

/// A refusal: the status and message of the answer, and the row the page shows.
struct Refused {
    status: StatusCode,
    message: String,
    /// The message's row is already stored.
    recorded: bool,
}

fn refused(status: StatusCode, message: impl Into<String>) -> Refused {
    Refused {
        status,
        message: message.into(),
        recorded: false,
    }
}

/// `{"success":true}` or `{"success":false,"message":…}`, with the CORS headers.
fn answer(headers: &HeaderMap, status: StatusCode, message: Option<&str>) -> Response {
    let body = match message {
        None => r#"{"success":true}"#.to_string(),
        Some(m) => {
            let mut o = usermaven_json::Object::new();
            o.set("success", Value::Bool(false));
            o.set("message", Value::str(m));
            Value::Object(o).to_json()
        }
    };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    cors::allow(headers, response.headers_mut());
    response
}

/// `POST /v1/{call}`.
pub(crate) async fn api(
    State(segment): State<Segment>,
    Path(call): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(kind) = call_of(&call) else {
        return answer(&headers, StatusCode::NOT_FOUND, Some("not found"));
    };
    let path = format!("/v1/{call}");
    let received_at = segment.config().clock.now();
    match accept(&segment, &kind, &path, &headers, &body, received_at).await {
        Ok(()) => answer(&headers, StatusCode::OK, None),
        Err(r) if r.recorded => answer(&headers, r.status, Some(&r.message)),
        Err(r) => {
            segment.record(Message {
                id: 0,
                version: 0,
                received_at: crate::clock::iso(received_at),
                path,
                index: 0,
                write_key: write_key_from_auth(&headers),
                received: lossy_prefix(&body, KEPT_BAD_BODY),
                seen: None,
                outcome: Outcome::Dropped,
                reason: Some(format!("HTTP {}: {}", r.status.as_u16(), r.message)),
                routes: Vec::new(),
                r#type: None,
                event: None,
                user_id: None,
                anonymous_id: None,
                run_env: None,
            });
            answer(&headers, r.status, Some(&r.message))
        }
    }
}

async fn accept(
    segment: &Segment,
    kind: &Call,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    received_at: jiff::Timestamp,
) -> Result<(), Refused> {
    let limit = match kind {
        Call::Batch => rules::MAX_BATCH_BYTES,
        Call::Single(_) => rules::MAX_MESSAGE_BYTES,
    };
    let text = decode(headers, body, limit)?;
    let value = Value::parse(&text).map_err(|e| {
        refused(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid JSON: {} at line {} column {}",
                e.message, e.line, e.column
            ),
        )
    })?;
    drop(text);
    let Value::Object(body) = value else {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "Invalid JSON: the body is not an object",
        ));
    };
    let write_key = write_key_from_auth(headers).or_else(|| {
        body.get("writeKey")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
    });
    let Some(write_key) = write_key else {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "no write key: send it as Basic auth (the key as user name) or as \"writeKey\" in the body",
        ));
    };
    let keys = &segment.config().write_keys;
    let unknown_key = !keys.is_empty() && !keys.contains(&write_key);

    let (items, shared_owner, call_type): (
        Vec<Value>,
        Option<usermaven_json::Object>,
        Option<&str>,
    ) = match kind {
        Call::Single(t) => (vec![Value::Object(body)], None, Some(*t)),
        Call::Batch => {
            let mut body = body;
            let items = match body.remove("batch") {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(refused(
                        StatusCode::BAD_REQUEST,
                        "a batch body needs \"batch\", an array of messages",
                    ))
                }
            };
            (items, Some(body), None)
        }
    };
    let shared = match &shared_owner {
        Some(b) => Shared {
            sent_at: b.get("sentAt"),
            context: b.get("context").and_then(Value::as_object),
            integrations: b.get("integrations").and_then(Value::as_object),
        },
        None => Shared::default(),
    };

    let received_iso = crate::clock::iso(received_at);
    // Stored and queued under the intake lock: ids and the destination's order agree.
    let mut intake = segment.inner.intake.lock().await;
    for (index, item) in items.into_iter().enumerate() {
        let received = item.to_json();
        let mut message = Message {
            id: 0,
            version: 0,
            received_at: received_iso.clone(),
            path: path.to_string(),
            index,
            write_key: Some(write_key.clone()),
            received,
            seen: None,
            outcome: Outcome::Dropped,
            reason: None,
            routes: Vec::new(),
            r#type: None,
            event: None,
            user_id: None,
            anonymous_id: None,
            run_env: None,
        };
        describe(&mut message, &item);
        let prepared = if unknown_key {
            Prepared::Dropped {
                reason: "unknown write key (Segment answers 200 and drops the message)".into(),
            }
        } else if message.received.len() > rules::MAX_MESSAGE_BYTES {
            Prepared::Dropped {
                reason: format!(
                    "the message is {} bytes, over Segment's {} KB limit per message",
                    message.received.len(),
                    rules::MAX_MESSAGE_BYTES / 1024
                ),
            }
        } else if index >= rules::MAX_BATCH_MESSAGES {
            Prepared::Dropped {
                reason: format!(
                    "message {} of the batch is past Segment's {} messages per batch",
                    index + 1,
                    rules::MAX_BATCH_MESSAGES
                ),
            }
        } else {
            rules::prepare(item, call_type, &shared, received_at, &mut intake.ids)
        };
        match prepared {
            Prepared::Dropped { reason } => {
                // A single call without a user gets Segment's error as the answer.
                if call_type.is_some() && reason.starts_with("no_user_anon_id") {
                    message.reason = Some(reason.clone());
                    segment.record(message);
                    return Err(Refused {
                        status: StatusCode::BAD_REQUEST,
                        message: reason,
                        recorded: true,
                    });
                }
                message.reason = Some(reason);
                segment.record(message);
            }
            Prepared::Skipped {
                message: seen,
                reason,
            } => {
                describe(&mut message, &seen);
                message.seen = Some(seen.to_json());
                message.outcome = Outcome::Skipped;
                message.reason = Some(reason);
                segment.record(message);
            }
            Prepared::Deliver(seen) => {
                describe(&mut message, &seen);
                let text = seen.to_json();
                message.seen = Some(text.clone());
                message.outcome = Outcome::Queued;
                let id = segment.record(message);
                if intake.queue.send(Job { id, text }).await.is_err() {
                    return Err(refused(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the local Segment is shutting down",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The filter fields of a message.
fn describe(message: &mut Message, value: &Value) {
    let field = |k: &str| match value.get(k) {
        Some(Value::String(s)) => Some(s.to_string()),
        Some(v @ Value::Number(_)) => Some(v.to_json()),
        _ => None,
    };
    message.r#type = field("type").or(message.r#type.take());
    message.event = field("event").or(message.event.take());
    message.user_id = field("userId").or(message.user_id.take());
    message.anonymous_id = field("anonymousId").or(message.anonymous_id.take());
}

/// The body as text: gunzipped when `Content-Encoding: gzip` says so (or its bytes do), at
/// most `limit` bytes, valid UTF-8.
fn decode(headers: &HeaderMap, body: &[u8], limit: usize) -> Result<String, Refused> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"))
        || body.starts_with(&[0x1f, 0x8b]);
    let too_big = |n: usize| {
        refused(
            StatusCode::BAD_REQUEST,
            format!(
                "the body is over Segment's {} KB limit for this call ({n} bytes or more)",
                limit / 1024
            ),
        )
    };
    let bytes = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| {
                refused(
                    StatusCode::BAD_REQUEST,
                    format!("the gzip body does not inflate: {e}"),
                )
            })?;
        out
    } else {
        body.to_vec()
    };
    if bytes.len() > limit {
        return Err(too_big(bytes.len()));
    }
    String::from_utf8(bytes).map_err(|e| {
        refused(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid JSON: the body is not UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The write key of `Authorization: Basic base64(KEY:)` (the user name).
pub(crate) fn write_key_from_auth(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let key = text.split_once(':').map_or(text.as_str(), |(k, _)| k);
    (!key.is_empty()).then(|| key.to_string())
}

fn lossy_prefix(body: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&body[..body.len().min(max)]).into_owned()
}
