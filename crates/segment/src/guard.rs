//! Who may use the page and `/__segment/`: the mock's page rules (crates/mock/README.md), with
//! this server's own token, header and cookie.
//!
//! - Reads (GET/HEAD) are open on a loopback bind reached under a loopback host name; anywhere
//!   else they need the token (header, `Authorization: Bearer`, the page's cookie, or
//!   `?admin_token=` to open the page from the printed link).
//! - Anything that changes state needs the token in the header, except on a loopback bind for a
//!   request that carries neither `Origin` nor `Sec-Fetch-Site` (a program, not a web page).
//! - A non-loopback `Host` on a loopback bind (DNS rebinding) is treated as a remote bind.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::Segment;

/// The header that carries the admin token.
pub const ADMIN_TOKEN_HEADER: &str = "x-segment-admin-token";
const COOKIE: &str = "usermaven_segment_admin";
const QUERY: &str = "admin_token";

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn header_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers
        .get(ADMIN_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.trim());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

fn cookie_token(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && same(v, token))
}

pub(crate) fn query_token(query: &str, token: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == QUERY && same(&v, token))
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return !headers.contains_key(header::HOST);
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a request may pass.
pub(crate) fn allowed(
    segment: &Segment,
    method: &Method,
    query: &str,
    headers: &HeaderMap,
) -> bool {
    let token = segment.admin_token();
    let open = segment.config().loopback && host_is_loopback(headers);
    let header_ok = header_token(headers).is_some_and(|t| same(t, token));
    if matches!(*method, Method::GET | Method::HEAD) {
        open || header_ok || cookie_token(headers, token) || query_token(query, token)
    } else {
        let from_browser =
            headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site");
        header_ok || (open && !from_browser)
    }
}

/// The cookie the page sets when opened with the right `?admin_token=`.
pub(crate) fn cookie(segment: &Segment) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        segment.admin_token()
    ))
    .ok()
}

/// Middleware for the page and `/__segment/`.
pub(crate) async fn guard(State(segment): State<Segment>, req: Request, next: Next) -> Response {
    let query = req.uri().query().unwrap_or("");
    if allowed(&segment, req.method(), query, req.headers()) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({
            "message": format!("this needs the local Segment's admin token (header {ADMIN_TOKEN_HEADER}; printed at start, or set with --admin-token)")
        })),
    )
        .into_response()
}
