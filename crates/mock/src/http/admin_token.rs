//! Who may use `/__mock/`: the per-process admin token and the rules built on it.
//!
//! Stored events hold people's data and the controls can clear the store or inject faults, so:
//!
//! - A request that changes state (any method but GET/HEAD) must carry the token in the
//!   `X-Mock-Admin-Token` header. The page gets the token from its own HTML, which another
//!   site cannot read, so a link, an image or a form on another site cannot clear the store or
//!   inject faults. On a loopback bind a request that carries neither `Origin` nor
//!   `Sec-Fetch-Site` needs no token: browsers send one of them with every non-GET request, so such
//!   a request comes from a program on this machine (curl, a test), not from a web page.
//! - Bound to anything but loopback, every request under `/__mock/` (page, stream, API) needs
//!   the token: that header, `Authorization: Bearer TOKEN`, the cookie the page sets, or (GET
//!   only, to open the page from the printed link) `?admin_token=TOKEN`.
//! - On a loopback bind, a request whose `Host` header does not name a loopback host is treated
//!   as on a non-loopback bind (token required), so that a site whose name is re-bound to
//!   127.0.0.1 (DNS rebinding) cannot read the page and its token.
//!
//! The token is random per process (122 random bits of a v4 UUID) unless configured.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::answer::error;
use crate::store::Store;

/// The header that carries the admin token.
pub const ADMIN_TOKEN_HEADER: &str = "x-mock-admin-token";
/// The cookie the page gets when opened with `?admin_token=` (non-loopback binds).
const COOKIE: &str = "usermaven_mock_admin";
/// The query parameter that opens the page on a non-loopback bind.
const QUERY: &str = "admin_token";

/// The admin token and whether the server is reachable from other machines.
pub(super) struct AdminGuard<'s> {
    token: &'s str,
    /// Bound to a loopback address (the default).
    loopback: bool,
}

impl std::fmt::Debug for AdminGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminGuard")
            .field("token", &"**REDACTED**")
            .field("loopback", &self.loopback)
            .finish()
    }
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// A non-loopback `Host` on a loopback bind, without the token.
    ForeignHost,
    /// No token, or a wrong one.
    Token,
}

impl<'s> AdminGuard<'s> {
    /// The store's admin token, on the store's bind.
    pub(crate) fn of(store: &'s Store) -> Self {
        AdminGuard {
            token: store.admin_token(),
            loopback: store.config().bind.ip().is_loopback(),
        }
    }

    pub(crate) fn token(&self) -> &'s str {
        self.token
    }

    fn is_token(&self, candidate: &str) -> bool {
        constant_time_eq(candidate.as_bytes(), self.token.as_bytes())
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

    fn cookie_token(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .any(|(k, v)| k == COOKIE && self.is_token(v))
    }

    fn query_token(&self, query: &str) -> bool {
        form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == QUERY && self.is_token(&v))
    }

    /// Whether the token in `?admin_token=` is the right one (the page then sets the cookie).
    pub(super) fn query_opens(&self, query: &str) -> bool {
        self.query_token(query)
    }

    /// Applies the rules of this module's doc to one request.
    pub(crate) fn check(
        &self,
        method: &Method,
        query: &str,
        headers: &HeaderMap,
    ) -> Result<(), Refusal> {
        // Loopback, reached under a loopback name: the open case. Under any other name (DNS
        // rebinding, or a name of the user's own for 127.0.0.1) the token rules of a
        // non-loopback bind apply.
        let open = self.loopback && host_is_loopback(headers);
        let refusal = if self.loopback && !open {
            Refusal::ForeignHost
        } else {
            Refusal::Token
        };
        let header_ok = Self::header_token(headers).is_some_and(|t| self.is_token(t));
        let reads = matches!(*method, Method::GET | Method::HEAD);
        let ok = if reads {
            open || header_ok || self.cookie_token(headers) || self.query_token(query)
        } else {
            let from_browser =
                headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site");
            header_ok || (open && !from_browser)
        };
        if ok {
            Ok(())
        } else {
            Err(refusal)
        }
    }

    /// `Set-Cookie` for the page opened with the right `?admin_token=` (only the page sets it;
    /// HttpOnly, SameSite=Strict, so other sites' requests never carry it).
    pub(crate) fn cookie(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!(
            "{COOKIE}={}; Path=/__mock/; HttpOnly; SameSite=Strict",
            self.token
        ))
        .ok()
    }
}

