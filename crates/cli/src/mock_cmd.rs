//! `usermaven-actions mock`: runs the mock Usermaven collector (crate `usermaven-mock`) on a port
//! and prints one line per received event or rejected request. Tokens are never printed.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use tokio::sync::broadcast;
use usermaven_mock::{
    MockConfig, MockUsermaven, Notice, Outcome, Severity, Store, StrictMode, Workspace,
};

#[derive(clap::Args)]
pub(crate) struct MockArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Workspace api key (browser token; the s2s token is KEY.SERVER_TOKEN).
    #[arg(
        long,
        env = "USERMAVEN_API_KEY",
        hide_env_values = true,
        requires = "server_token"
    )]
    api_key: Option<String>,
    /// Workspace server token.
    #[arg(
        long,
        env = "USERMAVEN_SERVER_TOKEN",
        hide_env_values = true,
        requires = "api_key"
    )]
    server_token: Option<String>,
    /// More workspaces, as API_KEY:SERVER_TOKEN (repeatable).
    #[arg(long = "workspace", value_name = "KEY:TOKEN")]
    workspaces: Vec<String>,
    /// Accept anything that parses, like the real collector (no schema checks).
    #[arg(long, conflicts_with = "strict_reject")]
    lenient: bool,
    /// Answer 400 to events that break Usermaven's schema (default: accept and warn).
    #[arg(long)]
    strict_reject: bool,
    /// Append each accepted event to this NDJSON file (one line per event) and reload it on
    /// start, keeping the newest --max-events.
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Keep the newest N events in memory; older ones are evicted (/__mock/stats keeps counting
    /// them).
    #[arg(long, value_name = "N", default_value_t = usermaven_mock::DEFAULT_MAX_EVENTS)]
    max_events: usize,
    /// Keep the newest N requests in the request journal (and N injected faults in their log).
    #[arg(long, value_name = "N", default_value_t = usermaven_mock::DEFAULT_MAX_REQUESTS)]
    max_requests: usize,
    /// Faults to arm at start, as the JSON `POST /__mock/faults` takes: a fault object, an array
    /// of them, or {"faults":[...],"random":{"seed":N,...}}.
    #[arg(long, value_name = "JSON", conflicts_with = "faults_file")]
    faults: Option<String>,
    /// The same, read from a file.
    #[arg(long, value_name = "FILE")]
    faults_file: Option<PathBuf>,
    /// Collector max_event_size in bytes.
    #[arg(long, default_value_t = 51_200)]
    max_event_size: usize,
    /// The token the live page and the /__mock/ API ask for (default: random per run, printed at
    /// start). With --host beyond loopback every /__mock/ request needs it.
    #[arg(
        long,
        env = "USERMAVEN_MOCK_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    admin_token: Option<String>,
}

fn config(args: &MockArgs) -> anyhow::Result<MockConfig> {
    let mut workspaces = Vec::new();
    if let (Some(k), Some(t)) = (&args.api_key, &args.server_token) {
        workspaces.push(Workspace::new(k.clone(), t.clone()));
    }
    for w in &args.workspaces {
        let Some((k, t)) = w.split_once(':') else {
            bail!("--workspace expects API_KEY:SERVER_TOKEN");
        };
        if k.is_empty() || t.is_empty() {
            bail!("--workspace expects a non-empty API_KEY and SERVER_TOKEN");
        }
        workspaces.push(Workspace::new(k, t));
    }
    if workspaces.is_empty() {
        bail!("give --api-key and --server-token (or --workspace KEY:TOKEN)");
    }
    if args.max_events == 0 || args.max_requests == 0 {
        bail!("--max-events and --max-requests must be at least 1");
    }
    let strict = if args.lenient {
        StrictMode::Off
    } else if args.strict_reject {
        StrictMode::Reject
    } else {
        StrictMode::Warn
    };
    Ok(MockConfig {
        workspaces,
        strict,
        max_event_size: args.max_event_size,
        store: args.store.clone(),
        max_events: args.max_events,
        max_requests: args.max_requests,
        bind: SocketAddr::new(args.host, args.port),
        admin_token: args.admin_token.clone(),
        ..MockConfig::default()
    })
}

/// One line for a notice; never contains a token.
fn line(notice: &Notice) -> String {
    match notice {
        Notice::Accepted(e) => {
            let errors = e
                .warnings
                .iter()
                .filter(|w| w.severity == Severity::Error)
                .count();
            let verdict = match (errors, e.warnings.len()) {
                (0, 0) => "ok".to_owned(),
                (0, n) => format!("ok ({n} advice)"),
                (n, _) => format!("WARN {n} problem(s): {}", e.warnings[0]),
            };
            format!(
                "#{:<5} {:<16} user={} anon={} event_id={} {}",
                e.id,
                e.event_type().unwrap_or("?"),
                e.user_id().unwrap_or("-"),
                e.anonymous_id().unwrap_or("-"),
                e.event_id().unwrap_or("-"),
                verdict
            )
        }
        Notice::Rejected {
            request_id,
            path,
            status,
            reason,
        } => {
            format!("req {request_id} {path} -> {status} REJECTED: {reason}")
        }
        Notice::Fault(f) => format!(
            "req {} {} -> FAULT {} ({})",
            f.request_id,
            f.path,
            f.fault.label(),
            f.origin
        ),
    }
}

