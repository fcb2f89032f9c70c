//! The ingestion side: everything that is not `/__mock/`, modelled on the Jitsu "classic" server
//! that Usermaven's collector derives from (`server/middleware/cors.go`, `token_auth.go`,
//! `server/routers/router.go`, `server/handlers/event.go`, `server/events/parser.go`,
//! `server/enrichment/context_enrichment_step.go`, `server/events/{api,js}_processor.go`).
//!
//! A request goes through these steps, one file each, in the collector's order:
//!
//! 1. [`cors`]: browser paths get CORS headers; unknown browser tokens are answered here.
//! 2. [`route`]: OPTIONS, `/ping`, gin's trailing-slash redirect and 404; else the channel.
//! 3. [`fault`]: the request gets its journal id and, maybe, an injected fault (mock-only).
//! 4. [`body`]: the body is read (up to the mock's size guard; part of it for the partial-read
//!    fault); faults that act before processing answer now.
//! 5. [`token`] + [`auth`]: the token is found and its workspace looked up.
//! 6. [`parse`]: the body becomes events (Go decoding, size limits, templates).
//! 7. [`strict_gate`]: strict-mode findings; reject mode answers 400 (mock-only).
//! 8. [`context`] + [`accept`]: the stored copy is enriched (`model::enrich`), and the store
//!    keeps the events; 200.
//! 9. [`fault`] again for delivery faults, then [`journal`] records the request ([`redact`]ed).

mod accept;
mod auth;
mod body;
mod clock;
mod context;
mod cors;
mod fault;
mod journal;
mod parse;
mod redact;
mod respond;
mod route;
mod strict_gate;
mod token;

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;

pub(crate) use fault::ConnAbort;

use crate::model::strict::Channel;
use crate::model::Fault;
use crate::store::Store;
use respond::{with_headers, Reply};
use token::TokenSource;

/// The request line and headers, as received.
pub(super) struct Head {
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    remote: Option<SocketAddr>,
}

/// An answer given before the body is processed.
pub(super) enum Early {
    /// Not recorded in the journal (preflights, `/ping`, non-POST CORS rejections).
    Answer(Response),
    /// Recorded as rejected.
    Reject {
        response: Response,
        reason: &'static str,
        token: String,
    },
}

/// Everything known about an ingestion request once its body is read.
pub(super) struct Ctx {
    state: Store,
    head: Head,
    request_id: u64,
    received_at: String,
    /// When the request was received (for the journal's duration).
    started: Instant,
    body: Bytes,
    token: String,
    token_source: Option<TokenSource>,
    workspace: Option<usize>,
    fault: Option<Fault>,
}

/// Entry point for every non-admin request.
pub(crate) async fn entry(State(state): State<Store>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let abort = parts.extensions.get::<ConnAbort>().cloned();
    let head = Head {
        remote: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        method: parts.method,
        headers: parts.headers,
    };
    let mut extra = HeaderMap::new();
    let early = |early: Early, head: Head, extra: HeaderMap| {
        let state = state.clone();
        async move {
            match early {
                Early::Answer(res) => with_headers(res, &extra),
                Early::Reject {
                    response,
                    reason,
                    token,
                } => {
                    journal::record_early(&state, started, &head, response, reason, &token, &extra)
                        .await
                }
            }
        }
    };
    if let Some(e) = cors::layer(&state, &head, &mut extra) {
        return early(e, head, extra).await;
    }
    let channel = match route::route(&head) {
        Ok(channel) => channel,
        Err(e) => return early(*e, head, extra).await,
    };
    let (token, token_source) = token::extract_token(&head.query, &head.headers);
    // The fault is drawn before the body is read: one of them stops reading it part way.
    let (request_id, fault) = state.next_request(&head.path);
    let body = if fault == Some(Fault::PartialRead) {
        body::read_part(body, &head.headers).await
    } else {
        match body::read(body, state.config().max_body_bytes).await {
            Ok(b) => b,
            Err(e) => return early(e, head, extra).await,
        }
    };
    let mut ctx = Ctx {
        state: state.clone(),
        head,
        request_id,
        received_at: clock::now_rfc3339(),
        started,
        body,
        token,
        token_source,
        workspace: None,
        fault,
    };
    let out = match fault::before(ctx.fault.as_ref()).await {
        Some(out) => out,
        // A body nested deeper than the worker stack allows is processed on a grown stack.
        None => {
            let body = ctx.body.clone();
            crate::json::deep::on_stack_for(&body, || process(&mut ctx, channel))
        }
    };
    finish(ctx, out, &extra, abort).await
}

/// Steps 5–8: authentication, parsing, strict mode, enrichment and storing.
fn process(ctx: &mut Ctx, channel: Channel) -> Reply {
    let workspaces = ctx.state.workspaces();
    let ws = match auth::workspace_for(workspaces, channel, &ctx.token) {
        Ok(ws) => ws,
        Err(out) => return *out,
    };
    ctx.workspace = Some(ws);
    let api_key = workspaces[ws].api_key.clone();
    let events = match parse::events(&ctx.body, ctx.state.config().max_event_size) {
        Ok(events) => events,
        Err(out) => return *out,
    };
    let problems = match strict_gate::check(ctx.state.strict(), &events, &api_key, channel) {
        Ok(p) => p,
        Err(out) => return *out,
    };
    accept::store(ctx, events, problems, channel, &api_key)
}

/// Step 9: delivery faults, the journal, then the answer (or the dropped connection).
async fn finish(ctx: Ctx, mut out: Reply, extra: &HeaderMap, abort: Option<ConnAbort>) -> Response {
    let res = std::mem::replace(&mut out.response, Response::new(axum::body::Body::empty()));
    let delivery = fault::after(ctx.fault.as_ref(), &mut out, with_headers(res, extra));
    journal::record(&ctx, &out, delivery.status);
    fault::deliver(delivery, abort.as_ref()).await
}
