//! Errors of the library API.

use std::path::PathBuf;

/// Errors of the library API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("store file {path}: {source}")]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store file {path} line {line}: {message}")]
    StoreLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
}
