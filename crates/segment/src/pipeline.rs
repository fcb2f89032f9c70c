//! From the queue to the wire: one task runs the destination on each accepted message, in
//! arrival order, and hands its requests to a second task that delivers them with
//! `usermaven-sender` (retries, breaker). The API's answer never waits for either.

use tokio::sync::mpsc;
use usermaven_destination::{FixedEnv, Request, Routed};
use usermaven_sender::{CancellationToken, Delivery, Envelope, Sender};

use crate::clock::Clock;
use crate::explain::RunEnv;
use crate::model::{DeliveryView, ErrorView, RequestView, Route};
use crate::state::Segment;

/// A message for the destination: its id and its text as the destination sees it.
pub(crate) struct Job {
    pub(crate) id: u64,
    pub(crate) text: String,
}

/// The destination's clock (the server's [`Clock`], read per message) and one seeded id
/// stream for the whole run: with a fixed clock this is `map --now … --seed …` exactly.
struct LiveEnv {
    clock: Clock,
    run: RunEnv,
}

pub(crate) fn spawn(
    segment: &Segment,
    mut jobs: mpsc::Receiver<Job>,
    seed: u64,
) -> Result<(), usermaven_sender::BuildError> {
    let config = &segment.inner.config;
    let sender = Sender::new(config.sender.clone())?;
    let capacity = config.sender.concurrency.max(1) * 64;
    let (requests, outgoing) = usermaven_sender::channel::<usize>(capacity);
    let clock = config.clock;
    let mut env = LiveEnv {
        clock,
        run: RunEnv {
            now: clock.now(),
            ids: FixedEnv::new(clock.now(), seed),
        },
    };
    let routing = segment.clone();
    tokio::spawn(async move {
        while let Some(job) = jobs.recv().await {
            env.run.now = env.clock.now();
            // Kept for the detail view's explanation, which replays the message from here.
            let before = env.run.clone();
            let routed = routing.destination().route_text(&job.text, &mut env.run);
            let (routes, to_send) = match routed {
                Ok(routed) => routes_of(routed),
                Err(e) => (
                    vec![Route {
                        subscription: String::new(),
                        action: String::new(),
                        request: None,
                        error: Some(ErrorView {
                            name: "InvalidJson".into(),
                            message: e.to_string(),
                            status: None,
                        }),
                        delivery: None,
                    }],
                    Vec::new(),
                ),
            };
            routing.store().set_routes(job.id, routes, before);
            routing.inner.changes.bump();
            for (index, request) in to_send {
                let envelope = Envelope {
                    id: job.id,
                    meta: index,
                    request,
                };
                if requests.send(envelope).await.is_err() {
                    return;
                }
            }
        }
    });
    let delivering = segment.clone();
    tokio::spawn(async move {
        sender
            .run(outgoing, CancellationToken::new(), |r| {
                delivering
                    .store()
                    .set_delivery(r.id, r.meta, delivery_view(&r.delivery));
                delivering.inner.changes.bump();
            })
            .await;
    });
    Ok(())
}

/// The page's view of each subscription's result, and the requests to send (by route index).
fn routes_of(routed: Vec<Routed>) -> (Vec<Route>, Vec<(usize, Request)>) {
    let mut to_send = Vec::new();
    let routes = routed
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (request, error) = match r.result {
                Ok(req) => {
                    let view = request_view(&req);
                    to_send.push((i, req));
                    (Some(view), None)
                }
                Err(e) => (
                    None,
                    Some(ErrorView {
                        name: e.name,
                        message: e.message,
                        status: e.status,
                    }),
                ),
            };
            Route {
                subscription: r.subscription,
                action: r.action_name,
                request,
                error,
                delivery: None,
            }
        })
        .collect();
    (routes, to_send)
}

pub(crate) fn request_view(req: &Request) -> RequestView {
    RequestView {
        method: req.method.to_string(),
        url: req.redacted_url(),
        headers: req
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: req.body.clone(),
    }
}

fn delivery_view(d: &Delivery) -> DeliveryView {
    let status = match d {
        Delivery::Delivered { status, .. } | Delivery::Rejected { status, .. } => Some(*status),
        _ => None,
    };
    DeliveryView {
        kind: d.kind().to_string(),
        status,
        attempts: d.attempts(),
        reason: d.reason(),
    }
}
