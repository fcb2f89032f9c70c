//! `usermaven-actions send`: Segment events (NDJSON) → the destination → `usermaven-sender`.
//!
//! Without `--endpoint` the requests go to an embedded `usermaven-mock` on 127.0.0.1:0, and
//! the end of the run shows what Usermaven would have received. Input is streamed (a bounded
//! channel between the reading thread and the sender); Ctrl-C stops reading, lets requests in
//! flight finish within `--drain-timeout`, and dead-letters the rest.
//!
//! The clock and the random ids come from `--now` and `--seed` (default: the real clock and a
//! random seed, read here, once); the destination crate itself never reads either.
//!
//! Dead-letter lines (appended; a run never destroys earlier failures):
//! `{"line":N,"action":…,"subscription":…,"outcome":…,"reason":…,"url":<redacted>,
//! "method":"POST","headers":[[name,value],…],"body":"…","event":{…}}`. `--replay FILE`
//! re-sends their bodies, rebuilding the URL from the current credentials.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use usermaven_destination::{Destination, Env, Options, Request, REDACTED_TOKEN};
use usermaven_sender::{
    Backoff, Batching, CancellationToken, Delivery, Envelope, EventResult, Report, Sender,
    SenderConfig,
};

const DEFAULT_DEAD_LETTER: &str = "dead-letter.ndjson";
/// Per-event failure lines printed before the rest is only counted.
const MAX_FAILURE_LINES: u64 = 20;

#[derive(clap::Args)]
pub(crate) struct SendArgs {
    /// NDJSON file of Segment events; `-` or nothing for stdin.
    #[arg(conflicts_with = "replay")]
    input: Option<String>,
    /// A running Usermaven (or mock) origin, e.g. http://127.0.0.1:8080 or
    /// https://events.usermaven.com. Default: start an embedded mock for this run.
    #[arg(long)]
    endpoint: Option<String>,
    #[command(flatten)]
    credentials: crate::Credentials,
    #[command(flatten)]
    determinism: crate::Determinism,
    /// A destination configuration (settings + subscriptions); default: the four presets.
    #[arg(long)]
    config: Option<String>,
    /// Apply the documented fix for the reference's company.custom bug.
    #[arg(long)]
    fix_company_custom: bool,
    /// Compute local_tz_offset at the event's time (`utc_time`) instead of now (for replays).
    #[arg(long)]
    tz_offset_at_event_time: bool,
    /// Apply the documented fix for the reference's local-midnight offset bug.
    #[arg(long)]
    fix_tz_midnight: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=4096))]
    concurrency: u64,
    /// Per-attempt timeout (`10s`, `500ms`, or seconds).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// Attempts per request, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: u32,
    /// Events per request (JSON array bodies); 1 sends each event as Segment does.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    batch_size: u64,
    /// After Ctrl-C, how long requests in flight may take.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    drain_timeout: Duration,
    /// Where undelivered requests are appended (created only when something failed).
    #[arg(long)]
    dead_letter: Option<PathBuf>,
    /// Re-send the requests of a dead-letter file instead of reading events.
    #[arg(long)]
    replay: Option<PathBuf>,
}

/// What travels with each request through the sender.
#[derive(Debug)]
struct Meta {
    line: u64,
    action: Arc<str>,
    subscription: Arc<str>,
    /// The event as JSON text (shared by the requests of one line); `None` on replay when
    /// the dead-letter line had none.
    event: Option<Arc<str>>,
}

/// Counters of the reading side.
#[derive(Default, Debug)]
struct ReadStats {
    lines: u64,
    bad_lines: u64,
    action_errors: u64,
    unmatched: u64,
    requests: u64,
    /// Set when shutdown stopped the reading before the end of the input.
    stopped_after_line: Option<u64>,
    /// Requests the sender no longer took (the channel closed under the reader).
    unsent: Vec<Envelope<Meta>>,
}

