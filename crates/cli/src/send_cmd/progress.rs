//! What `send` tells the user while it runs and at the end: a spinner with counts on a
//! terminal, the first failures, and the summary line.

use std::io::IsTerminal;
use std::time::Duration;

use usermaven_sender::{EventResult, Report};

use super::dead_letter::DeadLetter;
use super::events::{Meta, ReadStats};

/// Per-event failure lines printed before the rest is only counted.
pub(super) const MAX_FAILURE_LINES: u64 = 20;

pub(super) fn failure_line(r: &EventResult<Meta>) -> String {
    let file = r
        .meta
        .file
        .as_deref()
        .map(|f| format!("{f} "))
        .unwrap_or_default();
    format!(
        "{file}line {} ({}): {}",
        r.meta.line,
        r.meta.action,
        r.delivery.reason()
    )
}

/// A spinner with counts when stderr is a terminal; nothing otherwise.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    delivered: u64,
    failed: u64,
}

impl Progress {
    pub(super) fn new() -> Progress {
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

    pub(super) fn tick(&mut self, r: &EventResult<Meta>) {
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

    pub(super) fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub(super) fn print_summary(
    stats: &ReadStats,
    report: &Report,
    elapsed: Duration,
    dead: &DeadLetter,
) {
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
    if stats.skipped > 0 {
        eprintln!(
            "send: {} line(s) skipped: acknowledged by an earlier run (checkpoint)",
            stats.skipped
        );
    }
    if let Some(place) = &stats.stopped_after {
        eprintln!("send: stopped reading after {place}; later lines were not read");
    }
    if dead.lines > 0 {
        eprintln!(
            "send: {} undelivered request(s) appended to {}",
            dead.lines,
            dead.path.display()
        );
    }
}
