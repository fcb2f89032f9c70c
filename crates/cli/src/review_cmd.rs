//! `diff` and `test`: reviewing a mapping change before it reaches Segment.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use usermaven_actions::compare;
use usermaven_snapshot::events::{self, EventInput};
use usermaven_snapshot::suite::{self, DEFAULT_NOW, DEFAULT_SEED};
use usermaven_snapshot::Status;

use crate::{config_cmd, ConfigFlags, Credentials};

#[derive(Args)]
pub(crate) struct DiffArgs {
    /// The configuration before the change.
    base: String,
    /// The configuration after the change.
    head: String,
    /// Event files: `.json` (an event or an array of events) or NDJSON (gzip/zstd too);
    /// directories (every file under them); `-` for stdin.
    events: Vec<String>,
    /// Also compare N events drawn from the conformance harness's seeded generator (stream of
    /// its property stage, seeded with --seed).
    #[arg(long, value_name = "N")]
    generate: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Credentials, fixes (on both sides), the clock of both runs (default: the current time,
    /// taken once) and the seed of the id generator (fresh per event, same on both sides) and
    /// of --generate.
    #[command(flatten)]
    flags: ConfigFlags,
}

/// Stand-ins where neither the files nor the flags give credentials: `diff` compares what two
/// configurations send, and the token is redacted everywhere it shows.
fn with_stand_ins(c: &Credentials) -> Credentials {
    Credentials {
        api_key: c.api_key.clone().or(Some("diff-api-key".into())),
        server_token: c.server_token.clone().or(Some("diff-server-token".into())),
    }
}

pub(crate) fn run_diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    if args.events.is_empty() && args.generate.is_none() {
        anyhow::bail!("no events: give event files, `-` for stdin, or --generate N");
    }
    let credentials = with_stand_ins(&args.flags.credentials);
    let base = config_cmd::load(&args.base, &credentials, args.flags.fixes)?;
    let head = config_cmd::load(&args.head, &credentials, args.flags.fixes)?;
    let seed = args.flags.seed.unwrap_or(DEFAULT_SEED);
    let events::ReadEvents {
        events: mut inputs,
        unreadable,
    } = if args.events.is_empty() {
        events::ReadEvents::default()
    } else {
        events::read_all(&args.events)?
    };
    if let Some(n) = args.generate {
        for (i, e) in usermaven_eventgen::generate(seed, n).iter().enumerate() {
            inputs.push(EventInput {
                label: format!("generated #{i} (seed {seed})"),
                text: e.to_json(),
            });
        }
    }
    let now = args.flags.now.unwrap_or_else(jiff::Timestamp::now);
    let (mut diffs, mut summary) = compare::compare(&base, &head, &inputs, now, seed);
    // Lines that could not be read at all (invalid UTF-8, too long) are bad input too.
    for (label, why) in unreadable {
        summary.events += 1;
        summary.bad_events += 1;
        diffs.push(compare::EventDiff {
            label,
            pairs: Vec::new(),
            bad_input: Some(why),
        });
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            compare::to_json(&diffs, &summary).to_json_pretty()
        )?;
    } else {
        let mut text = String::new();
        compare::render_text(&diffs, &summary, &mut text);
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(if summary.bad_events > 0 {
        ExitCode::from(2)
    } else if summary.differs() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

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
