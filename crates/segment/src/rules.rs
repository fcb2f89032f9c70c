//! What Segment does to a message between its Tracking API and a destination, as pure
//! functions: each rule and its public source are in `docs/local-segment.md`.
//!
//! [`prepare`] takes one message as the API received it (with the batch's shared fields) and
//! gives either the message as the destination sees it, a reason Segment drops it before any
//! destination, or a reason this destination is not sent it (the `integrations` object).

use jiff::Timestamp;
use usermaven_json::{Object, Value};

use crate::clock::{iso, MessageIds};

/// The destination's name as the `integrations` object spells it.
pub const DESTINATION_NAME: &str = "Usermaven (Actions)";
/// Largest message (its JSON text), on its own or inside a batch.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// Largest `/v1/batch` body.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;
/// Most messages one batch may carry; later ones are dropped.
pub const MAX_BATCH_MESSAGES: usize = 2500;
/// The calls of the Segment Spec.
pub const TYPES: [&str; 6] = ["identify", "track", "page", "screen", "group", "alias"];

/// The fields of a request that every message in it shares: a batch's `context`,
/// `integrations` and `sentAt` (a single call's are its own).
#[derive(Default, Debug)]
pub struct Shared<'a> {
    pub sent_at: Option<&'a Value>,
    pub context: Option<&'a Object>,
    pub integrations: Option<&'a Object>,
}

/// What happens to one message.
#[derive(Debug)]
pub enum Prepared {
    /// Goes to the destination, as this value.
    Deliver(Value),
    /// Accepted by the API but not sent to this destination (`integrations`); the value is
    /// what it would have seen.
    Skipped { message: Value, reason: String },
    /// Dropped by the API: no destination sees it.
    Dropped { reason: String },
}

/// Applies Segment's rules to one `message`. `call_type` is the type a single call's path
/// gives (`/v1/track` → `track`); `None` for a batch item, which must carry its own.
pub fn prepare(
    message: Value,
    call_type: Option<&str>,
    shared: &Shared<'_>,
    received_at: Timestamp,
    ids: &mut MessageIds,
) -> Prepared {
    let Value::Object(mut m) = message else {
        return Prepared::Dropped {
            reason: "the message is not a JSON object".into(),
        };
    };
    match call_type {
        Some(t) => m.set("type", Value::str(t)),
        None => match m.get("type").and_then(Value::as_str) {
            Some(t) if TYPES.contains(&t) => {}
            Some(t) => {
                return Prepared::Dropped {
                    reason: format!("unknown message type {t:?} (expected one of {TYPES:?})"),
                }
            }
            None => {
                return Prepared::Dropped {
                    reason: "a batch message needs a \"type\"".into(),
                }
            }
        },
    }
    m.remove("writeKey");
    merge_shared(&mut m, "context", shared.context);
    merge_shared(&mut m, "integrations", shared.integrations);
    if !has_id(m.get("userId")) && !has_id(m.get("anonymousId")) {
        return Prepared::Dropped {
            reason: "no_user_anon_id: the message has neither a userId nor an anonymousId".into(),
        };
    }
    if m.get("type").and_then(Value::as_str) == Some("track")
        && !m.get("event").is_some_and(|e| has_id(Some(e)))
    {
        return Prepared::Dropped {
            reason: "a track message needs an \"event\" name".into(),
        };
    }
    if !m.get("messageId").is_some_and(|v| has_id(Some(v))) {
        m.set("messageId", Value::from(ids.next_id()));
    }
    stamp_times(&mut m, shared.sent_at, received_at);
    let skip = skipped_by_integrations(m.get("integrations"));
    let message = Value::Object(m);
    match skip {
        Some(reason) => Prepared::Skipped { message, reason },
        None => Prepared::Deliver(message),
    }
}

/// An identifier is present when it is a non-empty string or a number (`null`, `""` and other
/// values count as absent).
fn has_id(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

/// A batch's `context`/`integrations` merged under the message's own: the message's keys win.
fn merge_shared(m: &mut Object, key: &str, shared: Option<&Object>) {
    let Some(shared) = shared else { return };
    if shared.is_empty() {
        return;
    }
    let mut merged = shared.clone();
    if let Some(Value::Object(own)) = m.get(key) {
        for (k, v) in own.iter() {
            merged.set(k, v.clone());
        }
    }
    m.set(key, Value::Object(merged));
}

/// `receivedAt` is now; `originalTimestamp` is the client's `timestamp`; `timestamp` is
/// `receivedAt − (sentAt − originalTimestamp)` when both client times read as dates, the
/// client's `timestamp` when there is no `sentAt`, and `receivedAt` when the client gave none.
fn stamp_times(m: &mut Object, batch_sent_at: Option<&Value>, received_at: Timestamp) {
    let received = iso(received_at);
    if !m.contains_key("sentAt") {
        if let Some(s) = batch_sent_at {
            m.set("sentAt", s.clone());
        }
    }
    let original = m.get("timestamp").cloned().filter(|v| !v.is_null());
    let sent_at = m.get("sentAt").and_then(Value::as_str).and_then(parse_time);
    let timestamp = match &original {
        None => Value::from(received.clone()),
        Some(orig) => match (orig.as_str().and_then(parse_time), sent_at) {
            (Some(o), Some(s)) => {
                let skew = s.as_millisecond() - o.as_millisecond();
                match Timestamp::from_millisecond(received_at.as_millisecond() - skew) {
                    Ok(t) => Value::from(iso(t)),
                    Err(_) => orig.clone(),
                }
            }
            _ => orig.clone(),
        },
    };
    if let Some(orig) = original {
        m.set("originalTimestamp", orig);
    }
    m.set("receivedAt", Value::from(received));
    m.set("timestamp", timestamp);
}

/// An ISO-8601 date-time with an offset (`Z`, `+00:00`), or a date-time without one read as UTC.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    s.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
}

