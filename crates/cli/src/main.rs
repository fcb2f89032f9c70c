//! `usermaven-actions`: the command line (map, send, mock, cases). Glue only: every
//! behaviour lives in a library crate.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use usermaven_destination::{Destination, FixedEnv, Options, Settings};

/// mimalloc: ~9% more events/s than glibc malloc on the mapping pipeline, which allocates
/// many small strings and objects per event.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod mock_cmd;
mod send_cmd;

#[derive(Parser)]
#[command(
    name = "usermaven-actions",
    version,
    about = "Segment's Usermaven (Actions) destination, locally: map events, send them, mock Usermaven"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Map Segment events (NDJSON) to the requests Segment would send (NDJSON, token redacted).
    Map(MapArgs),
    /// Map Segment events and deliver them (to an embedded mock unless --endpoint is given).
    Send(send_cmd::SendArgs),
    /// Run a mock Usermaven ingestion server.
    Mock(mock_cmd::MockArgs),
    /// Run differential cases (NDJSON) and print one result per case.
    Cases(CasesArgs),
    /// Work with destination configurations (Segment's settings + subscriptions shape).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Describe the destination: actions, fields, presets (--json: metadata.json's shape).
    Describe(DescribeArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check a configuration file and report every problem with its location.
    Check {
        /// The configuration (JSON).
        file: String,
    },
}

#[derive(Args)]
struct DescribeArgs {
    /// One action (identify, track, group, page); default: the whole destination.
    action: Option<String>,
    /// Print JSON in the shape of the reference's metadata.json.
    #[arg(long)]
    json: bool,
}

/// Credentials shared by the commands that build requests.
#[derive(Args, Clone)]
pub(crate) struct Credentials {
    /// Usermaven API key.
    #[arg(long, env = "USERMAVEN_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Usermaven server token.
    #[arg(long, env = "USERMAVEN_SERVER_TOKEN", hide_env_values = true)]
    pub(crate) server_token: Option<String>,
}

