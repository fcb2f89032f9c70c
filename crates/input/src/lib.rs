//! `usermaven-input`: reads NDJSON inputs line by line, so that one bad line never stops a run.
//!
//! Its one job is to turn what a user names on the command line (files, directories, `-` for
//! stdin; plain, gzip or zstd text) into a stream of lines, each either valid UTF-8 text or an
//! error for that line alone. `map`, `send` and the case runner all read through it.
//!
//! - [`sources`] expands the arguments: a directory stands for every file under it,
//!   recursively, in sorted path order; nothing or `-` is stdin.
//! - [`Lines`] reads the sources one after the other. Compression is recognised by its magic
//!   bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), not by the file name; concatenated gzip members
//!   (as `cat a.gz b.gz` makes) are one stream.
//! - Per line: a UTF-8 byte-order mark at the start of a source is skipped, a CR before the LF
//!   is dropped, blank lines are skipped, invalid UTF-8 and lines over
//!   [`Options::max_line_bytes`] are [`LineError`]s naming the source, the line and the byte
//!   offset. An overlong line is read past without being held in memory.
//!
//! **Invariant:** every valid non-blank line comes out byte for byte (less its line end and, on
//! line 1, the BOM), with its 1-based line number, whatever bytes surround it; a source that
//! cannot be opened or read is one error, and the next source is read.

mod error;
mod lines;
mod open;
mod source;

pub use error::{ErrorKind, LineError, SourceError};
pub use lines::{place, Line, Lines, Options, DEFAULT_MAX_LINE_BYTES};
pub use open::Compression;
pub use source::{sources, Source};
