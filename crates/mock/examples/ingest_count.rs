//! Instruction counts of the ingestion path without sockets, for profiling:
//! `cargo build --release -p usermaven-mock --example ingest_count &&
//! valgrind --tool=callgrind target/release/examples/ingest_count 2000 [batch]`.
//!
//! Sends the bench's track body N times through [`usermaven_mock::app`] in warn mode (what
//! `usermaven-actions mock` runs), or one N-event batch with `batch`.

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use usermaven_mock::{app, MockConfig, Store, StrictMode};

/// `usermaven-actions` (which runs the mock) allocates with mimalloc; count with it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BODY: &str = include_str!("../benches/track-body.json");

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let batch = args.next().as_deref() == Some("batch");
    let state = Store::new(
        MockConfig::new("mock-api-key", "tok")
            .with_strict(StrictMode::Warn)
            .with_max_events(n.min(100_000)),
    )
    .expect("state");
    let router = app(state.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let bodies: Vec<String> = if batch {
        vec![format!("[{}]", vec![BODY; n].join(","))]
    } else {
        vec![BODY.to_owned(); n]
    };
    rt.block_on(async {
        for body in bodies {
            let req = Request::post("/api/v1/s2s/event?token=mock-api-key.tok")
                .header("content-type", "application/json")
                .header("user-agent", "Segment (Actions)")
                .header("host", "127.0.0.1:8000")
                .body(Body::from(body))
                .expect("request");
            let res = router.clone().oneshot(req).await.expect("infallible");
            assert_eq!(res.status(), 200);
            let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
        }
    });
    println!("{} events stored", state.stats().events);
}