/// Why `integrations` keeps this message from the destination, if it does: its own key
/// decides when present (`false` skips, anything else sends), otherwise `All` (`false` skips).
pub fn skipped_by_integrations(integrations: Option<&Value>) -> Option<String> {
    let Some(Value::Object(i)) = integrations else {
        return None;
    };
    match i.get(DESTINATION_NAME) {
        Some(Value::Bool(false)) => Some(format!("integrations[{DESTINATION_NAME:?}] is false")),
        Some(_) => None,
        None => match i.get("All") {
            Some(Value::Bool(false)) => Some(format!(
                "integrations.All is false and integrations[{DESTINATION_NAME:?}] is not set"
            )),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn run(msg: &str, call: Option<&str>, shared: &Shared<'_>) -> Prepared {
        prepare(
            Value::parse(msg).unwrap(),
            call,
            shared,
            at("2026-01-01T12:00:00Z"),
            &mut MessageIds::new(1),
        )
    }

    fn delivered(p: Prepared) -> String {
        match p {
            Prepared::Deliver(v) => v.to_json(),
            other => panic!("not delivered: {other:?}"),
        }
    }

    #[test]
    fn skew_is_corrected_by_sent_at() {
        let out = delivered(run(
            r#"{"userId":"u","event":"E","timestamp":"2026-01-01T13:00:00.000Z","sentAt":"2026-01-01T13:00:01.000Z","messageId":"m"}"#,
            Some("track"),
            &Shared::default(),
        ));
        assert_eq!(
            out,
            r#"{"userId":"u","event":"E","timestamp":"2026-01-01T11:59:59.000Z","sentAt":"2026-01-01T13:00:01.000Z","messageId":"m","type":"track","originalTimestamp":"2026-01-01T13:00:00.000Z","receivedAt":"2026-01-01T12:00:00.000Z"}"#
        );
    }

    #[test]
    fn no_timestamp_means_received_at_and_an_id_is_added() {
        let out = delivered(run(
            r#"{"anonymousId":"a"}"#,
            Some("page"),
            &Shared::default(),
        ));
        let v = Value::parse(&out).unwrap();
        assert_eq!(
            v.get("timestamp").unwrap().as_str(),
            Some("2026-01-01T12:00:00.000Z")
        );
        assert!(v.get("originalTimestamp").is_none());
        assert!(v
            .get("messageId")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("api-"));
    }

    #[test]
    fn integrations_decide() {
        assert!(
            skipped_by_integrations(Some(&Value::parse(r#"{"All":false}"#).unwrap())).is_some()
        );
        assert!(skipped_by_integrations(Some(
            &Value::parse(r#"{"All":false,"Usermaven (Actions)":true}"#).unwrap()
        ))
        .is_none());
        assert!(skipped_by_integrations(Some(
            &Value::parse(r#"{"Usermaven (Actions)":false}"#).unwrap()
        ))
        .is_some());
        assert!(
            skipped_by_integrations(Some(&Value::parse(r#"{"Mixpanel":false}"#).unwrap()))
                .is_none()
        );
    }

    #[test]
    fn anonymous_messages_and_bad_types_are_dropped() {
        assert!(matches!(
            run(
                r#"{"userId":null,"anonymousId":""}"#,
                Some("identify"),
                &Shared::default()
            ),
            Prepared::Dropped { .. }
        ));
        assert!(matches!(
            run(r#"{"userId":"u","type":"bogus"}"#, None, &Shared::default()),
            Prepared::Dropped { .. }
        ));
    }

    #[test]
    fn batch_context_merges_under_the_message() {
        let ctx = Value::parse(r#"{"ip":"1.2.3.4","locale":"en"}"#).unwrap();
        let shared = Shared {
            context: ctx.as_object(),
            ..Shared::default()
        };
        let out = delivered(run(
            r#"{"type":"identify","userId":"u","context":{"locale":"fr"},"messageId":"m"}"#,
            None,
            &shared,
        ));
        assert!(
            out.contains(r#""context":{"ip":"1.2.3.4","locale":"fr"}"#),
            "{out}"
        );
    }
}
