//! The live page at `/__mock/`: HTML, script and style compiled into the binary
//! (`src/assets/`, plain files, no build step, nothing fetched at run time).
//!
//! The HTML carries two things filled in per request: the admin token (in a `<meta>`; the page
//! sends it with every control request, see `admin_token.rs`) and the first screen of
//! rows as a JSON data block, so the list shows stored events as soon as the page's script has
//! run, before the live stream connects (this is what `chromium --headless --dump-dom` sees).
//! Event data only ever reaches the DOM as text: the script builds elements and sets
//! `textContent`; the Content-Security-Policy allows no inline script at all.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use super::admin_token::AdminGuard;
use super::live;
use super::params::EventParams;
use crate::store::Store;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// What the page may load and do: only its own script, style and API; no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Text safe inside a double-quoted HTML attribute.
fn attr_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the block or
/// open a comment (they only occur inside strings, where `\u003c` means the same).
fn json_block_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn with_page_headers(mut res: Response, content_type: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    res
}

/// `GET /__mock` → `/__mock/`.
pub(super) async fn redirect_to_page(uri: Uri) -> Redirect {
    match uri.query() {
        Some(q) => Redirect::permanent(&format!("/__mock/?{q}")),
        None => Redirect::permanent("/__mock/"),
    }
}

/// `GET /__mock/`: the page. Opened with `?admin_token=` (the link printed on a non-loopback
/// bind), it sets the cookie and sends the browser on to the bare URL, so the token does not stay
/// in the address bar or the history.
pub(crate) async fn page(
    State(state): State<Store>,
    uri: Uri,
    Query(params): Query<EventParams>,
) -> Response {
    let admin = AdminGuard::of(&state);
    let query = uri.query().unwrap_or("");
    if admin.query_opens(query) {
        let mut res = Redirect::to("/__mock/").into_response();
        if let Some(cookie) = admin.cookie() {
            res.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return res;
    }
    let q = params.query().unwrap_or_default();
    let first = live::first_screen(&state, &q);
    let html = INDEX_HTML
        .replace("__ADMIN_TOKEN__", &attr_escape(admin.token()))
        .replace("__FIRST_SCREEN__", &json_block_escape(&first.to_string()));
    with_page_headers(html.into_response(), "text/html; charset=utf-8")
}

pub(super) async fn app_js() -> Response {
    with_page_headers(APP_JS.into_response(), "text/javascript; charset=utf-8")
}

pub(super) async fn app_css() -> Response {
    with_page_headers(APP_CSS.into_response(), "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_block_cannot_close_the_script() {
        let s = serde_json::json!({"e": "</script><img src=x onerror=alert(1)>&amp;\u{2028}"});
        let out = json_block_escape(&s.to_string());
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn attribute_escape() {
        assert_eq!(attr_escape(r#"a"<>&'b"#), "a&quot;&lt;&gt;&amp;&#39;b");
    }
}
