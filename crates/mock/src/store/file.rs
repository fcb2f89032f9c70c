//! `--store FILE`: every accepted event appended as its own NDJSON line, reloaded on start.
//!
//! Each line is handed to the kernel with its own `write` before the request is answered, so a
//! crash of the mock loses at most the line being written (an OS crash can lose what the kernel
//! had not flushed; the mock does not `fsync` per event). On load a torn last line is dropped
//! and cut from the file; only the newest `max_events` are kept in memory, and a file holding
//! more is rewritten with just those (so it stays bounded across restarts).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::counters::Stats;
use super::events::EventStore;
use crate::model::{MockError, StoredEvent};

/// The open store file.
pub(super) struct StoreFile {
    path: PathBuf,
    file: File,
    line: Vec<u8>,
}

/// What loading a store file gives.
pub(super) struct Loaded {
    pub(crate) file: StoreFile,
    pub(crate) events: EventStore,
    pub(crate) stats: Stats,
    pub(super) max_event_id: u64,
    pub(super) max_request_id: u64,
}

fn store_err(path: &Path) -> impl Fn(std::io::Error) -> MockError + '_ {
    move |source| MockError::Store {
        path: path.to_owned(),
        source,
    }
}

impl StoreFile {
    /// Loads `path` (missing is empty) keeping the newest `max_events`, then opens it to append.
    pub(crate) fn load(path: &Path, max_events: usize) -> Result<Loaded, MockError> {
        let err = store_err(path);
        let mut events = EventStore::new(max_events);
        let mut stats = Stats::default();
        let (mut max_event_id, mut max_request_id) = (0, 0);
        let mut lines = 0usize;
        // Byte length of the file up to the end of its last complete line.
        let mut good_len = 0u64;
        let mut torn = false;
        let mut needs_newline = false;
        match File::open(path) {
            Ok(f) => {
                let mut reader = BufReader::new(f);
                let mut buf = Vec::new();
                let mut line_no = 0;
                loop {
                    buf.clear();
                    let n = reader.read_until(b'\n', &mut buf).map_err(&err)?;
                    if n == 0 {
                        break;
                    }
                    line_no += 1;
                    let complete = buf.last() == Some(&b'\n');
                    let text = String::from_utf8_lossy(&buf);
                    if text.trim().is_empty() {
                        good_len += n as u64;
                        continue;
                    }
                    match read_event(&text) {
                        Ok(e) => {
                            good_len += n as u64;
                            needs_newline = !complete;
                            lines += 1;
                            max_event_id = max_event_id.max(e.id);
                            max_request_id = max_request_id.max(e.request_id);
                            stats.count_event(e.event_type());
                            // Loading: nobody waits on a lock here.
                            let _evicted = events.push(Arc::new(e));
                        }
                        // The last line of a file the mock was writing when it stopped.
                        Err(_) if !complete => torn = true,
                        Err(e) => {
                            return Err(MockError::StoreLine {
                                path: path.to_owned(),
                                line: line_no,
                                message: e.to_string(),
                            })
                        }
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(e)),
        }
        let rewritten = lines > events.len();
        if rewritten {
            rewrite(path, &events)?;
        } else if torn {
            let f = OpenOptions::new().write(true).open(path).map_err(&err)?;
            f.set_len(good_len).map_err(&err)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(&err)?;
        if needs_newline && !rewritten {
            // A complete last line without its newline: end it before appending.
            file.write_all(b"\n").map_err(&err)?;
        }
        Ok(Loaded {
            file: StoreFile {
                path: path.to_owned(),
                file,
                line: Vec::new(),
            },
            events,
            stats,
            max_event_id,
            max_request_id,
        })
    }

    /// Appends one line per event, each with its own write.
    pub(crate) fn append(&mut self, events: &[StoredEvent]) -> Result<(), MockError> {
        let err = store_err(&self.path);
        for e in events {
            self.line.clear();
            serde_json::to_writer(&mut self.line, e).map_err(|e| err(std::io::Error::other(e)))?;
            self.line.push(b'\n');
            self.file.write_all(&self.line).map_err(&err)?;
        }
        Ok(())
    }

    /// Empties the file (reset).
    pub(crate) fn truncate(&mut self) -> Result<(), MockError> {
        self.file.set_len(0).map_err(store_err(&self.path))
    }
}

/// Replaces the file with the retained events (written to a sibling, then renamed over it).
fn rewrite(path: &Path, events: &EventStore) -> Result<(), MockError> {
    let err = store_err(path);
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".compacting");
    let tmp = PathBuf::from(tmp_name);
    let mut out = std::io::BufWriter::new(File::create(&tmp).map_err(&err)?);
    for e in events.iter() {
        serde_json::to_writer(&mut out, e.as_ref()).map_err(|e| err(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(&err)?;
    }
    out.into_inner()
        .map_err(|e| err(e.into_error()))?
        .sync_all()
        .map_err(&err)?;
    std::fs::rename(&tmp, path).map_err(&err)
}

/// A store-file line as an event, at any nesting depth.
fn read_event(text: &str) -> serde_json::Result<StoredEvent> {
    crate::json::deep::on_stack_for(text.as_bytes(), || {
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        let e = serde::Deserialize::deserialize(&mut de)?;
        de.end()?;
        Ok(e)
    })
}
