//! Reading the request body, up to the mock's `max_body_bytes`.

use axum::body::{Body, Bytes};
use axum::http::StatusCode;

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
