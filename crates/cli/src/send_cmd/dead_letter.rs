//! The dead-letter file: every request that was not delivered, one JSON line each, appended
//! (a run never destroys earlier failures) and flushed per line.
//!
//! `{"line":N,"action":…,"subscription":…,"outcome":…,"reason":…,"url":<redacted>,
//! "method":"POST","headers":[[name,value],…],"body":"…","event":{…}}`, with `"file":NAME`
//! first when the run read several inputs. `--replay FILE` re-sends the bodies.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use usermaven_sender::EventResult;

use super::events::Meta;

const DEFAULT_DEAD_LETTER: &str = "dead-letter.ndjson";

/// The dead-letter file, opened (in append mode) at the first failure.
pub(super) struct DeadLetter {
    pub(super) path: PathBuf,
    file: Option<std::io::BufWriter<File>>,
    /// A second handle on the file once it is open, to sync it from elsewhere (`acks`).
    handle: Arc<OnceLock<File>>,
    pub(super) lines: u64,
}

impl DeadLetter {
    pub(super) fn new(path: PathBuf) -> DeadLetter {
        DeadLetter {
            path,
            file: None,
            handle: Arc::new(OnceLock::new()),
            lines: 0,
        }
    }

    /// The file's handle for syncing, set once the file is opened.
    pub(super) fn handle(&self) -> Arc<OnceLock<File>> {
        self.handle.clone()
    }

    pub(super) fn write(&mut self, r: &EventResult<Meta>) -> std::io::Result<()> {
        if self.file.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            let _ = self.handle.set(f.try_clone()?);
            self.file = Some(std::io::BufWriter::new(f));
        }
        use usermaven_json::Value;
        let mut o = super::results::result_head(r);
        o.set("reason", Value::from(r.delivery.reason()));
        o.set("url", Value::from(r.request.redacted_url()));
        o.set("method", Value::str(r.request.method));
        let headers = r
            .request
            .headers
            .iter()
            .map(|(k, v)| Value::Array(vec![Value::str(k), Value::str(v)]))
            .collect();
        o.set("headers", Value::Array(headers));
        o.set("body", Value::str(&r.request.body));
        // The event as read (usermaven_json keeps every JS string, lone surrogates included).
        let event = match &r.meta.event {
            Some(e) => Value::parse(e).unwrap_or(Value::Null),
            None => Value::Null,
        };
        o.set("event", event);
        let mut text = Value::Object(o).to_json();
        text.push('\n');
        if let Some(f) = &mut self.file {
            f.write_all(text.as_bytes())?;
            // Flushed per line: an interrupted run keeps what it reported.
            f.flush()?;
        }
        self.lines += 1;
        Ok(())
    }
}

/// `--dead-letter`, or the default; in replay mode the default avoids the file being read.
pub(super) fn dead_letter_path(
    explicit: Option<&Path>,
    replay: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    match (explicit, replay) {
        (Some(d), Some(r)) if same(d, r) => {
            anyhow::bail!("--dead-letter must differ from the --replay file (it is being read)")
        }
        (Some(d), _) => Ok(d.to_path_buf()),
        (None, Some(r)) if same(Path::new(DEFAULT_DEAD_LETTER), r) => {
            Ok(PathBuf::from("dead-letter.retry.ndjson"))
        }
        (None, _) => Ok(PathBuf::from(DEFAULT_DEAD_LETTER)),
    }
}
