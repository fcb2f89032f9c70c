//! `getRequestContext` (handlers/event.go): what enrichment takes from the request's head
//! (client ip, user agent, the query's cookie and ip policies).

use super::token::{header_str, query_value};
use super::Head;
use crate::model::enrich::ReqContext;

/// `source_ips` are the events' `source_ip` strings in order (the first one found is used).
pub(super) fn request_context(
    head: &Head,
    source_ips: impl IntoIterator<Item = Option<String>>,
) -> ReqContext {
    let client_ip = source_ips.into_iter().flatten().next().unwrap_or_else(|| {
        let mut ip = header_str(&head.headers, "x-forwarded-for").to_owned();
        if ip.is_empty() {
            if let Some(addr) = head.remote {
                // Go splits RemoteAddr on ':' and keeps the first part.
                let s = addr.to_string();
                ip = s.split(':').next().unwrap_or("").to_owned();
            }
        }
        match ip.split_once(',') {
            Some((first, _)) => first.trim().to_owned(),
            None => ip,
        }
    });
    let user_agent = header_str(&head.headers, "user-agent").to_owned();
    // Both names hold "policy"; a key can only decode to one without it through a '%' escape.
    let policies = head.query.contains("policy") || head.query.contains('%');
    let q = |name: &str| {
        policies
            .then(|| query_value(&head.query, |k| k == name, |_| true))
            .flatten()
            .unwrap_or_default()
    };
    ReqContext::new(client_ip, user_agent, &q("cookie_policy"), &q("ip_policy"))
}
