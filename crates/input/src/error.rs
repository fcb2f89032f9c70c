//! Why an argument or a line could not be read.

use std::fmt;

/// The input arguments name something that cannot be read at all (checked before reading).
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceError {
    Missing { name: String, error: std::io::Error },
    Walk { name: String, error: String },
    EmptyDirectory { name: String },
    StdinTwice,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Missing { name, error } => write!(f, "cannot read {name}: {error}"),
            SourceError::Walk { name, error } => write!(f, "cannot list {name}: {error}"),
            SourceError::EmptyDirectory { name } => write!(f, "{name}: the directory has no files"),
            SourceError::StdinTwice => f.write_str("`-` (stdin) can be given only once"),
        }
    }
}

impl std::error::Error for SourceError {}

/// One line (or, for `Open`/`Read`, the rest of one source) that yields no text.
#[derive(Debug)]
pub struct LineError {
    /// Index into the sources given to [`crate::Lines::new`].
    pub source: usize,
    /// 1-based line number; for `Open` the line is 0 (nothing was read).
    pub line: u64,
    pub kind: ErrorKind,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `offset` is the byte offset of the first invalid byte in the source's (decompressed)
    /// text, `column` its 1-based byte position in the line.
    InvalidUtf8 { offset: u64, column: u64 },
    /// The line has `bytes` bytes (its end excluded), more than `limit`; it was skipped.
    TooLong { bytes: u64, limit: usize },
    /// The source could not be opened; nothing of it was read.
    Open(std::io::Error),
    /// Reading (or decompressing) failed after `line - 1` complete lines; the rest of the
    /// source is not read.
    Read(std::io::Error),
}

impl LineError {
    /// Whether the source stops here (the following lines of it are not read).
    pub fn ends_source(&self) -> bool {
        matches!(self.kind, ErrorKind::Open(_) | ErrorKind::Read(_))
    }
}

impl fmt::Display for LineError {
    /// The message without the source's name or line number (callers put those in front).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidUtf8 { offset, column } => write!(
                f,
                "invalid UTF-8 at byte offset {offset} (column {column}); line skipped"
            ),
            ErrorKind::TooLong { bytes, limit } => write!(
                f,
                "line of {bytes} bytes is longer than --max-line-bytes {limit}; line skipped"
            ),
            ErrorKind::Open(e) => write!(f, "cannot open: {e}"),
            ErrorKind::Read(e) => write!(f, "read error: {e}; the rest of this input is not read"),
        }
    }
}

impl std::error::Error for LineError {}
