//! Target `mock`: arbitrary requests into `usermaven_mock::app` (tower `oneshot`, no socket).
//! The mock must never panic, and on the s2s endpoint it must answer as the collector's rules
//! say (crates/mock/README.md): token lookup first (401 and its message), then the body —
//! empty, a first byte other than `{`/`[`, the `{…}` size limit, Go decoder errors (as
//! `go_scan.rs` models them, message for message), `cannot unmarshal` for array elements that
//! are not objects, the per-element size limit, 500 for a `null` element, else 200 and one
//! stored event per element. Other paths and methods must only answer without panicking.
//!
//! Input file: `{"method","path","query","headers":[[name,value],…],"body"|"body_hex"}`.

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use usermaven_json::{Object, Value};
use usermaven_mock::{MockConfig, Store, StrictMode};

use super::go_scan::{scan, Scanned};
use super::mutate::{deep_nesting, havoc, mutate_value, print, JSON_TOKENS};
use super::rng::Rng;
use super::Target;

const KEY: &str = "fuzzkey";
const SECRET: &str = "fuzzsecret";
const MAX_EVENT: usize = 51_200;

pub struct Mock {
    rt: tokio::runtime::Runtime,
    events: Vec<Value>,
    state: Option<Store>,
    uses: u32,
    /// Responses by status, for the report.
    statuses: std::collections::BTreeMap<u16, u64>,
}

