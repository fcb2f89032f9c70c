//! The request journal: one redacted [`Entry`] per ingestion-side request.

use std::borrow::Cow;
use std::time::Instant;

use axum::body::Body;
use axum::response::Response;

use super::clock::now_rfc3339;
use super::redact::{redact, redact_query, redacted_header_lines, secrets};
use super::respond::{with_headers, Reply};
use super::token::{extract_token, TokenSource};
use super::{Ctx, Head};
use crate::model::{Notice, Outcome};
use crate::store::journal::{Entry, Meta, Texts};
use crate::store::Store;

fn micros(d: std::time::Duration) -> u64 {
    d.as_micros().try_into().unwrap_or(u64::MAX)
}

/// Jitsu keeps at most this much of a malformed body (`max_malformed_event_size_bytes`).
const LOGGED_BODY_MAX: usize = 10_000;

/// Records a request that went through the pipeline; `status` is what was sent (`None`: dropped).
pub(crate) fn record(ctx: &Ctx, out: &Reply, status: Option<u16>) {
    let secrets = secrets(&ctx.state, &ctx.token);
    let rejected = out.outcome == Outcome::Rejected;
    let logged_body = rejected.then(|| {
        let end = ctx.body.len().min(LOGGED_BODY_MAX);
        redact(&String::from_utf8_lossy(&ctx.body[..end]), &secrets).into_owned()
    });
    let query = redact_query(&ctx.head.query, &secrets);
    let header_lines = redacted_header_lines(&ctx.head.headers, &secrets);
    let response_body = if status.is_some() {
        redact(&out.response_body, &secrets)
    } else {
        Cow::Borrowed("")
    };
    let entry = Entry::new(
        Meta {
            id: ctx.request_id,
            received_at: ctx.received_at.clone(),
            method: ctx.head.method.clone(),
            body_len: ctx.body.len(),
            body: logged_body,
            token_source: ctx.token_source.map(TokenSource::label),
            workspace: ctx.workspace,
            status,
            outcome: out.outcome,
            reason: out
                .reason
                .as_ref()
                .map(|r| redact(r, &secrets).into_owned()),
            event_ids: out.event_ids.clone(),
            fault: ctx.fault.clone(),
            duration_us: micros(ctx.started.elapsed()),
        },
        Texts {
            path: &ctx.head.path,
            query: &query,
            header_lines: &header_lines,
            response_body: &response_body,
        },
    );
    ctx.state.record(entry);
    if rejected {
        ctx.state.notify(Notice::Rejected {
            request_id: ctx.request_id,
            path: ctx.head.path.clone(),
            status: out.status.as_u16(),
            reason: redact(out.reason.as_deref().unwrap_or(""), &secrets).into_owned(),
        });
    }
}

/// Records a request rejected before its body was processed (CORS, routing, size) and returns
/// its response with the CORS headers.
pub(super) async fn record_early(
    state: &Store,
    started: Instant,
    head: &Head,
    res: Response,
    reason: &str,
    token: &str,
    extra: &axum::http::HeaderMap,
) -> Response {
    let status = res.status();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let response_body = String::from_utf8_lossy(&bytes).into_owned();
    let secrets = secrets(state, token);
    let (_, token_source) = extract_token(&head.query, &head.headers);
    let request_id = state.next_request_id();
    let query = redact_query(&head.query, &secrets);
    let header_lines = redacted_header_lines(&head.headers, &secrets);
    let entry = Entry::new(
        Meta {
            id: request_id,
            received_at: now_rfc3339(),
            method: head.method.clone(),
            body_len: 0,
            body: None,
            token_source: token_source.map(TokenSource::label),
            workspace: None,
            status: Some(status.as_u16()),
            outcome: Outcome::Rejected,
            reason: Some(reason.to_owned()),
            event_ids: 0..0,
            fault: None,
            duration_us: micros(started.elapsed()),
        },
        Texts {
            path: &head.path,
            query: &query,
            header_lines: &header_lines,
            response_body: &redact(&response_body, &secrets),
        },
    );
    state.record(entry);
    state.notify(Notice::Rejected {
        request_id,
        path: head.path.clone(),
        status: status.as_u16(),
        reason: reason.to_owned(),
    });
    with_headers(Response::from_parts(parts, Body::from(bytes)), extra)
}
