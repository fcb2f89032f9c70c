//! The socket side: a loopback HTTP/1.1 server around [`crate::app`] that can drop a connection
//! on demand (for the "close without response" fault), and the [`MockUsermaven`] test handle.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::ingest::ConnAbort;
use crate::model::{
    Fault, FaultRecord, MockConfig, MockError, RandomFaults, RequestRecord, StoredEvent, StrictMode,
};
use crate::query::{EventQuery, WaitTimeout};
use crate::state::MockState;

/// A running mock server (like wiremock's `MockServer`): start one per test.
pub struct MockUsermaven {
    addr: SocketAddr,
    state: MockState,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MockUsermaven {
    /// Binds `config.bind` (default `127.0.0.1:0`) and serves until [`MockUsermaven::shutdown`]
    /// or drop. Loads `config.store` first when set.
    pub async fn start(config: MockConfig) -> Result<Self, MockError> {
        Self::serve(MockState::new(config)?).await
    }

    /// Serves an existing state (prepared first, e.g. with faults armed) on its `config.bind`.
    pub async fn serve(state: MockState) -> Result<Self, MockError> {
        let bind = state.config().bind;
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| MockError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockError::Bind { addr: bind, source })?;
        let (stop, mut stopped) = watch::channel(false);
        let router = crate::app(state.clone());
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, remote)) = accepted {
                            conns.spawn(serve_connection(stream, remote, router.clone()));
                        }
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
            conns.abort_all();
            while conns.join_next().await.is_some() {}
        });
        Ok(Self {
            addr,
            state,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (what [`crate::app`] serves).
    pub fn state(&self) -> &MockState {
        &self.state
    }

    /// The retained events, oldest first (shared, not copied).
    pub fn events(&self) -> Vec<Arc<StoredEvent>> {
        self.state.events()
    }

    /// The request log (tokens redacted), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    /// Every injected fault so far.
    pub fn injected_faults(&self) -> Vec<FaultRecord> {
        self.state.injected_faults()
    }

    /// Forgets events, requests and the fault log (truncating the store file, if any).
    pub fn reset(&self) -> Result<(), MockError> {
        self.state.reset()
    }

    /// The next `n` ingestion requests get `status` without being processed.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.state.fail_next(n, status);
    }

    /// The next ingestion request gets `fault`.
    pub fn inject(&self, fault: Fault) {
        self.state.inject(fault);
    }

    /// The next `n` ingestion requests get `fault`.
    pub fn inject_n(&self, fault: Fault, n: u32) {
        self.state.inject_n(fault, n);
    }

    /// Seeded random faults for requests that have no scripted fault.
    pub fn set_random_faults(&self, seed: u64, probs: RandomFaults) {
        self.state.set_random_faults(seed, probs);
    }

    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn set_strict(&self, mode: StrictMode) {
        self.state.set_strict(mode);
    }

    /// Stored events matching `query`, oldest first (what `GET /__mock/events?…` answers).
    pub fn events_matching(&self, query: &EventQuery) -> Vec<Arc<StoredEvent>> {
        crate::query::select(&self.state, query)
    }

    /// Waits until at least `n` stored events match `query` (woken as events are stored, no
    /// polling), then returns the matching ones; after `timeout`, the error holds those seen.
    ///
    /// ```no_run
    /// # async fn demo(mock: usermaven_mock::MockUsermaven) {
    /// use std::time::Duration;
    /// use usermaven_mock::EventQuery;
    /// let signups = mock
    ///     .wait_for(&EventQuery::new().event_type("signed_up"), 2, Duration::from_secs(5))
    ///     .await
    ///     .expect("two sign-ups");
    /// # let _ = signups;
    /// # }
    /// ```
    pub async fn wait_for(
        &self,
        query: &EventQuery,
        n: usize,
        timeout: std::time::Duration,
    ) -> Result<Vec<Arc<StoredEvent>>, WaitTimeout> {
        crate::query::wait_for(&self.state, query, n, timeout).await
    }

    /// Waits until at least `n` events are stored or `timeout` passes; returns the events.
    pub async fn wait_for_events(
        &self,
        n: usize,
        timeout: std::time::Duration,
    ) -> Vec<Arc<StoredEvent>> {
        match self.wait_for(&EventQuery::new(), n, timeout).await {
            Ok(events) => events,
            Err(t) => t.events,
        }
    }

    /// The token `/__mock/` asks for (see the crate README). Give it to no one you would not
    /// give the stored events to.
    pub fn admin_token(&self) -> &str {
        self.state.admin().token()
    }

    /// `http://ADDR/__mock/`, the live page.
    pub fn page_url(&self) -> String {
        format!("{}/__mock/", self.uri())
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockUsermaven {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, remote: SocketAddr, router: axum::Router) {
    // A second handle on the socket, kept to set SO_LINGER to zero (close = RST) for the reset
    // fault; the hyper connection owns the first.
    let Ok((stream, handle)) = split_handle(stream) else {
        return;
    };
    let abort = ConnAbort::default();
    let for_requests = abort.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let router = router.clone();
        let abort = for_requests.clone();
        async move {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(remote));
            req.extensions_mut().insert(abort);
            router.oneshot(req).await
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = abort.notify.notified() => {
            if abort.reset.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = socket2::SockRef::from(&handle).set_linger(Some(std::time::Duration::ZERO));
            }
        }
    }
}

fn split_handle(
    stream: tokio::net::TcpStream,
) -> std::io::Result<(tokio::net::TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let handle = std_stream.try_clone()?;
    Ok((tokio::net::TcpStream::from_std(std_stream)?, handle))
}