impl Mock {
    pub fn new() -> anyhow::Result<Mock> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let events = [
            r#"{"api_key":"fuzzkey","event_type":"track","user":{"id":"u1","anonymous_id":"a1"},"event_attributes":{"a":1}}"#,
            r#"{"event_type":"identify","user":{"id":"u","custom":{"__proto__":{"x":1}}},"eventn_ctx_event_id":"e1","ids":{}}"#,
            r#"{"template":{"api_key":"fuzzkey","src":"api"},"events":[{"event_type":"a","user":{"id":"1"}},{"event_type":"b","user":{"id":"2"}}]}"#,
            r#"{"event_type":"group","company":{"id":"c","name":"C","created_at":"2024-01-01T00:00:00Z"},"user":{"id":"u"},"_timestamp":1718452800000,"source_ip":"1.2.3.4"}"#,
        ]
        .iter()
        .filter_map(|t| Value::parse(t).ok())
        .collect();
        Ok(Mock {
            rt,
            events,
            state: None,
            uses: 0,
            statuses: Default::default(),
        })
    }

    fn state(&mut self) -> anyhow::Result<Store> {
        // A fresh mock now and then keeps its event store small.
        if self.state.is_none() || self.uses >= 64 {
            let config = MockConfig::new(KEY, SECRET).with_strict(StrictMode::Off);
            self.state = Some(Store::new(config)?);
            self.uses = 0;
        }
        self.uses += 1;
        self.state
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no mock state"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// How the request authenticates, and what the mock must say when it does not.
const AUTH: &[&str] = &[
    "query",
    "header",
    "bearer",
    "none",
    "wrong",
    "client-key",
    "p-query",
];

fn event(rng: &mut Rng, events: &[Value]) -> Value {
    let mut e = events[rng.below(events.len())].clone();
    for _ in 0..rng.small(3) {
        mutate_value(rng, &mut e, &[]);
    }
    e
}

fn body(rng: &mut Rng, events: &[Value]) -> Vec<u8> {
    let text = match rng.below(10) {
        0 | 1 => {
            let e = event(rng, events);
            print(rng, &e)
        }
        2 => {
            let n = rng.small(4);
            let items: Vec<Value> = (0..n).map(|_| event(rng, events)).collect();
            Value::Array(items).to_json()
        }
        3 => {
            let mut e = event(rng, events);
            if let Value::Object(o) = &mut e {
                o.set(
                    "pad",
                    Value::str(&"x".repeat(MAX_EVENT - 100 + rng.below(200))),
                );
            }
            e.to_json()
        }
        4 => {
            // Go accepts 10000 levels, but the mock overflows its stack on a few thousand
            // (cloning the decoded value recursively): fixtures/fuzz/mock/deep-object.json
            // holds that case; the loop stays below it so it can go on finding others.
            let depth = 1 + rng.small(1_500);
            let close = rng.chance(3, 4);
            deep_nesting(rng, depth, close)
        }
        5 => {
            let lead = *rng.pick(&["", " ", "\n", "\u{feff}", "x", "\"a\"", "1", "null"]);
            format!("{lead}{}", event(rng, events).to_json())
        }
        _ => {
            let a = event(rng, events).to_json();
            let b = event(rng, events).to_json();
            return havoc(rng, a.as_bytes(), b.as_bytes(), JSON_TOKENS);
        }
    };
    text.into_bytes()
}

/// What the s2s endpoint must answer: status, message (for errors), stored events.
struct Expect {
    status: u16,
    message: Option<String>,
    /// `message` is only the start of the message.
    prefix: bool,
    stored: Option<usize>,
}

/// The token the collector's lookup finds (query `token`, `X-Auth-Token`, `api_key`, the
/// first non-empty `p_*` query parameter, then `Authorization: Bearer`), read from the request
/// as sent; `None` when the request is outside what this model decides (percent-escapes or `+`
/// in the query, a Basic `Authorization`, a header value that is not plain ASCII).
fn found_token(query: &str, headers: &[(String, String)]) -> Option<String> {
    if query.contains(['%', '+']) {
        return None;
    }
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let header = |name: &str| -> Option<Option<String>> {
        match headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some((_, v)) if !v.is_ascii() => None,
            Some((_, v)) => Some(Some(v.clone())),
            None => Some(None),
        }
    };
    let q = pairs
        .iter()
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v.to_string());
    let p = pairs
        .iter()
        .find(|(k, v)| k.starts_with("p_") && !v.is_empty())
        .map(|(_, v)| v.to_string());
    let auth = header("authorization")?;
    if auth
        .as_deref()
        .is_some_and(|a| a.to_ascii_lowercase().starts_with("basic"))
    {
        return None;
    }
    let bearer = auth.and_then(|a| a.strip_prefix("Bearer ").map(str::to_string));
    let candidates = [q, header("x-auth-token")?, header("api_key")?, p, bearer];
    Some(
        candidates
            .into_iter()
            .flatten()
            .find(|t| !t.is_empty())
            .unwrap_or_default(),
    )
}

fn expect_auth(token: &str) -> Option<Expect> {
    let (status, message) = match token {
        t if t == format!("{KEY}.{SECRET}") => return None,
        "" => (401, "The token is not found: ".to_string()),
        KEY => (
            401,
            "The token isn't a server secret token. Please use an s2s integration token".into(),
        ),
        t => (401, format!("The token is not found: {t}")),
    };
    Some(Expect {
        status,
        message: Some(message),
        prefix: false,
        stored: Some(0),
    })
}

