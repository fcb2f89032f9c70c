//! The line reader: sources one after the other, one [`Line`] or [`LineError`] at a time.
//!
//! Lines are found with `memchr` in the reader's buffer and handed out borrowed from it when
//! they fit (the common case: no copy); a line that spans buffer refills is gathered in a
//! scratch buffer, and one over the limit is counted and skipped without being kept.

use std::io::{self, BufRead};

use crate::open::{open, Reader};
use crate::{ErrorKind, LineError, Source};

/// 1 MiB: far above Segment's 32 KB event limit, small enough that one line cannot exhaust
/// memory.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Longer lines are an error for that line ([`ErrorKind::TooLong`]).
    pub max_line_bytes: usize,
    /// Read buffer per source (and per decompressor).
    pub buffer_bytes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            buffer_bytes: 256 * 1024,
        }
    }
}

/// One non-blank line of valid UTF-8.
#[derive(Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// Index into the sources given to [`Lines::new`].
    pub source: usize,
    /// 1-based line number in its source (blank and bad lines count).
    pub number: u64,
    /// The text, without its line end (LF or CR LF) and without a leading BOM on line 1.
    pub text: &'a str,
}

/// The source being read.
struct Current {
    reader: Reader,
    /// Lines read so far (the next line's number is `line + 1`).
    line: u64,
    /// Byte offset of the next line's first byte in the (decompressed) text.
    offset: u64,
}

/// Where the raw bytes of the line just read are.
enum Raw {
    /// `len` bytes at the start of the reader's buffer; `consume` (line end included) are
    /// consumed before the next read.
    Borrowed {
        len: usize,
    },
    /// In `scratch`.
    Owned,
    TooLong {
        bytes: u64,
    },
    /// The source is exhausted.
    End,
}

/// A line found by [`Lines::advance`]: its bytes are `start..end` of the scratch buffer
/// (`owned`) or of the reader's buffer.
enum Found {
    Text {
        source: usize,
        number: u64,
        owned: bool,
        start: usize,
        end: usize,
        line_offset: u64,
    },
    Error(LineError),
}

/// Reads every line of `sources` in order. A lending iterator: call [`Lines::next_line`].
pub struct Lines {
    sources: Vec<Source>,
    options: Options,
    /// Index of the next source to open.
    next_source: usize,
    current: Option<Current>,
    /// Bytes of the reader's buffer to consume before the next read (a borrowed line).
    consume: usize,
    scratch: Vec<u8>,
}

impl Lines {
    pub fn new(sources: Vec<Source>, options: Options) -> Lines {
        Lines {
            sources,
            options,
            next_source: 0,
            current: None,
            consume: 0,
            scratch: Vec::new(),
        }
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Where a line is, for messages: `NAME line N`, or `line N` when stdin is the only input.
    pub fn place(&self, source: usize, line: u64) -> String {
        place(&self.sources, source, line)
    }

    /// Skip the rest of the current source (e.g. it is complete per a checkpoint).
    pub fn skip_source(&mut self) {
        self.current = None;
        self.consume = 0;
    }

    /// The index of the source the last item came from (the one being read).
    pub fn current_source(&self) -> usize {
        self.next_source.saturating_sub(1)
    }

    /// The next line or error; `None` after the last source.
    pub fn next_line(&mut self) -> Option<Result<Line<'_>, LineError>> {
        let (source, number, owned, start, end, line_offset) = match self.advance()? {
            Found::Text {
                source,
                number,
                owned,
                start,
                end,
                line_offset,
            } => (source, number, owned, start, end, line_offset),
            Found::Error(e) => return Some(Err(e)),
        };
        let bytes: &[u8] = if owned {
            &self.scratch
        } else {
            match self.current.as_mut()?.reader.fill_buf() {
                // The buffer still holds the line: fill_buf does no I/O here.
                Ok(buf) => buf,
                Err(e) => {
                    return Some(Err(LineError {
                        source,
                        line: number,
                        kind: ErrorKind::Read(e),
                    }))
                }
            }
        };
        let text = &bytes[start..end];
        Some(match std::str::from_utf8(text) {
            Ok(text) => Ok(Line {
                source,
                number,
                text,
            }),
            Err(e) => Err(LineError {
                source,
                line: number,
                kind: ErrorKind::InvalidUtf8 {
                    offset: line_offset + (start + e.valid_up_to()) as u64,
                    column: e.valid_up_to() as u64 + 1,
                },
            }),
        })
    }

