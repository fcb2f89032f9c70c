//! Building responses: gin's error body, plain responses, and the outcome a step hands on.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::json::go::go_json_string;
use crate::model::Outcome;

pub(super) const JSON_CT: &str = "application/json; charset=utf-8";

/// `{"message":…,"error":""}` exactly as gin's `c.JSON(ErrResponse(msg, nil))` writes it.
pub(super) fn error_body(message: &str) -> String {
    format!("{{\"message\":{},\"error\":\"\"}}", go_json_string(message))
}

pub(crate) fn response(status: StatusCode, content_type: Option<&str>, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    if let Some(ct) = content_type {
        if let Ok(v) = HeaderValue::from_str(ct) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
    }
    res
}

/// Appends `extra` (the CORS headers) to a response.
pub(super) fn with_headers(mut res: Response, extra: &HeaderMap) -> Response {
    for (k, v) in extra {
        res.headers_mut().append(k.clone(), v.clone());
    }
    res
}

/// What the pipeline decided for a request, before post-processing faults and recording.
pub(super) struct Reply {
    pub(crate) response: Response,
    pub(crate) status: StatusCode,
    pub(crate) response_body: String,
    pub(crate) outcome: Outcome,
    pub(crate) reason: Option<String>,
    /// The ids of the events stored (consecutive).
    pub(crate) event_ids: std::ops::Range<u64>,
}

impl Reply {
    pub(crate) fn new(
        status: StatusCode,
        ct: Option<&str>,
        body: String,
        outcome: Outcome,
        reason: Option<String>,
    ) -> Self {
        Reply {
            response: response(status, ct, body.clone()),
            status,
            response_body: body,
            outcome,
            reason,
            event_ids: 0..0,
        }
    }

    /// A rejection answered with gin's JSON error body.
    pub(crate) fn reject(status: StatusCode, message: &str, reason: impl Into<String>) -> Self {
        Reply::new(
            status,
            Some(JSON_CT),
            error_body(message),
            Outcome::Rejected,
            Some(reason.into()),
        )
    }
}
