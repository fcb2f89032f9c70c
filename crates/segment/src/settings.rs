//! `GET /v1/projects/{writeKey}/settings`: what analytics.js (analytics-next) loads from its
//! `cdnURL` before sending anything. The answer's `integrations["Segment.io"]` points the
//! browser SDK's API calls back at this server (`apiHost` is `HOST/v1`, `protocol` is `http`,
//! as analytics-next joins them into `protocol://apiHost/t`), loads no device-mode
//! integrations or remote plugins, and turns the SDK's metrics off (`sampleRate: 0`), so a
//! page under test talks to nothing but this server.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::cors;
use crate::state::Segment;

pub(crate) async fn settings(
    State(segment): State<Segment>,
    Path(write_key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let keys = &segment.config().write_keys;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let (status, body) = if !keys.is_empty() && !keys.contains(&write_key) {
        (
            StatusCode::NOT_FOUND,
            json!({"message": "no such write key (this server accepts only its --write-key values)"}),
        )
    } else {
        (StatusCode::OK, settings_for(&write_key, host))
    };
    let mut response = (status, axum::Json(body)).into_response();
    cors::allow(&headers, response.headers_mut());
    response
}

/// The settings for `write_key`, with the API at `http://{host}/v1`.
pub fn settings_for(write_key: &str, host: &str) -> serde_json::Value {
    json!({
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": format!("{host}/v1"),
                "protocol": "http",
                "unbundledIntegrations": [],
                "addBundledMetadata": true,
                "maybeBundledConfigIds": {},
                "versionSettings": {"version": "4.4.7", "componentTypes": ["browser"]}
            }
        },
        "plan": {
            "track": {"__default": {"enabled": true, "integrations": {}}},
            "identify": {"__default": {"enabled": true}},
            "group": {"__default": {"enabled": true}}
        },
        "edgeFunction": {},
        "analyticsNextEnabled": true,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0},
        "legacyVideoPluginsEnabled": false,
        "remotePlugins": []
    })
}