    /// Find the next non-blank line (or error), returning where its bytes are.
    fn advance(&mut self) -> Option<Found> {
        loop {
            if self.current.is_none() {
                let index = self.next_source;
                let source = self.sources.get(index)?;
                self.next_source += 1;
                match open(source, self.options.buffer_bytes.max(16)) {
                    Ok(reader) => {
                        self.current = Some(Current {
                            reader,
                            line: 0,
                            offset: 0,
                        })
                    }
                    Err(e) => {
                        return Some(Found::Error(LineError {
                            source: index,
                            line: 0,
                            kind: ErrorKind::Open(e),
                        }))
                    }
                }
            }
            let source = self.next_source - 1;
            let raw = match self.read_raw() {
                Ok(raw) => raw,
                Err(e) => {
                    let line = self.current.as_ref().map_or(1, |c| c.line + 1);
                    self.skip_source();
                    return Some(Found::Error(LineError {
                        source,
                        line,
                        kind: ErrorKind::Read(e),
                    }));
                }
            };
            let cur = self.current.as_mut()?;
            let first = cur.line == 0;
            let number = cur.line + 1;
            let line_offset = cur.offset;
            let (bytes, owned): (&[u8], bool) = match raw {
                Raw::End => {
                    self.skip_source();
                    continue;
                }
                Raw::TooLong { bytes } => {
                    cur.line = number;
                    cur.offset += bytes + 1;
                    return Some(Found::Error(LineError {
                        source,
                        line: number,
                        kind: ErrorKind::TooLong {
                            bytes,
                            limit: self.options.max_line_bytes,
                        },
                    }));
                }
                Raw::Owned => (&self.scratch, true),
                Raw::Borrowed { len } => match cur.reader.fill_buf() {
                    Ok(buf) => (&buf[..len], false),
                    Err(e) => {
                        self.skip_source();
                        return Some(Found::Error(LineError {
                            source,
                            line: number,
                            kind: ErrorKind::Read(e),
                        }));
                    }
                },
            };
            let mut start = 0;
            let mut end = bytes.len();
            if first && bytes.starts_with(BOM) {
                start = BOM.len();
            }
            if end > start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            let blank = bytes[start..end]
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r'));
            let len = bytes.len() as u64;
            cur.line = number;
            cur.offset += len + 1;
            if blank {
                continue;
            }
            return Some(Found::Text {
                source,
                number,
                owned,
                start,
                end,
                line_offset,
            });
        }
    }

    /// Read the next line's bytes (without its LF) from the current source.
    fn read_raw(&mut self) -> io::Result<Raw> {
        let max = self.options.max_line_bytes;
        let Some(cur) = self.current.as_mut() else {
            return Ok(Raw::End);
        };
        let r = &mut cur.reader;
        if self.consume > 0 {
            r.consume(self.consume);
            self.consume = 0;
        }
        self.scratch.clear();
        // Bytes of this line seen so far (kept in `scratch` unless over the limit).
        let mut seen: u64 = 0;
        loop {
            let buf = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                // End of the source: a last line without LF is still a line.
                return Ok(if seen == 0 {
                    Raw::End
                } else if seen > max as u64 {
                    Raw::TooLong { bytes: seen }
                } else {
                    Raw::Owned
                });
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    let total = seen + i as u64;
                    if total > max as u64 {
                        r.consume(i + 1);
                        return Ok(Raw::TooLong { bytes: total });
                    }
                    if seen == 0 {
                        self.consume = i + 1;
                        return Ok(Raw::Borrowed { len: i });
                    }
                    self.scratch.extend_from_slice(&buf[..i]);
                    r.consume(i + 1);
                    return Ok(Raw::Owned);
                }
                None => {
                    let n = buf.len();
                    if seen + (n as u64) <= max as u64 {
                        self.scratch.extend_from_slice(buf);
                    } else {
                        // Over the limit: stop keeping it; only its length is counted.
                        self.scratch = Vec::new();
                    }
                    seen += n as u64;
                    r.consume(n);
                }
            }
        }
    }
}

/// [`Lines::place`] given the sources (for code that no longer holds the reader).
pub fn place(sources: &[Source], source: usize, line: u64) -> String {
    match sources.get(source) {
        Some(s) if !(sources.len() == 1 && s.is_stdin()) => format!("{} line {line}", s.name),
        _ => format!("line {line}"),
    }
}
