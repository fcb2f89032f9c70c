//! Routing (`server/routers/router.go` under gin): which paths ingest, `/ping`, OPTIONS, gin's
//! trailing-slash redirect and 404.

use axum::http::{header, HeaderValue, Method, StatusCode};

use super::respond::response;
use super::token::extract_token;
use super::{Early, Head};
use crate::model::strict::Channel;

pub(super) const S2S_PATHS: &[&str] = &[
    "/api/v1/s2s/event",
    "/api/v1/s2s/event/",
    "/api/v1/s2s/events",
];
pub(super) const BROWSER_PATHS: &[&str] = &["/api/v1/event", "/api/v1/events"];

/// `/api.:ignored`: one path segment starting with `/api.`.
fn is_random_browser_path(path: &str) -> bool {
    path.strip_prefix("/api.")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

fn trailing_slash_twin(path: &str) -> Option<String> {
    let all = S2S_PATHS.iter().chain(BROWSER_PATHS);
    let twin = match path.strip_suffix('/') {
        Some(p) => p.to_owned(),
        None => format!("{path}/"),
    };
    all.into_iter().any(|p| *p == twin).then_some(twin)
}

/// The channel of an ingestion request, or the answer to anything else.
pub(crate) fn route(head: &Head) -> Result<Channel, Box<Early>> {
    let path = head.path.as_str();
    let method = &head.method;
    if method == Method::OPTIONS {
        return Err(Box::new(Early::Answer(response(
            StatusCode::OK,
            None,
            String::new(),
        ))));
    }
    let is_s2s = S2S_PATHS.contains(&path);
    let is_browser = BROWSER_PATHS.contains(&path) || is_random_browser_path(path);
    if method == Method::GET && path == "/ping" {
        return Err(Box::new(Early::Answer(response(
            StatusCode::OK,
            Some("text/plain; charset=utf-8"),
            "pong".into(),
        ))));
    }
    if method == Method::POST && is_s2s {
        return Ok(Channel::S2s);
    }
    if method == Method::POST && is_browser {
        return Ok(Channel::Browser);
    }
    let (token, _) = extract_token(&head.query, &head.headers);
    // gin: a registered path with a trailing-slash twin redirects (307 for non-GET).
    if method == Method::POST {
        if let Some(target) = trailing_slash_twin(path) {
            let mut res = response(StatusCode::TEMPORARY_REDIRECT, None, String::new());
            let loc = if head.query.is_empty() {
                target
            } else {
                format!("{target}?{}", head.query)
            };
            if let Ok(v) = HeaderValue::from_str(&loc) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            return Err(Box::new(Early::Reject {
                response: res,
                reason: "trailing-slash redirect (307)",
                token,
            }));
        }
    }
    Err(Box::new(Early::Reject {
        response: response(
            StatusCode::NOT_FOUND,
            Some("text/plain"),
            "404 page not found".into(),
        ),
        reason: "no such route (404)",
        token,
    }))
}