/// Compares without stopping at the first difference (the time taken tells nothing about how
/// much of a guess was right). Hand-written: three lines, not worth a dependency.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Host` names a loopback address (`localhost`, `*.localhost`, `127.x.y.z`, `[::1]`); a
/// request without `Host` (HTTP/1.0, `oneshot` tests) is from this machine's own client.
fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return !headers.contains_key(header::HOST);
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Middleware for every `/__mock/` route.
pub(crate) async fn guard(State(state): State<Store>, req: Request, next: Next) -> Response {
    let admin = AdminGuard::of(&state);
    let query = req.uri().query().unwrap_or("");
    match admin.check(req.method(), query, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(Refusal::ForeignHost) => error(
            StatusCode::FORBIDDEN,
            format!("the mock is bound to loopback: use a loopback host name (127.0.0.1, localhost) in the URL, or send the admin token (set it with --admin-token; header {ADMIN_TOKEN_HEADER})"),
        ),
        Err(Refusal::Token) => error(
            StatusCode::UNAUTHORIZED,
            format!("this needs the mock's admin token (header {ADMIN_TOKEN_HEADER}; printed at start, or set with --admin-token)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn loopback_reads_are_open_writes_from_browsers_need_the_token() {
        let g = AdminGuard {
            token: "tok-123",
            loopback: true,
        };
        let host = ("host", "127.0.0.1:8000");
        assert_eq!(g.check(&Method::GET, "", &headers(&[host])), Ok(()));
        assert_eq!(g.check(&Method::DELETE, "", &headers(&[host])), Ok(()));
        let browser = headers(&[host, ("origin", "http://evil.example")]);
        assert_eq!(g.check(&Method::POST, "", &browser), Err(Refusal::Token));
        let fetch_site = headers(&[host, ("sec-fetch-site", "cross-site")]);
        assert_eq!(g.check(&Method::POST, "", &fetch_site), Err(Refusal::Token));
        let page = headers(&[
            host,
            ("origin", "http://127.0.0.1:8000"),
            (ADMIN_TOKEN_HEADER, "tok-123"),
        ]);
        assert_eq!(g.check(&Method::POST, "", &page), Ok(()));
        let wrong = headers(&[host, ("origin", "x"), (ADMIN_TOKEN_HEADER, "tok-124")]);
        assert_eq!(g.check(&Method::POST, "", &wrong), Err(Refusal::Token));
        // A cookie is not enough for a write (it is ambient), nor the query.
        let cookie = headers(&[
            host,
            ("origin", "x"),
            ("cookie", "usermaven_mock_admin=tok-123"),
        ]);
        assert_eq!(
            g.check(&Method::POST, "admin_token=tok-123", &cookie),
            Err(Refusal::Token)
        );
    }

    #[test]
    fn loopback_bind_refuses_foreign_host_names() {
        let g = AdminGuard {
            token: "a-random-token",
            loopback: true,
        };
        for ok in [
            "localhost",
            "localhost:1",
            "127.0.0.1",
            "127.1.2.3:9",
            "[::1]:80",
            "app.localhost",
        ] {
            assert_eq!(
                g.check(&Method::GET, "", &headers(&[("host", ok)])),
                Ok(()),
                "{ok}"
            );
        }
        let with_token = AdminGuard {
            token: "tok-9",
            loopback: true,
        };
        let named = headers(&[("host", "my-mock.test:8000"), (ADMIN_TOKEN_HEADER, "tok-9")]);
        assert_eq!(with_token.check(&Method::GET, "", &named), Ok(()));
        assert_eq!(
            with_token.check(
                &Method::GET,
                "admin_token=tok-9",
                &headers(&[("host", "my-mock.test")])
            ),
            Ok(())
        );
        for bad in [
            "evil.example",
            "evil.example:8000",
            "10.0.0.1",
            "localhost.evil.example",
        ] {
            assert_eq!(
                g.check(&Method::GET, "", &headers(&[("host", bad)])),
                Err(Refusal::ForeignHost),
                "{bad}"
            );
        }
    }

    #[test]
    fn non_loopback_needs_the_token_everywhere() {
        let g = AdminGuard {
            token: "s3cret-token",
            loopback: false,
        };
        let none = headers(&[("host", "10.0.0.5:8000")]);
        assert_eq!(g.check(&Method::GET, "", &none), Err(Refusal::Token));
        assert_eq!(g.check(&Method::DELETE, "", &none), Err(Refusal::Token));
        assert_eq!(
            g.check(&Method::GET, "admin_token=s3cret-token", &none),
            Ok(())
        );
        assert_eq!(
            g.check(&Method::GET, "admin_token=s3cret-tokeN", &none),
            Err(Refusal::Token)
        );
        let cookie = headers(&[("cookie", "a=b; usermaven_mock_admin=s3cret-token")]);
        assert_eq!(g.check(&Method::GET, "", &cookie), Ok(()));
        let bearer = headers(&[("authorization", "Bearer s3cret-token")]);
        assert_eq!(g.check(&Method::GET, "", &bearer), Ok(()));
        assert_eq!(g.check(&Method::PUT, "", &bearer), Ok(()));
        let header = headers(&[(ADMIN_TOKEN_HEADER, "s3cret-token")]);
        assert_eq!(g.check(&Method::POST, "", &header), Ok(()));
    }

    #[test]
    fn debug_hides_the_token() {
        let g = AdminGuard {
            token: "s3cret-token",
            loopback: true,
        };
        assert!(!format!("{g:?}").contains("s3cret-token"));
    }
}
