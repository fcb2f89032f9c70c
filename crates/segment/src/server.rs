//! [`LocalSegment`]: the router served on a socket, and the handle integration tests and the
//! `dev` command use (in the manner of the mock's `MockUsermaven`).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use usermaven_destination::{Destination, Options};

use crate::model::Message;
use crate::query::{MessageQuery, WaitTimeout};
use crate::state::{Segment, SegmentConfig};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Sender(#[from] usermaven_sender::BuildError),
}

/// A running local Segment.
pub struct LocalSegment {
    addr: SocketAddr,
    segment: Segment,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl LocalSegment {
    /// Serves on `127.0.0.1:0` (a free port). See [`LocalSegment::start_on`].
    pub async fn start(
        config: SegmentConfig,
        destination: Destination,
        same_server: Option<Router>,
    ) -> Result<LocalSegment, StartError> {
        Self::start_on(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            config,
            destination,
            same_server,
        )
        .await
    }

    /// Serves on `bind`. With `same_server` (e.g. the mock's router) that router is served on
    /// the same port, under its own paths, and the destination's requests go to this server;
    /// without it they go to the destination's `base_url`.
    pub async fn start_on(
        bind: SocketAddr,
        config: SegmentConfig,
        destination: Destination,
        same_server: Option<Router>,
    ) -> Result<LocalSegment, StartError> {
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| StartError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: bind, source })?;
        let destination = match &same_server {
            None => destination,
            Some(_) => Destination::with_subscriptions(
                destination.settings().clone(),
                Options {
                    base_url: format!("http://{addr}"),
                    ..destination.options().clone()
                },
                destination.subscriptions().to_vec(),
            ),
        };
        let segment = Segment::start(config, destination)?;
        let mut router = crate::router(segment.clone());
        if let Some(other) = same_server {
            router = router.merge(other);
        }
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await;
        });
        Ok(LocalSegment {
            addr,
            segment,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the SDKs' `host`, analytics.js' `cdnURL`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn segment(&self) -> &Segment {
        &self.segment
    }

    /// Every retained message, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.segment.messages()
    }

    /// Messages matching `query`, oldest first.
    pub fn messages_matching(&self, query: &MessageQuery) -> Vec<Message> {
        crate::query::select(&self.segment, query)
    }

    /// The messages the destination saw, as NDJSON (what `GET /__segment/messages?format=ndjson`
    /// answers and `map` reads).
    pub fn ndjson(&self) -> String {
        crate::query::ndjson_of(&self.segment.messages())
    }

    /// Waits until `n` messages match `query` (woken by changes, no polling).
    pub async fn wait_for(
        &self,
        query: &MessageQuery,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Message>, WaitTimeout> {
        crate::query::wait_for(&self.segment, query, n, timeout).await
    }

    /// Forgets every message.
    pub fn clear(&self) {
        self.segment.clear();
    }

    /// The token `/__segment/` and the page ask for when the rules need it.
    pub fn admin_token(&self) -> &str {
        self.segment.admin_token()
    }

    /// Stops accepting and waits for open connections to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for LocalSegment {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
