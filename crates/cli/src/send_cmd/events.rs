//! The reading side of `send`: Segment events from the inputs, routed by the destination,
//! queued for the sender as envelopes. Runs on its own thread and blocks on the bounded
//! channel when the sender is behind.

use std::sync::Arc;

use usermaven_destination::{Destination, Env};
use usermaven_sender::{CancellationToken, Envelope};

/// What travels with each request through the sender.
#[derive(Debug)]
pub(super) struct Meta {
    pub(super) line: u64,
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
    /// Set when shutdown stopped the reading before the end of the input: where it stopped
    /// (`FILE line N`).
    pub(super) stopped_after: Option<String>,
    /// Requests the sender no longer took (the channel closed under the reader).
    pub(super) unsent: Vec<Envelope<Meta>>,
}

/// Read Segment events, route them, and queue their requests.
pub(super) fn read_events(
    mut lines: usermaven_input::Lines,
    dest: &Destination,
    env: &mut dyn Env,
    tx: &tokio::sync::mpsc::Sender<Envelope<Meta>>,
    shutdown: &CancellationToken,
) -> anyhow::Result<ReadStats> {
    let mut stats = ReadStats::default();
    let mut id = 0u64;
    // The last line read: where a shutdown stopped.
    let mut last: Option<(usize, u64)> = None;
    let stopped_at = |lines: &usermaven_input::Lines, last: Option<(usize, u64)>| match last {
        Some((s, l)) => lines.place(s, l),
        None => "the start".to_string(),
    };
    loop {
        if shutdown.is_cancelled() {
            stats.stopped_after = Some(stopped_at(&lines, last));
            break;
        }
        let Some(item) = lines.next_line() else { break };
        let line = match item {
            Ok(line) => line,
            Err(e) => {
                last = Some((e.source, e.line));
                stats.lines += 1;
                stats.bad_lines += 1;
                eprintln!("{}: {e}", lines.place(e.source, e.line));
                continue;
            }
        };
        stats.lines += 1;
        let (source, line_no) = (line.source, line.number);
        last = Some((source, line_no));
        let routed = match usermaven_actions::map::route_line(dest, env, line.text) {
            Ok(routed) => routed,
            Err(usermaven_actions::map::LineError::NotObject) => {
                stats.bad_lines += 1;
                eprintln!(
                    "{}: not a JSON object; skipped",
                    lines.place(source, line_no)
                );
                continue;
            }
            Err(usermaven_actions::map::LineError::Json(e)) => {
                stats.bad_lines += 1;
                eprintln!(
                    "{}: invalid JSON: {e}; skipped",
                    lines.place(source, line_no)
                );
                continue;
            }
        };
        if routed.is_empty() {
            stats.unmatched += 1;
            continue;
        }
        // The event as it was given (dead letters keep it for replay).
        let event_json: Arc<str> = Arc::from(line.text);
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
                    }
                }
                Err(e) => {
                    stats.action_errors += 1;
                    eprintln!(
                        "{}: {} ({}): {e}",
                        lines.place(source, line_no),
                        r.subscription,
                        r.action_name
                    );
                }
            }
        }
        if !stats.unsent.is_empty() {
            stats.stopped_after = Some(stopped_at(&lines, last));
            break;
        }
    }
    Ok(stats)
}
