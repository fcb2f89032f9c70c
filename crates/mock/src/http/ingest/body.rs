//! Reading the request body, up to the mock's `max_body_bytes`.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::BodyExt;

use super::respond::{error_body, response, JSON_CT};
use super::Early;

pub(crate) async fn read(body: Body, limit: usize) -> Result<Bytes, Early> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Early::Reject {
            response: response(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(JSON_CT),
                error_body(&format!("mock: request body exceeds {limit} bytes")),
            ),
            reason: "body over the mock's max_body_bytes",
            token: String::new(),
        })
}

/// For the partial-read fault: reads chunks until at least half the declared `Content-Length`
/// (at least one chunk), then stops reading; what arrived is returned.
pub(super) async fn read_part(mut body: Body, headers: &HeaderMap) -> Bytes {
    let declared: usize = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut got = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        if let Ok(data) = frame.into_data() {
            got.extend_from_slice(&data);
        }
        if got.len() * 2 >= declared {
            break;
        }
    }
    Bytes::from(got)
}
