//! `diff BASE HEAD [EVENTS…]`: what a configuration change does to the requests, event by
//! event, each changed body path attributed to the mapping key that produced it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use usermaven_actions::compare;
use usermaven_snapshot::events::{self, EventInput};
use usermaven_snapshot::suite::DEFAULT_SEED;

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
