//! Fault injection on the ingestion path (the store draws which fault hits a request): the
//! faults that answer before processing, and those that change how the processed answer is
//! delivered.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use tokio::sync::Notify;

use super::respond::{response, Reply};
use crate::model::{Fault, Outcome};

/// Inserted into request extensions by the socket server: notifying it closes the connection;
/// with `reset` set first, it is reset (RST) instead of closed.
#[derive(Clone, Default)]
pub(crate) struct ConnAbort {
    pub(crate) notify: Arc<Notify>,
    pub(crate) reset: Arc<std::sync::atomic::AtomicBool>,
}

/// Faults that act before processing: an injected status or an early drop answers now; a delay
/// waits, then lets processing go on.
pub(crate) async fn before(fault: Option<&Fault>) -> Option<Reply> {
    match fault? {
        f @ Fault::Status {
            status,
            retry_after,
            body,
        } => {
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let text = body.clone().unwrap_or_default();
            let mut out = Reply::new(
                code,
                None,
                text,
                Outcome::Fault,
                Some(format!("injected {}", f.label())),
            );
            if let Some(ra) = retry_after
                .as_deref()
                .and_then(|ra| HeaderValue::from_str(ra).ok())
            {
                out.response.headers_mut().insert(header::RETRY_AFTER, ra);
            }
            Some(out)
        }
        Fault::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            None
        }
        Fault::Drop {
            after_processing: false,
        } => Some(Reply::new(
            StatusCode::BAD_GATEWAY,
            None,
            String::new(),
            Outcome::Fault,
            Some("injected drop connection".into()),
        )),
        f @ (Fault::Reset | Fault::PartialRead) => Some(Reply::new(
            StatusCode::BAD_GATEWAY,
            None,
            String::new(),
            Outcome::Fault,
            Some(format!("injected {}", f.label())),
        )),
        _ => None,
    }
}

/// How the answer leaves the mock once the delivery faults are applied.
pub(super) struct Delivery {
    pub(crate) response: Response,
    /// The status sent; `None` when the connection is dropped without an answer.
    pub(crate) status: Option<u16>,
    pub(crate) drop: bool,
    /// Reset rather than close (with `drop`).
    pub(crate) reset: bool,
    /// The fault's name for the socket-less stand-in answer.
    pub(crate) kind: &'static str,
}

/// Applies the delivery faults (drop, partial, slow) to `res` and notes them in `out`.
pub(crate) fn after(fault: Option<&Fault>, out: &mut Reply, mut res: Response) -> Delivery {
    let mut status = Some(out.status.as_u16());
    let mut drop = false;
    let mut reset = false;
    let mut kind = "drop";
    match fault {
        Some(Fault::Reset) => {
            (status, drop, reset, kind) = (None, true, true, "reset");
        }
        Some(Fault::PartialRead) => {
            (status, drop, kind) = (None, true, "partial_read");
        }
        Some(Fault::Drop { .. }) => {
            status = None;
            drop = true;
            out.outcome = Outcome::Fault;
            let what = if out.event_ids.is_empty() {
                ""
            } else {
                " after storing the events"
            };
            out.reason = Some(format!("injected drop connection{what}"));
        }
        Some(Fault::Partial) => {
            out.reason = Some("injected partial response".into());
            out.outcome = Outcome::Fault;
            res = partial(res, &out.response_body);
        }
        Some(Fault::Slow { byte_delay_ms }) => {
            out.reason = Some(format!("injected slow response ({byte_delay_ms} ms/byte)"));
            out.outcome = Outcome::Fault;
            res = slow(res, &out.response_body, *byte_delay_ms);
        }
        Some(Fault::Delay { ms }) => {
            let note = format!("injected delay {ms} ms");
            out.reason = Some(match out.reason.take() {
                Some(r) => format!("{note}; {r}"),
                None => note,
            });
        }
        _ => {}
    }
    Delivery {
        response: res,
        status,
        drop,
        reset,
        kind,
    }
}

/// Sends the delivery: a drop closes the connection and never answers.
pub(super) async fn deliver(d: Delivery, abort: Option<&ConnAbort>) -> Response {
    if !d.drop {
        return d.response;
    }
    match abort {
        Some(abort) => {
            abort
                .reset
                .store(d.reset, std::sync::atomic::Ordering::SeqCst);
            abort.notify.notify_one();
            // The connection task drops the connection; never answer.
            std::future::pending::<()>().await;
            d.response
        }
        None => {
            // No socket (`app().oneshot`): the closest thing is an empty 502 marked as a fault.
            let mut res = response(StatusCode::BAD_GATEWAY, None, String::new());
            res.headers_mut()
                .insert("x-mock-fault", HeaderValue::from_static(d.kind));
            res
        }
    }
}

fn partial(res: Response, body: &str) -> Response {
    let bytes = Bytes::from(body.to_owned());
    let half = bytes.slice(..bytes.len() / 2);
    let total = bytes.len();
    // Send the first half, give hyper time to flush it with the headers, then fail the body so
    // the connection is closed short of Content-Length.
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::other("mock: partial response fault")),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let (mut parts, _) = res.into_parts();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    Response::from_parts(parts, Body::from_stream(stream))
}

fn slow(res: Response, body: &str, byte_delay_ms: u64) -> Response {
    let bytes: Vec<u8> = body.as_bytes().to_vec();
    let total = bytes.len();
    let stream = futures_util::stream::unfold(0usize, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(byte_delay_ms)).await;
            Some((
                Ok::<Bytes, std::io::Error>(Bytes::copy_from_slice(&bytes[i..=i])),
                i + 1,
            ))
        }
    });
    let (mut parts, _) = res.into_parts();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    Response::from_parts(parts, Body::from_stream(stream))
}
