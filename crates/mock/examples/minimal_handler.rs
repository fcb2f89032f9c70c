//! The baseline of `cargo xtask bench mock`: the least an axum server can do for an ingestion
//! request — read the body, parse it as JSON, answer the collector's `{"status":"ok"}` — so the
//! mock's req/s can be quoted as a fraction of it.
//!
//! `cargo run --release -p usermaven-mock --example minimal_handler -- PORT` (0 picks a port;
//! the bound address is printed on stdout).

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;

async fn ingest(body: Bytes) -> impl IntoResponse {
    let status = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        "{\"status\":\"ok\"}",
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p.parse().map_err(std::io::Error::other)?,
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().fallback(ingest)).await
}
