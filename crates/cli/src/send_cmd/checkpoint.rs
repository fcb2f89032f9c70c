//! `send --checkpoint FILE`: how far delivery has been acknowledged, so that a run stopped
//! in any way (crash, kill -9, Ctrl-C, reboot) resumes after the last acknowledged line.
//!
//! A line is acknowledged when every request it produced is delivered or in the dead-letter
//! file (lines with no request — unmatched, bad — count at once). Requests complete out of
//! order; the checkpoint only moves past a line when every line before it is acknowledged too,
//! so what it records is a prefix of the input.
//!
//! The file is an append-only log, one JSON object per line, written (not just buffered) as
//! the acknowledged prefix grows, so a kill -9 loses nothing written before it, and synced
//! after each batch of acknowledgements (see `acks`: what a power loss may take):
//! `{"file":NAME,"line":N}` (lines 1..=N of input NAME are acknowledged) and
//! `{"complete":NAME}` (all of it is). Inputs are named as on the command line. The log is
//! compacted (rewritten to a temporary file, synced, renamed over, the directory synced) on
//! start and whenever it grows past [`COMPACT_BYTES`]; a torn last line (power loss) is
//! ignored on reading.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use usermaven_json::{Object, Value};

/// The log is compacted once it has grown this much.
const COMPACT_BYTES: u64 = 4 << 20;

/// What an earlier run acknowledged, by input name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Resume {
    pub(super) complete: BTreeSet<String>,
    pub(super) lines: BTreeMap<String, u64>,
}

impl Resume {
    /// Whether line `line` of input `name` was acknowledged (line 0: the input's opening).
    pub(super) fn done(&self, name: &str, line: u64) -> bool {
        self.complete.contains(name) || self.lines.get(name).is_some_and(|&l| line <= l)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.complete.is_empty() && self.lines.is_empty()
    }

    pub(super) fn read(path: &Path) -> anyhow::Result<Resume> {
        let mut resume = Resume::default();
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(resume),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        for raw in text.split(|b| *b == b'\n') {
            // A torn or foreign line is skipped: the records around it still hold.
            let Some(v) = std::str::from_utf8(raw)
                .ok()
                .and_then(|t| Value::parse(t).ok())
            else {
                continue;
            };
            if let Some(name) = v.get("complete").and_then(Value::as_str) {
                resume.lines.remove(name);
                resume.complete.insert(name.to_string());
            } else if let (Some(name), Some(line)) = (
                v.get("file").and_then(Value::as_str),
                v.get("line").and_then(Value::as_f64),
            ) {
                if !resume.complete.contains(name) {
                    let l = resume.lines.entry(name.to_string()).or_default();
                    *l = (*l).max(line as u64);
                }
            }
        }
        Ok(resume)
    }
}

/// One step of the input, in reading order.
#[derive(Debug, Clone, Copy)]
enum Step {
    Line { source: usize, line: u64 },
    End { source: usize },
}

/// Tracks acknowledgements and appends the log. Shared (behind a mutex) by the reading
/// thread, which registers steps, and the result callback, which acknowledges requests.
pub(super) struct Checkpoint {
    path: PathBuf,
    names: Vec<String>,
    log: File,
    written: u64,
    /// Records were written since the log was last synced.
    dirty: bool,
    state: Resume,
    /// Steps from the first unacknowledged one on, with their outstanding request counts.
    window: VecDeque<(Step, u32)>,
    /// Sequence number of `window[0]`.
    base: u64,
    write_error: Option<std::io::Error>,
}