pub(crate) fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: SendArgs) -> anyhow::Result<ExitCode> {
    let embedded = args.endpoint.is_none();
    let mut credentials = args.credentials.clone();
    if embedded {
        credentials
            .api_key
            .get_or_insert_with(|| usermaven_mock::DEFAULT_API_KEY.to_string());
        credentials
            .server_token
            .get_or_insert_with(|| usermaven_mock::DEFAULT_SERVER_TOKEN.to_string());
    }
    let options = Options {
        fix_company_custom: args.fix_company_custom,
        tz_offset_at_event_time: args.tz_offset_at_event_time,
        fix_tz_midnight: args.fix_tz_midnight,
        ..Options::default()
    };
    let dest = if args.replay.is_some() {
        // Replay needs only the credentials; the bodies are already built.
        let key = credentials
            .api_key
            .clone()
            .context("no API key: pass --api-key or set USERMAVEN_API_KEY")?;
        let token = credentials
            .server_token
            .clone()
            .context("no server token: pass --server-token or set USERMAVEN_SERVER_TOKEN")?;
        Destination::new(usermaven_destination::Settings::new(key, token), options)
    } else {
        crate::destination_from(args.config.as_deref(), &credentials, options)?
    };
    let dead_letter_path = dead_letter_path(args.dead_letter.as_deref(), args.replay.as_deref())?;

    // The embedded mock accepts the destination's credentials and warns on schema problems.
    let mock = if embedded {
        let s = dest.settings();
        let config = usermaven_mock::MockConfig::new(s.api_key(), s.server_token())
            .with_strict(usermaven_mock::StrictMode::Warn);
        Some(
            usermaven_mock::MockUsermaven::start(config)
                .await
                .context("cannot start the embedded mock")?,
        )
    } else {
        None
    };
    let base_url = match (&args.endpoint, &mock) {
        (Some(e), _) => e.clone(),
        (None, m) => m.as_ref().map(|m| m.uri()).unwrap_or_default(),
    };
    let sender = Sender::new(SenderConfig {
        base_url: Some(base_url),
        concurrency: args.concurrency as usize,
        timeout: args.timeout,
        backoff: Backoff {
            max_attempts: args.max_attempts,
            seed: args.determinism.seed.unwrap_or(0),
            ..Backoff::default()
        },
        batching: Batching {
            max_events: args.batch_size as usize,
            ..Batching::default()
        },
        drain_timeout: args.drain_timeout,
        ..SenderConfig::default()
    })
    .context("--endpoint")?;
    if let Some(m) = &mock {
        eprintln!(
            "send: no --endpoint: delivering to an embedded mock Usermaven at {}",
            m.uri()
        );
    }

    let shutdown = CancellationToken::new();
    {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("send: interrupted: no more input is read; finishing requests in flight");
                shutdown.cancel();
            }
        });
    }

    // The reading side runs on its own thread (stdin locks are not Send) and blocks on the
    // bounded channel when the sender is behind.
    let (tx, rx) =
        usermaven_sender::channel::<Meta>(args.concurrency as usize * args.batch_size as usize * 4);
    let reader = {
        let shutdown = shutdown.clone();
        let input = args.input.clone();
        let replay = args.replay.clone();
        let settings = dest.settings().clone();
        let mut env = args.determinism.env();
        std::thread::spawn(move || -> anyhow::Result<ReadStats> {
            match replay {
                Some(path) => read_replay(&path, &settings, &tx, &shutdown),
                None => read_events(input.as_deref(), &dest, &mut env, &tx, &shutdown),
            }
        })
    };

    let started = Instant::now();
    let mut dead = DeadLetter::new(dead_letter_path);
    let mut progress = Progress::new();
    let mut failures_printed = 0u64;
    let mut write_error: Option<std::io::Error> = None;
    let report = sender
        .run(rx, shutdown.clone(), |r| {
            progress.tick(&r);
            if !r.delivery.is_delivered() {
                if failures_printed < MAX_FAILURE_LINES {
                    progress.println(&failure_line(&r));
                } else if failures_printed == MAX_FAILURE_LINES {
                    progress
                        .println("send: more failures are only counted (see the dead-letter file)");
                }
                failures_printed += 1;
                if let Err(e) = dead.write(&r) {
                    write_error.get_or_insert(e);
                }
            }
        })
        .await;
    progress.finish();
    let mut stats = match tokio::task::spawn_blocking(move || reader.join()).await {
        Ok(Ok(result)) => result?,
        _ => anyhow::bail!("the input reader failed"),
    };
    let mut report = report;
    for e in std::mem::take(&mut stats.unsent) {
        let r = EventResult {
            id: e.id,
            meta: e.meta,
            oversize: e.request.body.len() > usermaven_sender::MAX_EVENT_BYTES,
            request: e.request,
            delivery: Delivery::NotSent {
                reason: "shutdown before it was sent".into(),
            },
            batch_size: 0,
        };
        report.record(&r);
        if let Err(e) = dead.write(&r) {
            write_error.get_or_insert(e);
        }
    }
    if let Some(e) = write_error {
        eprintln!(
            "send: error: cannot write the dead-letter file {}: {e}",
            dead.path.display()
        );
    }

    print_summary(&stats, &report, started.elapsed(), &dead);
    if let Some(m) = mock {
        print_received(&m);
        m.shutdown().await;
    }
    let ok = report.all_delivered()
        && stats.bad_lines == 0
        && stats.action_errors == 0
        && stats.stopped_after_line.is_none()
        && !shutdown.is_cancelled();
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--dead-letter`, or the default; in replay mode the default avoids the file being read.
fn dead_letter_path(explicit: Option<&Path>, replay: Option<&Path>) -> anyhow::Result<PathBuf> {
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

/// Read Segment events, route them, and queue their requests.
fn read_events(
    input: Option<&str>,
    dest: &Destination,
    env: &mut dyn Env,
    tx: &tokio::sync::mpsc::Sender<Envelope<Meta>>,
    shutdown: &CancellationToken,
) -> anyhow::Result<ReadStats> {
    let reader = crate::open_input(input)?;
    let mut stats = ReadStats::default();
    let mut id = 0u64;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i as u64 + 1;
        if shutdown.is_cancelled() {
            stats.stopped_after_line = Some(line_no - 1);
            break;
        }
        let line = line.with_context(|| format!("reading line {line_no}"))?;
        if line.trim().is_empty() {
            continue;
        }
        stats.lines += 1;
        let routed = match usermaven_actions::map::route_line(dest, env, &line) {
            Ok(routed) => routed,
            Err(usermaven_actions::map::LineError::NotObject) => {
                stats.bad_lines += 1;
                eprintln!("line {line_no}: not a JSON object; skipped");
                continue;
            }
            Err(usermaven_actions::map::LineError::Json(e)) => {
                stats.bad_lines += 1;
                eprintln!("line {line_no}: invalid JSON: {e}; skipped");
                continue;
            }
        };
        if routed.is_empty() {
            stats.unmatched += 1;
            continue;
        }
        // The event as it was given (dead letters keep it for replay).
        let event_json: Arc<str> = Arc::from(line.as_str());
        for r in routed {
            match r.result {
                Ok(request) => {
                    stats.requests += 1;
                    id += 1;
                    let meta = Meta {
                        line: line_no,
                        action: Arc::from(r.action_name.as_str()),
                        subscription: Arc::from(r.subscription.as_str()),
                        event: Some(event_json.clone()),
                    };
                    if let Err(closed) = tx.blocking_send(Envelope { id, meta, request }) {
                        stats.unsent.push(closed.0);
                        stats.stopped_after_line = Some(line_no);
                    }
                }
                Err(e) => {
                    stats.action_errors += 1;
                    eprintln!(
                        "line {line_no}: {} ({}): {e}",
                        r.subscription, r.action_name
                    );
                }
            }
        }
        if stats.stopped_after_line.is_some() {
            break;
        }
    }
    Ok(stats)
}

/// Read a dead-letter file and queue its requests with the URL rebuilt from `settings`.
fn read_replay(
    path: &Path,
    settings: &usermaven_destination::Settings,
    tx: &tokio::sync::mpsc::Sender<Envelope<Meta>>,
    shutdown: &CancellationToken,
) -> anyhow::Result<ReadStats> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = std::io::BufReader::new(file);
    let token = format!("{}.{}", settings.api_key(), settings.server_token());
    let encoded_token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let mut stats = ReadStats::default();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i as u64 + 1;
        if shutdown.is_cancelled() {
            stats.stopped_after_line = Some(line_no - 1);
            break;
        }
        let line = line.with_context(|| format!("reading {} line {line_no}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        stats.lines += 1;
        let entry = match replay_entry(&line, &encoded_token) {
            Ok(e) => e,
            Err(msg) => {
                stats.bad_lines += 1;
                eprintln!("{} line {line_no}: {msg}; skipped", path.display());
                continue;
            }
        };
        stats.requests += 1;
        let (meta, request) = entry;
        if let Err(closed) = tx.blocking_send(Envelope {
            id: line_no,
            meta,
            request,
        }) {
            stats.unsent.push(closed.0);
            stats.stopped_after_line = Some(line_no);
            break;
        }
    }
    Ok(stats)
}

fn replay_entry(line: &str, encoded_token: &str) -> Result<(Meta, Request), String> {
    // usermaven_json, not serde_json: dead-letter events may hold lone surrogates (as JS
    // strings can), which serde_json rejects.
    let v = usermaven_json::Value::parse(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let field = |k: &str| v.get(k).and_then(usermaven_json::Value::as_str);
    let url = field("url").ok_or("no \"url\"")?;
    let body = field("body").ok_or("no \"body\" (nothing to re-send)")?;
    let redacted = format!("token={REDACTED_TOKEN}");
    if !url.contains(&redacted) {
        return Err(format!("the url has no {redacted} to fill in"));
    }
    let method = match field("method").unwrap_or("POST") {
        "POST" => "POST",
        "PUT" => "PUT",
        other => return Err(format!("unsupported method {other:?}")),
    };
    let headers = v
        .get("headers")
        .and_then(usermaven_json::Value::as_array)
        .map(|hs| {
            hs.iter()
                .filter_map(|h| {
                    let pair = h.as_array()?;
                    Some((
                        pair.first()?.as_str()?.to_string().into(),
                        pair.get(1)?.as_str()?.to_string().into(),
                    ))
                })
                .collect()
        })
        .unwrap_or_else(|| vec![("content-type".into(), "application/json".into())]);
    let action = Arc::from(field("action").unwrap_or("unknown"));
    let meta = Meta {
        line: v
            .get("line")
            .and_then(usermaven_json::Value::as_f64)
            .filter(|n| *n >= 0.0)
            .map_or(0, |n| n as u64),
        action,
        subscription: Arc::from(field("subscription").unwrap_or("")),
        event: v
            .get("event")
            .filter(|e| !e.is_null())
            .map(|e| Arc::from(e.to_json())),
    };
    let request = Request {
        url: usermaven_destination::Secret::new(url.replacen(
            &redacted,
            &format!("token={encoded_token}"),
            1,
        )),
        method,
        headers,
        body: body.to_string(),
    };
    Ok((meta, request))
}

/// The dead-letter file, opened (in append mode) at the first failure.
struct DeadLetter {
    path: PathBuf,
    file: Option<std::io::BufWriter<File>>,
    lines: u64,
}

impl DeadLetter {
    fn new(path: PathBuf) -> DeadLetter {
        DeadLetter {
            path,
            file: None,
            lines: 0,
        }
    }

    fn write(&mut self, r: &EventResult<Meta>) -> std::io::Result<()> {
        if self.file.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            self.file = Some(std::io::BufWriter::new(f));
        }
        use usermaven_json::{Object, Value};
        let mut o = Object::new();
        o.set("line", Value::Number(r.meta.line as f64));
        o.set("action", Value::str(&r.meta.action));
        o.set("subscription", Value::str(&r.meta.subscription));
        o.set("outcome", Value::str(r.delivery.kind()));
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

fn failure_line(r: &EventResult<Meta>) -> String {
    format!(
        "line {} ({}): {}",
        r.meta.line,
        r.meta.action,
        r.delivery.reason()
    )
}

/// A spinner with counts when stderr is a terminal; nothing otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    delivered: u64,
    failed: u64,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            delivered: 0,
            failed: 0,
        }
    }

    fn tick(&mut self, r: &EventResult<Meta>) {
        if r.delivery.is_delivered() {
            self.delivered += 1;
        } else {
            self.failed += 1;
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{} delivered, {} failed",
                self.delivered, self.failed
            ));
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_summary(stats: &ReadStats, report: &Report, elapsed: Duration, dead: &DeadLetter) {
    eprintln!(
        "send: {} lines, {} requests; {} delivered, {} rejected, {} gave up, {} interrupted, {} not sent; \
         {} bad lines, {} action errors, {} unmatched; {} HTTP requests ({} retries, {} oversize) in {:.1} s",
        stats.lines,
        stats.requests,
        report.delivered,
        report.rejected,
        report.gave_up,
        report.interrupted,
        report.not_sent,
        stats.bad_lines,
        stats.action_errors,
        stats.unmatched,
        report.http_requests,
        report.retries,
        report.oversize,
        elapsed.as_secs_f64()
    );
    if let Some(line) = stats.stopped_after_line {
        eprintln!("send: stopped reading after input line {line}; later lines were not read");
    }
    if dead.lines > 0 {
        eprintln!(
            "send: {} undelivered request(s) appended to {}",
            dead.lines,
            dead.path.display()
        );
    }
}

/// What the embedded mock stored: counts per event_type and strict-mode warnings.
fn print_received(mock: &usermaven_mock::MockUsermaven) {
    let events = mock.events();
    let mut per_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut warnings: BTreeMap<String, (u64, u64)> = BTreeMap::new(); // message → (count, first event id)
    for e in &events {
        *per_type
            .entry(e.event_type().unwrap_or("(none)").to_string())
            .or_default() += 1;
        for w in &e.warnings {
            let key = format!("{} {}: {}", severity(w.severity), w.path, w.message);
            warnings.entry(key).or_insert((0, e.id)).0 += 1;
        }
    }
    println!(
        "Usermaven (embedded mock) received {} event(s):",
        events.len()
    );
    for (t, n) in &per_type {
        println!("  {n:>7}  {t}");
    }
    let rejected: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.outcome == "rejected")
        .collect();
    if !rejected.is_empty() {
        println!("{} request(s) rejected by the mock:", rejected.len());
        for r in rejected.iter().take(10) {
            println!(
                "  HTTP {}: {}",
                r.status.unwrap_or(0),
                r.reason.as_deref().unwrap_or("")
            );
        }
    }
    if warnings.is_empty() {
        println!("strict-mode validation: no warnings");
    } else {
        println!("strict-mode validation warnings:");
        for (w, (n, first)) in &warnings {
            println!("  {n:>7} × {w} (first: stored event {first})");
        }
    }
}

fn severity(s: usermaven_mock::Severity) -> &'static str {
    match s {
        usermaven_mock::Severity::Error => "error",
        usermaven_mock::Severity::Advice => "advice",
    }
}

/// `10s`, `250ms`, `2m`, or plain seconds (`1.5`).
fn parse_duration(s: &str) -> Result<Duration, String> {
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

    #[test]
    fn replay_entry_rebuilds_the_url() {
        let line = r#"{"line":4,"action":"track","subscription":"Track Event","url":"https://events.usermaven.com/api/v1/s2s/event?token=REDACTED","method":"POST","headers":[["content-type","application/json"]],"body":"{\"a\":1}","event":{"type":"track"}}"#;
        let (meta, req) = replay_entry(line, "k.t%2B").expect("entry");
        assert_eq!(
            req.url.expose(),
            "https://events.usermaven.com/api/v1/s2s/event?token=k.t%2B"
        );
        assert_eq!(
            (req.body.as_str(), meta.line, meta.action.as_ref()),
            (r#"{"a":1}"#, 4, "track")
        );
        assert!(replay_entry(r#"{"url":"http://x/?token=abc","body":"{}"}"#, "k.t").is_err());
        assert!(replay_entry(r#"{"url":"http://x/?token=REDACTED"}"#, "k.t").is_err());
        assert!(replay_entry("nope", "k.t").is_err());
    }
}
