//! The `usermaven-actions` binary and its library half, run as a user runs them: one test
//! binary, shared helpers here.
//!
//! - `cases`: every committed case file through the library case runner vs the reference.
//! - `map`: `map`, `config check` and `describe` on the committed samples.
//! - `input`: the input rules (bad bytes, BOM, several files, directories, gzip) through `map`.
//! - `send`: tokens never leak, the embedded mock, replay, usage errors.
//! - `config_shapes`: Segment's Public API shapes through `config check`, `map`, `config convert`.
//! - `diff`: `diff BASE HEAD` on the worked example.
//! - `explain`: `explain` against `map` on the committed samples, JSON and text.
//! - `snapshot_dir`: `test DIR` on the worked example (pass, fail naming the field, `--accept`).
//! - `checkpoint`: `send --checkpoint` killed mid-run and resumed.
//! - `endpoint_down`: the endpoint dies mid-run (behind `proxy`, or a `scripted` endpoint that
//!   stops answering), for good or for a while.
//! - `shell`: `completions` and `man`.
//! - `shared_flags`: every command that loads a configuration takes the same flags.
//! - `mock_flags`: `mock --faults`, `--faults-file`, `--max-events` over loopback.
//! - `mock_page`: `mock`'s start-up lines (the live page, the admin token beyond loopback).
//! - `dev`: Segment's real SDKs (node, python, analytics-next in chromium) through `dev`, and
//!   `map` of the export equal to what the mock received.

mod checkpoint;
mod config_shapes;
mod dev;
mod diff;
mod endpoint_down;
mod explain;
mod input;
mod jobs;
mod map;
mod mock_flags;
mod mock_page;
mod proxy;
mod scripted;
mod send;
mod shared_flags;
mod shell;
mod snapshot_dir;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_usermaven-actions"))
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory, removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("scratch dir")
}

/// Run with no credentials from the environment; stdout and stderr as one text.
pub fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd
        .env_remove("USERMAVEN_API_KEY")
        .env_remove("USERMAVEN_SERVER_TOKEN")
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// `usermaven-actions mock` on a free loopback port, with one workspace.
pub fn mock_command(api_key: &str, server_token: &str) -> Command {
    let mut c = bin();
    c.args(["mock", "--port", "0", "--api-key", api_key])
        .args(["--server-token", server_token]);
    c
}

/// A child process, killed and reaped when dropped (a failing test leaves no server behind).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
