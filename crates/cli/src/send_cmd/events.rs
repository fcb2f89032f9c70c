//! The reading side of `send`: Segment events from the inputs, routed by the destination,
//! queued for the sender as envelopes. Runs on its own thread and blocks on the bounded
//! channel when the sender is behind.

use std::sync::{Arc, Mutex};

use usermaven_actions::parallel::Item;
use usermaven_destination::{Destination, Env};
use usermaven_sender::{CancellationToken, Envelope};

use super::checkpoint::{Checkpoint, Resume};

/// What travels with each request through the sender.
#[derive(Debug)]
pub(super) struct Meta {
    /// The input's name, when the run reads several.
    pub(super) file: Option<Arc<str>>,
    pub(super) line: u64,
    /// The line's step in the checkpoint (0 without one).
    pub(super) seq: u64,
    pub(super) action: Arc<str>,
    pub(super) subscription: Arc<str>,
    /// The event as JSON text (shared by the requests of one line); `None` on replay when
    /// the dead-letter line had none.
    pub(super) event: Option<Arc<str>>,
}

/// Counters of the reading side.
#[derive(Default, Debug)]
pub(super) struct ReadStats {
    pub(super) lines: u64,
    pub(super) bad_lines: u64,
    pub(super) action_errors: u64,
    pub(super) unmatched: u64,
    pub(super) requests: u64,
    /// Lines an earlier run acknowledged (per the checkpoint), not sent again.
    pub(super) skipped: u64,
    /// Set when shutdown stopped the reading before the end of the input: where it stopped
    /// (`FILE line N`).
    pub(super) stopped_after: Option<String>,
    /// Requests the sender no longer took (the channel closed under the reader).
    pub(super) unsent: Vec<Envelope<Meta>>,
}

/// Where `send --checkpoint` stands: the log to extend and what an earlier run acknowledged.
pub(super) struct Tracking {
    pub(super) checkpoint: Arc<Mutex<Checkpoint>>,
    pub(super) resume: Resume,
}

/// Read Segment events, route them (on `jobs` threads, in input order: see
/// [`usermaven_actions::parallel`]), and queue their requests. With `tracking`, lines an
/// earlier run acknowledged are skipped and every line read is registered with the checkpoint.
pub(super) fn read_events(
    mut lines: usermaven_input::Lines,
    dest: &Destination,
    env: &mut dyn Env,
    jobs: usize,
    tx: &tokio::sync::mpsc::Sender<Envelope<Meta>>,
    shutdown: &CancellationToken,
    tracking: Option<&Tracking>,
) -> anyhow::Result<ReadStats> {
    let sources = lines.sources().to_vec();
    let names: Vec<Arc<str>> = sources.iter().map(|s| Arc::from(s.name.as_str())).collect();
    let place = |source: usize, line: u64| usermaven_input::place(&sources, source, line);
    // Output names the file only when there are several inputs.
    let several = names.len() > 1;
    let mut stats = ReadStats::default();
    let mut id = 0u64;
    // The last line read: where a shutdown stopped.
    let mut last: Option<(usize, u64)> = None;
    let stopped_at = |last: Option<(usize, u64)>| match last {
        Some((s, l)) => place(s, l),
        None => "the start".to_string(),
    };
    // Inputs before this one are complete (for the checkpoint's `complete` records).
    let mut open_source = 0usize;
    let register = |source: usize, line: u64, requests: u32| -> u64 {
        tracking.map_or(0, |t| lock(&t.checkpoint).line(source, line, requests))
    };
    let mut skipped = 0u64;
    let mut stopped = false;
    usermaven_actions::parallel::route_lines(
        &mut lines,
        jobs,
        env,
        // Every line is routed, also the ones a checkpoint skips: generated ids (a missing
        // anonymous id) are drawn from one seeded stream in line order, so the lines after
        // the checkpoint get the ids one uninterrupted run gives them.
        |line, env| usermaven_actions::map::route_line(dest, env, line.text),
        |item| -> anyhow::Result<bool> {
            if shutdown.is_cancelled() {
                stopped = true;
                return Ok(false);
            }
            let (source, line_no) = match &item {
                Item::Line(l, _) => (l.source, l.number),
                Item::Bad(e) => (e.source, e.line),
            };
            if let Some(t) = tracking {
                while open_source < source {
                    lock(&t.checkpoint).end(open_source);
                    open_source += 1;
                }
                if t.resume.done(&names[source], line_no) {
                    // Routed and dropped, not sent.
                    skipped += 1;
                    return Ok(true);
                }
            }
            last = Some((source, line_no));
            stats.lines += 1;
            let (line, routed) = match item {
                Item::Line(line, routed) => (line, routed),
                Item::Bad(e) => {
                    stats.bad_lines += 1;
                    register(source, line_no, 0);
                    eprintln!("{}: {e}", place(e.source, e.line));
                    return Ok(true);
                }
            };
            let routed = match routed {
                Ok(routed) => routed,
                Err(usermaven_actions::map::LineError::NotObject) => {
                    stats.bad_lines += 1;
                    register(source, line_no, 0);
                    eprintln!("{}: not a JSON object; skipped", place(source, line_no));
                    return Ok(true);
                }
                Err(usermaven_actions::map::LineError::Json(e)) => {
                    stats.bad_lines += 1;
                    register(source, line_no, 0);
                    eprintln!("{}: invalid JSON: {e}; skipped", place(source, line_no));
                    return Ok(true);
                }
            };
            if routed.is_empty() {
                stats.unmatched += 1;
            }
            let requests = routed.iter().filter(|r| r.result.is_ok()).count() as u32;
            // Registered before anything is sent: an acknowledgement may come back at once.
            let seq = register(source, line_no, requests);
            // The event as it was given (dead letters keep it for replay).
            let event_json: Arc<str> = Arc::from(line.text);
            for r in routed {
                match r.result {
                    Ok(request) => {
                        stats.requests += 1;
                        id += 1;
                        let meta = Meta {
                            file: several.then(|| names[source].clone()),
                            line: line_no,
                            seq,
                            action: Arc::from(r.action_name.as_str()),
                            subscription: Arc::from(r.subscription.as_str()),
                            event: Some(event_json.clone()),
                        };
                        if let Err(closed) = tx.blocking_send(Envelope { id, meta, request }) {
                            stats.unsent.push(closed.0);
                        }
                    }
                    Err(e) => {
                        stats.action_errors += 1;
                        eprintln!(
                            "{}: {} ({}): {e}",
                            place(source, line_no),
                            r.subscription,
                            r.action_name
                        );
                    }
                }
            }
            if !stats.unsent.is_empty() {
                stopped = true;
                return Ok(false);
            }
            Ok(true)
        },
    )?;
    if stopped {
        stats.stopped_after = Some(stopped_at(last));
    }
    if let Some(t) = tracking {
        if stats.stopped_after.is_none() {
            while open_source < names.len() {
                lock(&t.checkpoint).end(open_source);
                open_source += 1;
            }
        }
    }
    stats.skipped = skipped;
    Ok(stats)
}

/// The checkpoint, even if a thread panicked while holding it (its state stays consistent:
/// every method leaves it whole).
pub(super) fn lock(cp: &Mutex<Checkpoint>) -> std::sync::MutexGuard<'_, Checkpoint> {
    cp.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
