//! [`SnapshotError`]: why a suite, an event file or a snapshot directory could not be read or
//! written, naming the file.

use std::path::PathBuf;

/// A failure of this crate's file work. Each names the file or directory and the problem. The
/// message holds the cause where it is short (`cannot read PATH: CAUSE`); where it does not,
/// the I/O failure underneath is the [source](std::error::Error::source), which a caller
/// printing the chain (`{:#}`) shows.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Standard input could not be read.
    #[error("cannot read standard input")]
    Stdin(#[source] std::io::Error),
    /// An event file could not be read.
    #[error("cannot read {path}: {error}")]
    ReadEvents { path: String, error: std::io::Error },
    /// A file (event file or configuration) is not JSON.
    #[error("{path}: invalid JSON: {error}")]
    InvalidJson {
        path: String,
        error: usermaven_json::ParseError,
    },
    /// A `.json` event file holds neither an event object nor an array of events.
    #[error("{path}: a .json event file holds an event object or an array of events")]
    NotEvents { path: String },
    /// The arguments name a file or directory that cannot be read.
    #[error(transparent)]
    Input(#[from] usermaven_input::SourceError),
    /// A suite's configuration could not be read.
    #[error("cannot read the configuration {}", path.display())]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A suite's configuration has errors (each line indented).
    #[error("{} has {} error(s):\n{}", path.display(), errors.len(), errors.join("\n"))]
    ConfigErrors { path: PathBuf, errors: Vec<String> },
    /// A suite's configuration checks but builds no destination.
    #[error("the configuration builds no destination")]
    NoDestination { path: PathBuf },
    /// A suite's `events/` directory could not be listed.
    #[error("cannot read {}", path.display())]
    ReadEventsDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A suite's `events/` directory holds no event files.
    #[error("{} holds no event files (*.json, *.ndjson)", path.display())]
    NoEventFiles { path: PathBuf },
    /// A suite's `snapshots/` directory could not be written.
    #[error("cannot update {}", path.display())]
    Update {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
