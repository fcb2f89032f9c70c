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
//! This module wires the run together; each step has its own module: `args` (the command
//! line), `events` (inputs → routed requests), `replay` (a dead-letter file → requests),
//! `dead_letter` (the file of what was not delivered), `progress` (what the user sees while
//! it runs and the summary), `received` (the embedded mock's view at the end).

mod acks;
mod args;
mod checkpoint;
mod dead_letter;
mod events;
mod progress;
mod received;
mod replay;
mod results;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use usermaven_destination::{Destination, Options};
use usermaven_sender::{
    Backoff, Batching, CancellationToken, Delivery, EventResult, Sender, SenderConfig,
};

use acks::{Acks, Syncer};
pub(crate) use args::SendArgs;
use checkpoint::Checkpoint;
use dead_letter::{dead_letter_path, DeadLetter};
use events::{lock, read_events, Meta, ReadStats, Tracking};
use progress::{failure_line, print_summary, Progress, MAX_FAILURE_LINES};
use received::print_received;
use replay::read_replay;
use results::Results;

pub(crate) fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    crate::shared_args::block_on(run_async(args))
}

async fn run_async(args: SendArgs) -> anyhow::Result<ExitCode> {
    let embedded = args.endpoint.is_none();
    let credentials = args.flags.credentials.for_embedded_mock(embedded);
    let options = Options {
        fixes: args.flags.fixes,
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
        args.flags
            .destination(args.config.as_deref(), &credentials)?
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
    // How messages name the endpoint: scheme, host and port only (the value itself is never
    // repeated: it might carry credentials).
    let origin = match url::Url::parse(&base_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            u.origin().ascii_serialization()
        }
        _ => anyhow::bail!("--endpoint must be an absolute http(s) URL with a host"),
    };
    // The one base-URL setting: the destination builds every request URL for the endpoint.
    let dest = Destination::with_subscriptions(
        dest.settings().clone(),
        Options {
            base_url,
            ..dest.options().clone()
        },
        dest.subscriptions().to_vec(),
    );
    let sender = Sender::new(SenderConfig {
        concurrency: args.concurrency as usize,
        timeout: args.timeout,
        backoff: Backoff {
            max_attempts: args.max_attempts,
            seed: args.flags.seed.unwrap_or(0),
            ..Backoff::default()
        },
        batching: Batching {
            max_events: args.batch_size as usize,
            ..Batching::default()
        },
        drain_timeout: args.drain_timeout,
        down_timeout: args.down_timeout,
        ..SenderConfig::default()
    })
    .context("cannot set up the HTTP client")?;
    if let Some(m) = &mock {
        eprintln!(
            "send: no --endpoint: delivering to an embedded mock Usermaven at {} \
             (see what it receives: {}/__mock/)",
            m.uri(),
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
    // The inputs are listed (and a missing one reported) before anything is sent.
    let lines = match &args.replay {
        Some(_) => None,
        None => Some(args.input.lines()?),
    };
    let mut results = match &args.output.output {
        None => None,
        Some(_) => {
            let inputs = match (&lines, &args.replay) {
                (Some(l), _) => l.sources().to_vec(),
                (None, Some(r)) => vec![usermaven_input::Source::file(r)],
                (None, None) => Vec::new(),
            };
            Some(Results::new(args.output.open(&inputs)?))
        }
    };
    let mut output_error: Option<std::io::Error> = None;
    let mut dead = DeadLetter::new(dead_letter_path);
    let tracking = match (&args.checkpoint, &lines) {
        (Some(path), Some(lines)) => {
            let names = lines.sources().iter().map(|s| s.name.clone()).collect();
            let (checkpoint, resume) = Checkpoint::open(path, names)?;
            if !resume.is_empty() {
                eprintln!(
                    "send: resuming from the checkpoint {}: acknowledged lines are skipped",
                    path.display()
                );
            }
            Some(Arc::new(Tracking {
                checkpoint: Arc::new(Mutex::new(checkpoint)),
                resume,
            }))
        }
        _ => None,
    };
    let reader = {
        let shutdown = shutdown.clone();
        let replay = args.replay.clone();
        let tracking = tracking.clone();
        // Replay rebuilds every URL as this destination builds it.
        let url = usermaven_destination::request_url(dest.settings(), dest.options()).0;
        let mut env = args.flags.env();
        let jobs = args.jobs.get();
        std::thread::spawn(move || -> anyhow::Result<ReadStats> {
            match replay {
                Some(path) => read_replay(&path, &url, &tx, &shutdown),
                None => match lines {
                    Some(lines) => read_events(
                        lines,
                        &dest,
                        &mut env,
                        jobs,
                        &tx,
                        &shutdown,
                        tracking.as_deref(),
                    ),
                    None => Ok(ReadStats::default()),
                },
            }
        })
    };

    // A request is acknowledged once delivered or in the dead-letter file; durably so once the
    // files are synced (see `acks`).
    let acks = tracking.as_ref().map(|t| {
        Arc::new(Acks::new(
            t.checkpoint.clone(),
            dead.handle(),
            args.checkpoint_sync,
        ))
    });
    let syncer = acks.as_ref().map(Syncer::start);
    let delivered = |seq: u64| {
        if let Some(a) = &acks {
            a.delivered(seq);
        }
    };
    let dead_lettered = |seq: u64| {
        if let Some(a) = &acks {
            a.dead_lettered(seq);
        }
    };

    let started = Instant::now();
    let mut progress = Progress::new();
    let mut failures_printed = 0u64;
    let mut write_error: Option<std::io::Error> = None;
    let report = sender
        .run(rx, shutdown.clone(), |r| {
            progress.tick(&r);
            if let Some(out) = &mut results {
                if let Err(e) = out.write(&r) {
                    output_error.get_or_insert(e);
                }
            }
            if r.delivery.is_delivered() {
                delivered(r.meta.seq);
            } else {
                if failures_printed < MAX_FAILURE_LINES {
                    progress.println(&failure_line(&r));
                } else if failures_printed == MAX_FAILURE_LINES {
                    progress
                        .println("send: more failures are only counted (see the dead-letter file)");
                }
                failures_printed += 1;
                match dead.write(&r) {
                    Ok(()) => dead_lettered(r.meta.seq),
                    Err(e) => {
                        write_error.get_or_insert(e);
                    }
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
                reason: match report.down_cause {
                    Some(cause) => format!("the endpoint is {}", cause.state()),
                    None => "shutdown before it was sent".into(),
                },
            },
            batch_size: 0,
        };
        report.record(&r);
        if let Some(out) = &mut results {
            if let Err(e) = out.write(&r) {
                output_error.get_or_insert(e);
            }
        }
        match dead.write(&r) {
            Ok(()) => dead_lettered(r.meta.seq),
            Err(e) => {
                write_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = results
        .as_mut()
        .and_then(|r| r.flush().err())
        .or(output_error)
    {
        eprintln!("send: error: cannot write --output: {e}");
    }
    if let Some(e) = write_error {
        eprintln!(
            "send: error: cannot write the dead-letter file {}: {e}",
            dead.path.display()
        );
    }

    print_summary(&stats, &report, started.elapsed(), &dead);
    if let Some(cause) = report.down_cause {
        eprintln!(
            "send: error: the endpoint {origin} is {}: {cause} for {:?}; \
             sending stopped (requests not delivered are in the dead-letter file)",
            cause.state(),
            args.down_timeout
        );
    }
    drop(syncer);
    if let (Some(t), Some(acks)) = (&tracking, &acks) {
        acks.sync();
        let mut cp = lock(&t.checkpoint);
        if let Some(e) = cp.take_error().or(acks.take_error()) {
            eprintln!(
                "send: error: cannot write the checkpoint {}: {e}",
                cp.path().display()
            );
        } else if cp.all_complete() {
            eprintln!(
                "send: checkpoint {}: every input is acknowledged{}",
                cp.path().display(),
                if stats.skipped > 0 {
                    format!(
                        " ({} line(s) skipped as acknowledged before)",
                        stats.skipped
                    )
                } else {
                    String::new()
                }
            );
        } else {
            eprintln!(
                "send: checkpoint {}: run the same command again to resume after the last acknowledged line",
                cp.path().display()
            );
        }
    }
    let ok = report.all_delivered()
        && stats.bad_lines == 0
        && stats.action_errors == 0
        && stats.stopped_after.is_none()
        && !shutdown.is_cancelled();
    let code = if report.endpoint_down {
        ExitCode::from(3)
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if let Some(m) = mock {
        print_received(&m);
        if args.keep_open {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            eprintln!(
                "send: the embedded mock keeps serving at {}/__mock/ (Ctrl-C to stop)",
                m.uri()
            );
            // A Ctrl-C during the run already stopped it; only a later one ends the wait.
            if !shutdown.is_cancelled() {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        m.shutdown().await;
    }
    Ok(code)
}
