//! `test DIR`: snapshot tests of a team's own mappings (a failing snapshot names what
//! produces each differing field now).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use usermaven_actions::compare;
use usermaven_snapshot::suite::{self, DEFAULT_NOW, DEFAULT_SEED};
use usermaven_snapshot::Status;

use crate::ConfigFlags;

#[derive(Args)]
pub(crate) struct TestArgs {
    /// The directory: config.json, events/ (*.json, *.ndjson), snapshots/.
    dir: PathBuf,
    /// The configuration, if not DIR/config.json.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write every new or changed snapshot (and remove stale ones) instead of failing.
    #[arg(long)]
    accept: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// The fixes, the clock (default 2025-01-01T00:00:00Z) and the seed of the id generator
    /// (fresh per event; default 1). Credentials are accepted and ignored: snapshots are made
    /// with stand-ins, so they hold no real key.
    #[command(flatten)]
    flags: ConfigFlags,
}

pub(crate) fn run_test(args: TestArgs) -> anyhow::Result<ExitCode> {
    let suite = suite::load(&args.dir, args.config.as_deref(), args.flags.fixes)?;
    let shown = args.dir.display().to_string();
    for w in &suite.warnings {
        eprintln!("warning: {}: {w}", suite.config.display());
    }
    let now = match args.flags.now {
        Some(now) => now,
        None => DEFAULT_NOW.parse()?,
    };
    let seed = args.flags.seed.unwrap_or(DEFAULT_SEED);
    let (cases, bad) = suite::produce(&suite, now, seed);
    let checked = suite::check(&suite, &cases, args.accept)?;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for (c, o) in cases.iter().zip(&checked.outcomes) {
        if let Some(text) = suite::failure_text(c, &o.status) {
            if args.accept {
                let what = if o.status == Status::New {
                    "new"
                } else {
                    "updated"
                };
                writeln!(out, "{what}: snapshots/{}.snap", c.snapshot.name)?;
            } else {
                failed += 1;
                writeln!(out, "FAIL {text}")?;
                if let Status::Changed(diffs) = &o.status {
                    sources(&mut out, &suite, c, diffs, now, seed)?;
                }
            }
        }
    }
    for n in &checked.stale {
        if args.accept {
            writeln!(
                out,
                "removed: snapshots/{n}.snap (nothing produces it any more)"
            )?;
        } else {
            failed += 1;
            writeln!(
                out,
                "FAIL stale snapshot snapshots/{n}.snap: no event and subscription produce it any more"
            )?;
        }
    }
    for (label, why) in &bad {
        failed += 1;
        writeln!(out, "FAIL bad event {label}: {why}")?;
    }
    let matched: std::collections::HashSet<&str> = cases.iter().map(|c| c.event.as_str()).collect();
    for (_, e) in &suite.events {
        if !matched.contains(e.label.as_str()) && !bad.iter().any(|(l, _)| l == &e.label) {
            writeln!(out, "note: {} triggers no subscription", e.label)?;
        }
    }
    if let Some(path) = &args.junit {
        let report = suite::junit(&shown, &cases, &checked, &bad);
        std::fs::write(path, report)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let passed = cases.len() - checked.failures();
    if args.accept {
        writeln!(
            out,
            "test {shown}: {} snapshots, {} written, {} removed",
            cases.len(),
            checked.written,
            checked.removed
        )?;
    } else {
        writeln!(
            out,
            "test {shown}: {} snapshots, {passed} passed, {failed} failed",
            cases.len()
        )?;
        if failed > 0 {
            let pending = if checked.written > 0 {
                " (pending snapshots/*.snap.new written; `cargo insta review` works on them too)"
            } else {
                ""
            };
            writeln!(
                out,
                "review the changes; if they are intended, run `usermaven-actions test {shown} --accept` and commit snapshots/{pending}"
            )?;
        }
    }
    Ok(if failed > 0 && !args.accept || !bad.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Under a failing snapshot, what produces each differing body field now (`explain`).
fn sources(
    out: &mut impl Write,
    suite: &suite::Suite,
    case: &suite::Case,
    diffs: &[usermaven_snapshot::diff::FieldDiff],
    now: jiff::Timestamp,
    seed: u64,
) -> std::io::Result<()> {
    let Some((_, event)) = suite.events.iter().find(|(_, e)| e.label == case.event) else {
        return Ok(());
    };
    let fields: Vec<&str> = diffs.iter().map(|d| d.field.as_str()).collect();
    let found = compare::snapshot_sources(
        &suite.destination,
        &event.text,
        &case.subscription,
        &fields,
        now,
        seed,
    );
    for (field, source) in fields.iter().zip(found) {
        if let Some(source) = source {
            writeln!(out, "    {field} ← {}", source.describe())?;
        }
    }
    Ok(())
}