fn expect_body(body: &[u8]) -> Expect {
    let err = |m: String| Expect {
        status: 400,
        message: Some(format!("Error parsing events body: {m}")),
        prefix: false,
        stored: Some(0),
    };
    let Some(&first) = body.first() else {
        return err("empty JSON body".into());
    };
    if first != b'{' && first != b'[' {
        // How Go quotes the byte (`%q` of a rune) is the mock's business; the text before it
        // is the rule.
        return Expect {
            prefix: true,
            ..err("malformed JSON body begins with: ".into())
        };
    }
    if first == b'{' && body.len() > MAX_EVENT {
        return err(format!(
            "Event size {} exceeds limit: {MAX_EVENT}",
            body.len()
        ));
    }
    match scan(body) {
        Err(e) => err(format!("error parsing HTTP body: {e}")),
        Ok(Scanned::Array(kinds)) => {
            if let Some(k) = kinds.iter().find(|k| **k != "object" && **k != "null") {
                return err(format!(
                    "error parsing HTTP body: json: cannot unmarshal {k} into Go value of type events.Event"
                ));
            }
            if !kinds.is_empty() && body.len() > MAX_EVENT * kinds.len() {
                return err(format!("Size of one of events exceeds limit: {MAX_EVENT}"));
            }
            if kinds.contains(&"null") {
                return Expect {
                    status: 500,
                    message: None,
                    prefix: false,
                    stored: Some(0),
                };
            }
            Expect {
                status: 200,
                message: None,
                prefix: false,
                stored: Some(kinds.len()),
            }
        }
        Ok(_) => Expect {
            status: 200,
            message: None,
            prefix: false,
            // A template body expands to several events.
            stored: (!body.windows(10).any(|w| w == b"\"template\"")).then_some(1),
        },
    }
}