/// Where the live page is. Beyond loopback the link carries the admin token (printed this once;
/// opening it sets a cookie and drops the token from the address bar).
fn page_line(mock: &MockUsermaven) -> String {
    if mock.addr().ip().is_loopback() {
        format!("live page: {}", mock.page_url())
    } else {
        format!(
            "live page: {}?admin_token={} (bound beyond loopback: every /__mock/ request needs this admin token, e.g. header {}: TOKEN)",
            mock.page_url(),
            mock.admin_token(),
            usermaven_mock::ADMIN_TOKEN_HEADER
        )
    }
}

/// Lines per second printed one per notice; above that, one summary line per second.
const LINES_PER_SECOND: u32 = 100;
/// How often notices are collected and printed.
const TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// Prints notices: one line each up to [`LINES_PER_SECOND`], then, once a second, a summary
/// from the mock's exact counters. Notices are collected every [`TICK`] and written with one
/// `write` per tick: the ingestion path never waits for the terminal, and no task is woken per
/// event (the profile showed a wake-up and a write per event costing more than ingesting it).
async fn print_notices(mut notices: broadcast::Receiver<Notice>, state: Store) {
    use std::io::Write as _;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut window = tokio::time::Instant::now();
    let mut printed = 0u32;
    let mut printed_events = 0u64;
    let mut printed_other = 0u64;
    let mut last = state.stats();
    let mut out = String::new();
    loop {
        tick.tick().await;
        loop {
            match notices.try_recv() {
                Ok(n) => {
                    if printed < LINES_PER_SECOND {
                        printed += 1;
                        if matches!(n, Notice::Accepted(_)) {
                            printed_events += 1;
                        } else {
                            printed_other += 1;
                        }
                        out.push_str(&line(&n));
                        out.push('\n');
                    }
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(broadcast::error::TryRecvError::Empty) => break,
                Err(broadcast::error::TryRecvError::Closed) => return,
            }
        }
        if window.elapsed() >= std::time::Duration::from_secs(1) {
            let now = state.stats();
            let events = now.events.saturating_sub(last.events);
            let requests = now.requests.saturating_sub(last.requests);
            let rejected = now
                .outcome(Outcome::Rejected)
                .saturating_sub(last.outcome(Outcome::Rejected));
            let faults = now.faults_injected.saturating_sub(last.faults_injected);
            if events > printed_events || rejected + faults > printed_other {
                out.push_str(&format!(
                    "... last {:.1}s: {events} event(s) accepted in {requests} request(s), {rejected} rejected, {faults} fault(s); {} shown, the rest summarised (all of it in /__mock/stats and /__mock/requests)\n",
                    window.elapsed().as_secs_f64(),
                    printed_events + printed_other
                ));
            }
            last = now;
            window = tokio::time::Instant::now();
            printed = 0;
            printed_events = 0;
            printed_other = 0;
        }
        if !out.is_empty() {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush());
            out.clear();
        }
    }
}

/// The fault specification of `--faults` / `--faults-file`, if any.
fn faults_spec(args: &MockArgs) -> anyhow::Result<Option<String>> {
    match (&args.faults, &args.faults_file) {
        (Some(json), _) => Ok(Some(json.clone())),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("reading --faults-file {}", path.display()))
            .map(Some),
        (None, None) => Ok(None),
    }
}

pub(crate) fn run(args: MockArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    let faults = faults_spec(&args)?;
    let workspaces = config.workspaces.len();
    let strict = config.strict;
    let state = Store::new(config).context("starting the mock")?;
    // Armed before anything binds: the first request already meets them, and a bad
    // specification is an error, not a mock without it.
    if let Some(spec) = &faults {
        state
            .apply_faults_json(spec)
            .map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let mock = MockUsermaven::serve(state).await.context("starting the mock")?;
        let notices = mock.state().subscribe();
        println!(
            "mock Usermaven listening on {} ({} workspace(s), strict mode {:?}, {} stored event(s)); admin API at {}/__mock/",
            mock.uri(),
            workspaces,
            strict,
            mock.events().len(),
            mock.uri()
        );
        println!("{}", page_line(&mock));
        if faults.is_some() {
            let pending = mock.state().pending_faults().len();
            println!("faults armed from the command line: {pending} scripted entr(y/ies){}", if mock.state().random_faults_armed() { ", random faults on" } else { "" });
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = print_notices(notices, mock.state().clone()) => {}
        }
        mock.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
