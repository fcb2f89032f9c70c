//! The socket side: a loopback HTTP/1.1 server around [`crate::app`] that can drop a connection
//! on demand (for the "close without response" fault), and the [`MockUsermaven`] test handle.
//!
//! A running server is its [`Store`] plus a socket: [`MockUsermaven`] dereferences to the store,
//! so `mock.events()`, `mock.inject(…)` or `mock.wait_for(…)` are the store's methods.

use std::net::SocketAddr;
use std::ops::Deref;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use super::ingest::ConnAbort;
use crate::model::{MockConfig, MockError};
use crate::store::Store;

/// A running mock server (like wiremock's `MockServer`): start one per test.
pub struct MockUsermaven {
    addr: SocketAddr,
    state: Store,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MockUsermaven {
    /// Binds `config.bind` (default `127.0.0.1:0`) and serves until [`MockUsermaven::shutdown`]
    /// or drop. Loads `config.store` first when set.
    pub async fn start(config: MockConfig) -> Result<Self, MockError> {
        Self::serve(Store::new(config)?).await
    }

    /// Serves an existing state (prepared first, e.g. with faults armed) on its `config.bind`.
    pub async fn serve(state: Store) -> Result<Self, MockError> {
        let bind = state.config().bind;
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| MockError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockError::Bind { addr: bind, source })?;
        let (stop, mut stopped) = watch::channel(false);
        let router = super::app(state.clone());
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

    /// The store (what [`crate::app`] serves); also reached through `Deref`.
    pub fn state(&self) -> &Store {
        &self.state
    }

    /// The token `/__mock/` asks for (see the crate README). Give it to no one you would not
    /// give the stored events to.
    pub fn admin_token(&self) -> &str {
        self.state.admin_token()
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

impl Deref for MockUsermaven {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.state
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
