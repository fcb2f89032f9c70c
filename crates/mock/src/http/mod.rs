//! The HTTP side: the router ([`app`]) over a [`Store`], and the socket server around it.
//!
//! - `ingest/`: every request that is not `/__mock/`, the collector's request path as a
//!   pipeline of steps;
//! - `admin.rs` (the inspection and control API), `params.rs` (its query parameters),
//!   `answer.rs` (its error answers);
//! - `live.rs` (the page's Server-Sent Events stream), `page.rs` + `assets/` (the live page);
//! - `admin_token.rs` (who may use `/__mock/`), `outbound.rs` (no server token leaves in a
//!   `/__mock/` answer);
//! - `server.rs`: [`MockUsermaven`], a loopback server that can drop or reset a connection.

mod admin;
mod admin_token;
mod answer;
mod ingest;
mod live;
mod outbound;
mod page;
mod params;
mod server;

pub use admin_token::ADMIN_TOKEN_HEADER;
pub use server::MockUsermaven;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use crate::store::Store;

/// The whole mock as an axum router: ingestion endpoints plus `/__mock/` (the page, its stream
/// and the inspection and control API, all behind the admin-token rules of the README).
pub fn app(state: Store) -> Router {
    let data = Router::new()
        .route("/__mock/", get(page::page))
        .route("/__mock/stream", get(live::stream))
        .route("/__mock/health", get(admin::health))
        .route(
            "/__mock/events",
            get(admin::list_events).delete(admin::reset),
        )
        .route("/__mock/events/{id}", get(admin::get_event))
        .route("/__mock/events/{id}/detail", get(admin::event_detail))
        .route("/__mock/stats", get(admin::stats))
        .route("/__mock/duplicates", get(admin::duplicates))
        .route("/__mock/requests", get(admin::requests))
        .route("/__mock/requests/{id}", get(admin::get_request))
        .route(
            "/__mock/faults",
            get(admin::get_faults)
                .post(admin::post_faults)
                .delete(admin::delete_faults),
        )
        .route(
            "/__mock/strict",
            get(admin::get_strict).put(admin::put_strict),
        )
        .route_layer(from_fn_with_state(state.clone(), outbound::scrub));
    let assets = Router::new()
        .route("/__mock", get(page::redirect_to_page))
        .route("/__mock/assets/app.js", get(page::app_js))
        .route("/__mock/assets/app.css", get(page::app_css));
    data.merge(assets)
        .route_layer(from_fn_with_state(state.clone(), admin_token::guard))
        .fallback(ingest::entry)
        .with_state(state)
}