impl Target for Mock {
    fn name(&self) -> &'static str {
        "mock"
    }

    fn notes(&self) -> Vec<String> {
        let by: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        vec![format!("answers by status: {}", by.join(", "))]
    }

    fn input(&mut self, rng: &mut Rng) -> Vec<u8> {
        let mut o = Object::new();
        let s2s = rng.chance(7, 8);
        let auth = *rng.pick(AUTH);
        let (method, path) = if s2s {
            ("POST", "/api/v1/s2s/event".to_string())
        } else {
            let paths = [
                "/api/v1/s2s/events",
                "/api/v1/event",
                "/api/v1/s2s/event/",
                "/api.x",
                "/__mock/events",
                "/ping",
                "/%ff",
                "/api/v1/s2s/event/..",
            ];
            (
                *rng.pick(&["POST", "GET", "OPTIONS", "DELETE", "PUT", "PATCH"]),
                rng.pick(&paths).to_string(),
            )
        };
        let mut query = Vec::new();
        let mut headers: Vec<Value> = Vec::new();
        let header = |k: &str, v: &str| Value::Array(vec![Value::str(k), Value::str(v)]);
        match auth {
            "query" => query.push(format!("token={KEY}.{SECRET}")),
            "header" => headers.push(header("x-auth-token", &format!("{KEY}.{SECRET}"))),
            "bearer" => headers.push(header("authorization", &format!("Bearer {KEY}.{SECRET}"))),
            "wrong" => query.push(format!("token={KEY}.wrong")),
            "client-key" => query.push(format!("token={KEY}")),
            "p-query" => query.push(format!("p_x={KEY}.{SECRET}")),
            _ => {}
        }
        for _ in 0..rng.small(3) {
            let v = rng.pick(&[
                "", "%", "%zz", "%00", "a+b", "🎉", "=", "%E2%82", "x&&y", "a;b",
            ]);
            query.insert(rng.below(query.len() + 1), format!("x{}={v}", rng.below(9)));
        }
        for _ in 0..rng.small(4) {
            let (k, v) = *rng.pick(&[
                ("content-type", "application/json"),
                ("content-type", "text/plain; charset=utf-16"),
                ("user-agent", "Mozilla/5.0 🎉"),
                ("user-agent", ""),
                ("x-forwarded-for", "1.2.3.4, 5.6.7.8"),
                ("x-forwarded-for", ",,,"),
                ("x-forwarded-for", "not an ip"),
                ("origin", "https://a.b"),
                ("cookie", "a=b"),
                ("content-encoding", "gzip"),
                ("accept", "*/*"),
                ("x-real-ip", "::1"),
            ]);
            headers.push(header(k, v));
        }
        let body = body(rng, &self.events);
        o.set("method", Value::str(method));
        o.set("path", Value::str(&path));
        o.set("auth", Value::str(if s2s { auth } else { "any" }));
        o.set("query", Value::str(&query.join("&")));
        o.set("headers", Value::Array(headers));
        match std::str::from_utf8(&body) {
            Ok(t)
                if !t
                    .chars()
                    .any(|c| usermaven_json::lone_surrogate_unit(c).is_some()) =>
            {
                o.set("body", Value::str(t))
            }
            _ => o.set("body_hex", Value::str(&hex(&body))),
        }
        Value::Object(o).to_json().into_bytes()
    }

    fn check(&mut self, input: &[u8]) -> Result<(), String> {
        // An envelope that is not JSON (AFL mutates whole files) is no input of this target.
        let Ok(v) = Value::parse(&String::from_utf8_lossy(input)) else {
            return Ok(());
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let body = match v.get("body_hex").and_then(Value::as_str) {
            Some(h) => unhex(h),
            None => text("body").into_bytes(),
        };
        let (path, query, auth) = (text("path"), text("query"), text("auth"));
        let uri = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        };
        let mut rb = Request::builder().method(text("method").as_str()).uri(uri);
        let mut sent_headers = Vec::new();
        if let Some(Value::Array(hs)) = v.get("headers") {
            for h in hs {
                let k = h.as_array().and_then(|a| a.first()).and_then(Value::as_str);
                let val = h.as_array().and_then(|a| a.get(1)).and_then(Value::as_str);
                if let (Some(k), Some(val)) = (k, val) {
                    rb = rb.header(k, val);
                    sent_headers.push((k.to_string(), val.to_string()));
                }
            }
        }
        let Ok(req) = rb.body(Body::from(body.clone())) else {
            // Not a request HTTP can carry (bad URI or header): nothing to check.
            return Ok(());
        };
        let state = self.state().map_err(|e| format!("mock state: {e}"))?;
        let before = state.events().len();
        let app = usermaven_mock::app(state.clone());
        let (status, resp_body) = self.rt.block_on(async {
            let resp = app.oneshot(req).await.map_err(|e| format!("{e}"))?;
            let status = resp.status().as_u16();
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 26)
                .await
                .map_err(|e| format!("reading the response: {e}"))?;
            Ok::<_, String>((status, bytes))
        })?;
        let stored = state.events().len().saturating_sub(before);
        *self.statuses.entry(status).or_default() += 1;
        let s2s = path == "/api/v1/s2s/event" && text("method") == "POST";
        let token = found_token(&query, &sent_headers);
        if !s2s || auth == "any" || token.is_none() {
            return match status {
                200 | 204 | 307 | 400 | 401 | 404 | 405 | 413 | 500 => Ok(()),
                other => Err(format!("unexpected status {other} for {path}")),
            };
        }
        let expect =
            expect_auth(token.as_deref().unwrap_or("")).unwrap_or_else(|| expect_body(&body));
        let got_message = serde_json::from_slice::<serde_json::Value>(&resp_body)
            .ok()
            .and_then(|j| {
                j.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            });
        if status != expect.status {
            return Err(format!(
                "status {status}, the rules say {} ({})\n  response: {}",
                expect.status,
                expect.message.as_deref().unwrap_or("-"),
                String::from_utf8_lossy(&resp_body)
            ));
        }
        if let Some(m) = &expect.message {
            let got = got_message.as_deref().unwrap_or("");
            let same = if expect.prefix {
                got.starts_with(m.as_str())
            } else {
                got == m
            };
            if !same {
                return Err(format!(
                    "message differs from the Go decoder's\n  expected: {m}\n  response: {}",
                    String::from_utf8_lossy(&resp_body)
                ));
            }
        }
        if status == 200 && !resp_body.starts_with(b"{\"status\":\"ok\"") {
            return Err(format!(
                "200 without {{\"status\":\"ok\"}}: {}",
                String::from_utf8_lossy(&resp_body)
            ));
        }
        if let Some(n) = expect.stored {
            if n != stored {
                return Err(format!("stored {stored} event(s), the rules say {n}"));
            }
        }
        Ok(())
    }
}
