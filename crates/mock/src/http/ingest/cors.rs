//! The CORS layer of the browser paths (`server/middleware/cors.go`): it adds the CORS headers
//! and rejects unknown tokens itself, before routing.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use super::respond::{error_body, response};
use super::route::BROWSER_PATHS;
use super::token::extract_token;
use super::{Early, Head};
use crate::store::Store;

fn is_browser_cors_path(path: &str) -> bool {
    BROWSER_PATHS.contains(&path) || path.contains("/api.")
}

fn default_cors_headers(h: &mut HeaderMap) {
    let pairs = [
        ("access-control-max-age", "86400"),
        ("access-control-allow-methods", "POST, GET, OPTIONS, PUT, DELETE, UPDATE, PATCH"),
        (
            "access-control-allow-headers",
            "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, Host, X-Auth-Token",
        ),
        ("access-control-allow-credentials", "true"),
    ];
    for (k, v) in pairs {
        h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
    }
}

/// On a browser path: fills `extra` with the CORS headers and answers requests whose token is no
/// workspace's api key. Other paths pass untouched.
pub(super) fn layer(state: &Store, head: &Head, extra: &mut HeaderMap) -> Option<Early> {
    if !is_browser_cors_path(&head.path) {
        return None;
    }
    default_cors_headers(extra);
    let (token, _) = extract_token(&head.query, &head.headers);
    let origin = head
        .headers
        .get(header::ORIGIN)
        .cloned()
        .unwrap_or(HeaderValue::from_static(""));
    extra.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    let known = state
        .workspaces()
        .iter()
        .any(|w| !token.is_empty() && w.api_key == token);
    if known {
        return None;
    }
    if head.method == Method::OPTIONS {
        return Some(Early::Answer(response(StatusCode::OK, None, String::new())));
    }
    // Written with w.Write (no Content-Type), so Go sniffs text/plain.
    let res = response(
        StatusCode::UNAUTHORIZED,
        Some("text/plain; charset=utf-8"),
        error_body(&format!("The token is not found: {token}")),
    );
    if head.method != Method::POST {
        return Some(Early::Answer(res));
    }
    let reason = if token.is_empty() {
        "no token"
    } else {
        "unknown token"
    };
    Some(Early::Reject {
        response: res,
        reason,
        token,
    })
}