/// Determinism controls shared by `map` and `send`.
#[derive(Args, Clone)]
pub(crate) struct Determinism {
    /// The clock for the run (RFC 3339); default: the current time.
    #[arg(long)]
    pub(crate) now: Option<jiff::Timestamp>,
    /// Seed of the anonymous-id generator; default: random.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

impl Determinism {
    pub(crate) fn env(&self) -> FixedEnv {
        let now = self.now.unwrap_or_else(jiff::Timestamp::now);
        let seed = self.seed.unwrap_or_else(|| {
            let t = jiff::Timestamp::now().as_nanosecond() as u64;
            t ^ u64::from(std::process::id()).rotate_left(32)
        });
        FixedEnv::new(now, seed)
    }
}

#[derive(Args)]
struct MapArgs {
    /// NDJSON file of Segment events; `-` or nothing for stdin.
    input: Option<String>,
    #[command(flatten)]
    credentials: Credentials,
    #[command(flatten)]
    determinism: Determinism,
    /// Apply the documented fix for the reference's company.custom bug.
    #[arg(long)]
    fix_company_custom: bool,
    /// Compute local_tz_offset at the event's time (`utc_time`) instead of now (for replays).
    #[arg(long)]
    tz_offset_at_event_time: bool,
    /// Apply the documented fix for the reference's local-midnight offset bug.
    #[arg(long)]
    fix_tz_midnight: bool,
    /// A destination configuration (settings + subscriptions); default: the four presets.
    #[arg(long)]
    config: Option<String>,
}

#[derive(Args)]
struct CasesArgs {
    /// NDJSON file of cases; `-` or nothing for stdin.
    input: Option<String>,
}

pub(crate) fn open_input(path: Option<&str>) -> anyhow::Result<Box<dyn BufRead>> {
    match path {
        None | Some("-") => Ok(Box::new(BufReader::new(io::stdin().lock()))),
        Some(p) => {
            let f = File::open(p).with_context(|| format!("cannot open {p}"))?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
        }
    }
}

/// Load a configuration file into a destination; any problem is an error listing them all.
pub(crate) fn load_config(path: &str) -> anyhow::Result<Destination> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let value = usermaven_json::Value::parse(&text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let checked = usermaven_destination::config::check(&value, &|k| std::env::var(k).ok());
    if !checked.problems.is_empty() {
        let list: Vec<String> = checked.problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!("{path} has {} problem(s):\n{}", list.len(), list.join("\n"));
    }
    checked
        .destination
        .context("the configuration builds no destination")
}

/// The destination for `map`/`send`: from `--config`, or the presets with the credentials.
pub(crate) fn destination_from(
    config: Option<&str>,
    credentials: &Credentials,
    options: Options,
) -> anyhow::Result<Destination> {
    if let Some(path) = config {
        return load_config(path);
    }
    let api_key = credentials
        .api_key
        .clone()
        .context("no API key: pass --api-key or set USERMAVEN_API_KEY (the mock accepts any)")?;
    let server_token = credentials
        .server_token
        .clone()
        .context("no server token: pass --server-token or set USERMAVEN_SERVER_TOKEN")?;
    Ok(Destination::new(
        Settings::new(api_key, server_token),
        options,
    ))
}

fn run_map(args: MapArgs) -> anyhow::Result<ExitCode> {
    let options = Options {
        fix_company_custom: args.fix_company_custom,
        tz_offset_at_event_time: args.tz_offset_at_event_time,
        fix_tz_midnight: args.fix_tz_midnight,
        ..Options::default()
    };
    let dest = destination_from(args.config.as_deref(), &args.credentials, options)?;
    let mut env = args.determinism.env();
    let input = open_input(args.input.as_deref())?;
    let stdout = io::stdout().lock();
    let summary =
        usermaven_actions::map::map_stream(&dest, &mut env, input, BufWriter::new(stdout))?;
    eprintln!(
        "map: {} lines, {} requests, {} unmatched, {} bad lines, {} action errors",
        summary.lines, summary.requests, summary.unmatched, summary.failed_lines, summary.errors
    );
    Ok(if summary.failed_lines + summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_cases(args: CasesArgs) -> anyhow::Result<ExitCode> {
    let input = open_input(args.input.as_deref())?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut buf = String::with_capacity(4096);
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        buf.clear();
        usermaven_actions::cases::run_line(&line).write_json(&mut buf);
        buf.push('\n');
        out.write_all(buf.as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_config(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    match cmd {
        ConfigCommand::Check { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {file}"))?;
            let value = match usermaven_json::Value::parse(&text) {
                Ok(v) => v,
                Err(e) => {
                    writeln!(out, "{file}: invalid JSON: {e}")?;
                    return Ok(ExitCode::from(1));
                }
            };
            let checked = usermaven_destination::config::check(&value, &|k| std::env::var(k).ok());
            for p in &checked.problems {
                writeln!(out, "{file}: {p}")?;
            }
            if checked.problems.is_empty() {
                let n = checked
                    .destination
                    .as_ref()
                    .map(|d| d.subscriptions().len())
                    .unwrap_or(0);
                writeln!(out, "{file}: ok ({n} subscriptions)")?;
                Ok(ExitCode::SUCCESS)
            } else {
                writeln!(out, "{file}: {} problem(s)", checked.problems.len())?;
                Ok(ExitCode::from(1))
            }
        }
    }
}

fn run_describe(args: DescribeArgs) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    use usermaven_destination::ActionKind;
    let kind = match args.action.as_deref() {
        None => None,
        Some(a) => Some(ActionKind::from_name(a).with_context(|| {
            format!("unknown action {a:?} (expected identify, track, group or page)")
        })?),
    };
    if args.json {
        let v = match kind {
            Some(k) => usermaven_destination::describe_action(k),
            None => usermaven_destination::describe(),
        };
        writeln!(out, "{}", v.to_json_pretty())?;
        return Ok(ExitCode::SUCCESS);
    }
    let kinds: Vec<ActionKind> = match kind {
        Some(k) => vec![k],
        None => ActionKind::ALL.to_vec(),
    };
    if kind.is_none() {
        writeln!(
            out,
            "Usermaven (Actions) — settings: api_key (required), server_token (required)\n"
        )?;
        writeln!(out, "Presets:")?;
        for k in ActionKind::PRESET_ORDER {
            let a = k.action();
            writeln!(
                out,
                "  {:<14} {:<22} → {}",
                a.preset_name,
                a.preset_subscribe,
                k.name()
            )?;
        }
        writeln!(out)?;
    }
    for k in kinds {
        let a = k.action();
        writeln!(out, "{} ({}) — {}", a.title, k.name(), a.description)?;
        for f in &a.fields {
            let default = f.default_mapping().map(|d| d.to_json()).unwrap_or_default();
            writeln!(
                out,
                "  {:<26} {:<7} {:<9} {}",
                f.name,
                f.field_type(),
                if f.required() { "required" } else { "" },
                default
            )?;
        }
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Map(args) => run_map(args),
        Command::Send(args) => send_cmd::run(args),
        Command::Mock(args) => mock_cmd::run(args),
        Command::Cases(args) => run_cases(args),
        Command::Config(cmd) => run_config(cmd),
        Command::Describe(args) => run_describe(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