impl Checkpoint {
    /// Open (or create) the log at `path` for inputs named `names`; returns what an earlier
    /// run acknowledged.
    pub(super) fn open(path: &Path, names: Vec<String>) -> anyhow::Result<(Checkpoint, Resume)> {
        let resume = Resume::read(path)?;
        let (log, written) = compact(path, &resume)?;
        let cp = Checkpoint {
            path: path.to_path_buf(),
            names,
            log,
            written,
            dirty: false,
            state: resume.clone(),
            window: VecDeque::new(),
            base: 1,
            write_error: None,
        };
        Ok((cp, resume))
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Register input line `line` of `source`, which produced `requests` requests; returns
    /// the sequence number the requests' results are acknowledged with.
    pub(super) fn line(&mut self, source: usize, line: u64, requests: u32) -> u64 {
        self.push(Step::Line { source, line }, requests)
    }

    /// Register the end of input `source` (every line of it was registered).
    pub(super) fn end(&mut self, source: usize) {
        self.push(Step::End { source }, 0);
    }

    /// One request of step `seq` is delivered or dead-lettered.
    pub(super) fn ack(&mut self, seq: u64) {
        let Some(i) = seq.checked_sub(self.base) else {
            return;
        };
        if let Some((_, n)) = self.window.get_mut(i as usize) {
            *n = n.saturating_sub(1);
        }
        if i == 0 {
            self.advance();
        }
    }

    /// The first error writing the log, if any (the run goes on; the user is told).
    pub(super) fn take_error(&mut self) -> Option<std::io::Error> {
        self.write_error.take()
    }

    /// A handle on the log to sync (outside the lock) when records were written since the
    /// last one was taken; syncing it makes every record written so far durable.
    pub(super) fn unsynced(&mut self) -> std::io::Result<Option<File>> {
        if !self.dirty {
            return Ok(None);
        }
        let handle = self.log.try_clone()?;
        self.dirty = false;
        Ok(Some(handle))
    }

    pub(super) fn all_complete(&self) -> bool {
        self.names.iter().all(|n| self.state.complete.contains(n))
    }

    fn push(&mut self, step: Step, requests: u32) -> u64 {
        let seq = self.base + self.window.len() as u64;
        self.window.push_back((step, requests));
        if self.window.len() == 1 && requests == 0 {
            self.advance();
        }
        seq
    }

    /// Drop the acknowledged steps at the front and log how far they reach.
    fn advance(&mut self) {
        let mut last_line: Option<(usize, u64)> = None;
        let mut records = String::new();
        while let Some(&(step, 0)) = self.window.front() {
            self.window.pop_front();
            self.base += 1;
            match step {
                Step::Line { source, line } => last_line = Some((source, line)),
                Step::End { source } => {
                    if let Some((s, l)) = last_line.take() {
                        if s != source {
                            self.record_line(&mut records, s, l);
                        }
                    }
                    let name = &self.names[source];
                    self.state.lines.remove(name);
                    self.state.complete.insert(name.clone());
                    let mut o = Object::new();
                    o.set("complete", Value::str(name));
                    Value::Object(o).write_json(&mut records);
                    records.push('\n');
                }
            }
        }
        if let Some((s, l)) = last_line {
            self.record_line(&mut records, s, l);
        }
        if records.is_empty() {
            return;
        }
        let result = self.log.write_all(records.as_bytes());
        self.written += records.len() as u64;
        self.dirty = true;
        if let Err(e) = result {
            self.write_error.get_or_insert(e);
            return;
        }
        if self.written > COMPACT_BYTES {
            match compact(&self.path, &self.state) {
                Ok((log, written)) => {
                    // The compacted log is synced already.
                    self.log = log;
                    self.written = written;
                    self.dirty = false;
                }
                Err(e) => {
                    self.write_error
                        .get_or_insert(std::io::Error::other(format!("{e:#}")));
                }
            }
        }
    }

    fn record_line(&mut self, records: &mut String, source: usize, line: u64) {
        let name = &self.names[source];
        self.state.lines.insert(name.clone(), line);
        let mut o = Object::new();
        o.set("file", Value::str(name));
        o.set("line", Value::Number(line as f64));
        Value::Object(o).write_json(records);
        records.push('\n');
    }
}

/// Rewrite the log as just `state` (temporary file, synced, renamed over), and open it for
/// appending.
fn compact(path: &Path, state: &Resume) -> anyhow::Result<(File, u64)> {
    let mut text = String::new();
    for name in &state.complete {
        let mut o = Object::new();
        o.set("complete", Value::str(name));
        Value::Object(o).write_json(&mut text);
        text.push('\n');
    }
    for (name, line) in &state.lines {
        let mut o = Object::new();
        o.set("file", Value::str(name));
        o.set("line", Value::Number(*line as f64));
        Value::Object(o).write_json(&mut text);
        text.push('\n');
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let context = || format!("cannot write the checkpoint {}", path.display());
    {
        let mut f = File::create(&tmp).with_context(context)?;
        f.write_all(text.as_bytes()).with_context(context)?;
        f.sync_all().with_context(context)?;
    }
    std::fs::rename(&tmp, path).with_context(context)?;
    // The rename itself is durable once the directory is synced.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(context)?;
    let log = OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(context)?;
    Ok((log, text.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_records_only_an_acknowledged_prefix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cp");
        let names = vec!["a".to_string(), "b".to_string()];
        let (mut cp, resume) = Checkpoint::open(&path, names.clone()).expect("open");
        assert!(resume.is_empty());
        let s1 = cp.line(0, 1, 2);
        let _bad = cp.line(0, 2, 0);
        let s3 = cp.line(0, 3, 1);
        cp.end(0);
        let s4 = cp.line(1, 1, 1);
        // Line 3 and b:1 done first: nothing moves while line 1 is outstanding.
        cp.ack(s3);
        cp.ack(s4);
        cp.ack(s1);
        assert_eq!(Resume::read(&path).expect("read"), Resume::default());
        cp.ack(s1);
        let got = Resume::read(&path).expect("read");
        assert!(got.done("a", 1_000) && got.done("b", 1) && !got.done("b", 2));
        assert!(!cp.all_complete());
        cp.end(1);
        assert!(cp.all_complete());
        drop(cp);
        // Reopened: the same state, compacted.
        let (_, again) = Checkpoint::open(&path, names).expect("reopen");
        assert_eq!(again.complete.len(), 2);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "{\"complete\":\"a\"}\n{\"complete\":\"b\"}\n");
    }

    #[test]
    fn a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cp");
        std::fs::write(&path, "{\"file\":\"a\",\"line\":7}\n{\"file\":\"a\",\"li").expect("write");
        let got = Resume::read(&path).expect("read");
        assert!(got.done("a", 7) && !got.done("a", 8));
    }
}
