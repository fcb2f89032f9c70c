//! `usermaven-actions`: the command line (map, send, mock, cases). Glue only: every
//! behaviour lives in a library crate.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use usermaven_destination::{Destination, FixedEnv, Options, Settings};

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

fn run_map(args: MapArgs) -> anyhow::Result<ExitCode> {
    let api_key = args.credentials.api_key.context(
        "no API key: pass --api-key or set USERMAVEN_API_KEY (the mock accepts any)",
    )?;
    let server_token = args.credentials.server_token.context(
        "no server token: pass --server-token or set USERMAVEN_SERVER_TOKEN",
    )?;
    let options = Options { fix_company_custom: args.fix_company_custom, ..Options::default() };
    let dest = Destination::new(Settings::new(api_key, server_token), options);
    let mut env = args.determinism.env();
    let input = open_input(args.input.as_deref())?;
    let stdout = io::stdout().lock();
    let summary = usermaven_actions::map::map_stream(&dest, &mut env, input, BufWriter::new(stdout))?;
    eprintln!(
        "map: {} lines, {} requests, {} unmatched, {} bad lines, {} action errors",
        summary.lines, summary.requests, summary.unmatched, summary.failed_lines, summary.errors
    );
    Ok(if summary.failed_lines + summary.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Map(args) => run_map(args),
        Command::Send(args) => send_cmd::run(args),
        Command::Mock(args) => mock_cmd::run(args),
        Command::Cases(args) => run_cases(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
