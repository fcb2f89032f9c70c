//! `send --replay`: the requests of a dead-letter file, queued again with their URL rebuilt
//! by the destination's own URL builder from the current credentials.

use std::path::Path;
use std::sync::Arc;

use usermaven_destination::{Request, Secret};
use usermaven_sender::{CancellationToken, Envelope};

use super::events::{Meta, ReadStats};

/// Read a dead-letter file and queue its requests, each with `url`: the URL the destination
/// builds for the current credentials and endpoint.
pub(super) fn read_replay(
    path: &Path,
    url: &Secret,
    tx: &tokio::sync::mpsc::Sender<Envelope<Meta>>,
    shutdown: &CancellationToken,
) -> anyhow::Result<ReadStats> {
    let source = usermaven_input::Source::file(path);
    let mut lines = usermaven_input::Lines::new(vec![source], usermaven_input::Options::default());
    let mut stats = ReadStats::default();
    let mut last = 0u64;
    loop {
        if shutdown.is_cancelled() {
            stats.stopped_after = Some(lines.place(0, last));
            break;
        }
        let Some(item) = lines.next_line() else { break };
        stats.lines += 1;
        let (line_no, entry) = match item {
            Ok(line) => (line.number, replay_entry(line.text, url)),
            Err(e) => (e.line, Err(e.to_string())),
        };
        last = line_no;
        let (meta, request) = match entry {
            Ok(e) => e,
            Err(msg) => {
                stats.bad_lines += 1;
                eprintln!("{}: {msg}; skipped", lines.place(0, line_no));
                continue;
            }
        };
        stats.requests += 1;
        if let Err(closed) = tx.blocking_send(Envelope {
            id: line_no,
            meta,
            request,
        }) {
            stats.unsent.push(closed.0);
            stats.stopped_after = Some(lines.place(0, line_no));
            break;
        }
    }
    Ok(stats)
}

/// The request of one dead-letter line, sent to `url`. The line's own (redacted) URL is not
/// used: the destination's builder gives the exact bytes a fresh run would send, for any
/// character of the token.
fn replay_entry(line: &str, url: &Secret) -> Result<(Meta, Request), String> {
    // usermaven_json, not serde_json: dead-letter events may hold lone surrogates (as JS
    // strings can), which serde_json rejects.
    let v = usermaven_json::Value::parse(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let field = |k: &str| v.get(k).and_then(usermaven_json::Value::as_str);
    let body = field("body").ok_or("no \"body\" (nothing to re-send)")?;
    let method = match field("method").unwrap_or("POST") {
        "POST" => "POST",
        "PUT" => "PUT",
        other => return Err(format!("unsupported method {other:?}")),
    };
    let headers = v
        .get("headers")
        .and_then(usermaven_json::Value::as_array)
        .map(|hs| {
            hs.iter()
                .filter_map(|h| {
                    let pair = h.as_array()?;
                    Some((
                        pair.first()?.as_str()?.to_string().into(),
                        pair.get(1)?.as_str()?.to_string().into(),
                    ))
                })
                .collect()
        })
        .unwrap_or_else(|| vec![("content-type".into(), "application/json".into())]);
    let action = Arc::from(field("action").unwrap_or("unknown"));
    let meta = Meta {
        file: field("file").map(Arc::from),
        seq: 0,
        line: v
            .get("line")
            .and_then(usermaven_json::Value::as_f64)
            .filter(|n| *n >= 0.0)
            .map_or(0, |n| n as u64),
        action,
        subscription: Arc::from(field("subscription").unwrap_or("")),
        event: v
            .get("event")
            .filter(|e| !e.is_null())
            .map(|e| Arc::from(e.to_json())),
    };
    let request = Request {
        url: url.clone(),
        method,
        headers,
        body: body.to_string(),
    };
    Ok((meta, request))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use usermaven_destination::{Destination, FixedEnv, Options, Settings};
    use usermaven_sender::{Delivery, EventResult};

    use super::*;
    use crate::send_cmd::dead_letter::DeadLetter;

    const EVENT: &str = r#"{"type":"track","event":"E","userId":"u","messageId":"m","timestamp":"2025-01-01T00:00:00Z"}"#;

    /// Route `EVENT` with these credentials, dead-letter the request, replay the line: the
    /// replayed request is the original, byte for byte.
    fn round_trip(key: &str, token: &str) -> (Request, Request) {
        let dest = Destination::new(Settings::new(key, token), Options::default());
        let mut env = FixedEnv::new("2025-01-01T00:00:00Z".parse().expect("now"), 1);
        let routed = dest.route_text(EVENT, &mut env).expect("routes");
        let original = routed
            .into_iter()
            .next()
            .expect("one")
            .result
            .expect("request");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dl.ndjson");
        let mut dead = DeadLetter::new(path.clone());
        let result = EventResult {
            id: 1,
            meta: Meta {
                file: None,
                seq: 0,
                line: 1,
                action: "track".into(),
                subscription: "Track Event".into(),
                event: Some(EVENT.into()),
            },
            request: original.clone(),
            delivery: Delivery::NotSent {
                reason: "test".into(),
            },
            oversize: false,
            batch_size: 1,
        };
        dead.write(&result).expect("dead letter");
        drop(dead);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains(&format!("{key}.{token}")) || key.is_empty());
        let url = usermaven_destination::request_url(dest.settings(), dest.options()).0;
        let (meta, replayed) = replay_entry(text.trim_end(), &url).expect("entry");
        assert_eq!((meta.line, meta.action.as_ref()), (1, "track"));
        (original, replayed)
    }

    #[test]
    fn a_replayed_request_is_the_original() {
        for (k, t) in [
            ("k", "t+/"),
            ("pk live", "s#e?c&r=e%t"),
            ("ключ", "{}|\\^`\"'<>"),
        ] {
            let (a, b) = round_trip(k, t);
            assert_eq!(a, b, "{k:?} {t:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn replay_is_byte_identical_for_every_token_character(
            key in "\\PC{1,12}",
            token in any::<String>().prop_filter("non-empty", |t| !t.is_empty()),
        ) {
            let (a, b) = round_trip(&key, &token);
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn lines_without_a_body_or_json_are_errors() {
        let url = Secret::new("http://x/");
        assert!(replay_entry(r#"{"url":"http://x/?token=REDACTED"}"#, &url).is_err());
        assert!(replay_entry(r#"{"body":"{}","method":"GET"}"#, &url).is_err());
        assert!(replay_entry("nope", &url).is_err());
    }
}
