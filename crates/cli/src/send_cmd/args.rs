//! `send`'s command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    pub(super) input: crate::InputArgs,
    /// One JSON line per request and its outcome (`--output FILE`); default: none.
    #[command(flatten)]
    pub(super) output: crate::OutputArgs,
    /// A running Usermaven (or mock) origin, e.g. http://127.0.0.1:8080 or
    /// https://events.usermaven.com. Default: start an embedded mock for this run.
    #[arg(long)]
    pub(super) endpoint: Option<String>,
    /// Without --endpoint: keep the embedded mock serving after the run (its page at
    /// `/__mock/`) until Ctrl-C.
    #[arg(long, conflicts_with = "endpoint")]
    pub(super) keep_open: bool,
    #[command(flatten)]
    pub(super) flags: crate::ConfigFlags,
    /// A destination configuration (settings + subscriptions); default: the four presets.
    #[arg(long)]
    pub(super) config: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub(super) concurrency: u64,
    /// Per-attempt timeout (`10s`, `500ms`, or seconds).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(super) timeout: Duration,
    /// Attempts per request, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(super) max_attempts: u32,
    /// Events per request (JSON array bodies); 1 sends each event as Segment does.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub(super) batch_size: u64,
    /// How long the endpoint may fail every request before it is declared down: connections
    /// refused (reset, DNS, TLS), no answer (--timeout passed, or closed without a response),
    /// or only retryable statuses (5xx but 501, 408, 423, 429) whatever their Retry-After.
    /// Once 3 different requests fail in a row (and, but for refusals, nothing has been
    /// answered for 1 s), sending pauses and probes one request at a time, spaced by any
    /// Retry-After; back within this time, nothing is lost. Otherwise the run stops reading,
    /// dead-letters what is queued, names the endpoint and exits 3: it ends about this long
    /// after the endpoint stopped answering (plus one --timeout for a probe in flight).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub(super) down_timeout: Duration,
    /// After Ctrl-C, how long requests in flight may take.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(super) drain_timeout: Duration,
    /// Where undelivered requests are appended (created only when something failed).
    #[arg(long)]
    pub(super) dead_letter: Option<PathBuf>,
    /// Record delivery progress in FILE and, when FILE exists, resume after the last line
    /// whose requests were all delivered or dead-lettered (a crash, kill -9 or Ctrl-C loses
    /// nothing; at most the requests in flight are sent twice, with their event ids).
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub(super) checkpoint: Option<PathBuf>,
    /// With --checkpoint: how often acknowledgements are synced to disk (fsync of the
    /// dead-letter file, then of the checkpoint). A power loss may take the acknowledgements of
    /// the last interval from the checkpoint: those lines are sent again on resume, nothing is
    /// lost; a dead-lettered line counts as acknowledged only once synced. 0: sync each batch
    /// of acknowledgements before counting the next (no window, slower).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        value_parser = parse_duration,
        requires = "checkpoint"
    )]
    pub(super) checkpoint_sync: Duration,
    /// Re-send the requests of a dead-letter file instead of reading events.
    #[arg(long, conflicts_with = "inputs")]
    pub(super) replay: Option<PathBuf>,
}

/// `10s`, `250ms`, `2m`, or plain seconds (`1.5`).
pub(super) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (try 10s or 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} (use ms, s or m)")),
    };
    if !(0.0..=86_400.0).contains(&secs) || secs.is_nan() {
        return Err(format!("duration out of range: {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = [
            ("10s", 10_000),
            ("500ms", 500),
            ("2m", 120_000),
            ("1.5", 1500),
            ("0", 0),
        ];
        for (s, ms) in ok {
            assert_eq!(parse_duration(s), Ok(Duration::from_millis(ms)), "{s}");
        }
        for bad in ["", "x", "10h", "-1s", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
