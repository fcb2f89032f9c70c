//! `usermaven-actions`: the command line (map, send, mock, cases). Glue only: every
//! behaviour lives in a library crate.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

/// mimalloc: ~9% more events/s than glibc malloc on the mapping pipeline, which allocates
/// many small strings and objects per event.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod config_cmd;
mod dev_cmd;
mod diff_cmd;
mod mock_cmd;
mod send_cmd;
mod shared_args;
mod test_cmd;

pub(crate) use shared_args::{ConfigFlags, Credentials, InputArgs, JobsArg, OutputArgs};

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
    /// Explain, for each event and subscription, why Usermaven gets each value: the trigger's
    /// deciding condition, each field's directive, what validation and perform did, and the
    /// request or the error.
    Explain(ExplainArgs),
    /// Map Segment events and deliver them (to an embedded mock unless --endpoint is given).
    Send(send_cmd::SendArgs),
    /// Run a mock Usermaven ingestion server.
    Mock(mock_cmd::MockArgs),
    /// Run a local Segment: apps send with Segment's SDKs, the destination maps, the embedded
    /// mock (or --endpoint) receives, and the page at / shows the whole way.
    Dev(dev_cmd::DevArgs),
    /// Run differential cases (NDJSON) and print one result per case.
    Cases(CasesArgs),
    /// Work with destination configurations (Segment's preset and Public API shapes).
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Describe the destination: actions, fields, presets (--json: metadata.json's shape).
    Describe(DescribeArgs),
    /// Compare two configurations over the same events: which requests change, and where.
    /// Exit 0: nothing differs; 1: something does; 2: bad input.
    Diff(diff_cmd::DiffArgs),
    /// Snapshot-test a configuration: DIR/config.json × DIR/events/ against DIR/snapshots/.
    Test(test_cmd::TestArgs),
    /// Print a shell completion script (e.g. `usermaven-actions completions bash >
    /// ~/.local/share/bash-completion/completions/usermaven-actions`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `usermaven-actions man | man -l -`; with a command,
    /// that command's page (`usermaven-actions-send(1)`).
    Man {
        /// A command (map, send, mock, cases, …); default: the main page.
        command: Option<String>,
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

#[derive(Args)]
struct MapArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// `ndjson`: one JSON line per request, for programs; `pretty`: a header line per
    /// request and its body as indented JSON, for people.
    #[arg(long, value_enum, default_value_t = MapFormat::Ndjson)]
    format: MapFormat,
    #[command(flatten)]
    flags: ConfigFlags,
    #[command(flatten)]
    jobs: JobsArg,
    /// A destination configuration (any of Segment's shapes; settings it lacks come from
    /// --api-key/--server-token); default: the four presets.
    #[arg(long)]
    config: Option<String>,
}

#[derive(Args)]
struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// `text`: aligned, one line per field, for people (colour on a terminal unless NO_COLOR
    /// is set); `json`: one object per event and subscription.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    format: ExplainFormat,
    #[command(flatten)]
    flags: ConfigFlags,
    /// A destination configuration (any of Segment's shapes; settings it lacks come from
    /// --api-key/--server-token); default: the four presets.
    #[arg(long)]
    config: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

#[derive(Args)]
struct CasesArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MapFormat {
    Ndjson,
    Pretty,
}

fn run_map(args: MapArgs) -> anyhow::Result<ExitCode> {
    let dest = args
        .flags
        .destination(args.config.as_deref(), &args.flags.credentials)?;
    let mut env = args.flags.env();
    let mut lines = args.input.lines()?;
    let out = args.output.open(lines.sources())?;
    let format = match args.format {
        MapFormat::Ndjson => usermaven_actions::map::Format::Ndjson,
        MapFormat::Pretty => usermaven_actions::map::Format::Pretty,
    };
    let summary = usermaven_actions::map::map_stream_jobs(
        &dest,
        &mut env,
        &mut lines,
        out,
        format,
        args.jobs.get(),
    )?;
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

fn run_explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let dest = args
        .flags
        .destination(args.config.as_deref(), &args.flags.credentials)?;
    let mut env = args.flags.env();
    let mut lines = args.input.lines()?;
    let out = args.output.open(lines.sources())?;
    let format = match args.format {
        ExplainFormat::Text => usermaven_actions::explain::Format::Text,
        ExplainFormat::Json => usermaven_actions::explain::Format::Json,
    };
    let color = args.output.output.is_none()
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let summary = usermaven_actions::explain::explain_stream(
        &dest, &mut env, &mut lines, out, format, color,
    )?;
    eprintln!(
        "explain: {} lines, {} subscriptions ran, {} errors, {} bad lines",
        summary.lines, summary.matched, summary.errors, summary.failed_lines
    );
    Ok(if summary.failed_lines > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_cases(args: CasesArgs) -> anyhow::Result<ExitCode> {
    let mut lines = args.input.lines()?;
    let mut out = args.output.open(lines.sources())?;
    let mut buf = String::with_capacity(4096);
    let mut unreadable = 0u64;
    while let Some(item) = lines.next_line() {
        buf.clear();
        match item {
            Ok(line) => usermaven_cases::run_line_numbered(line.text, line.number as usize)
                .write_json(&mut buf),
            // An unreadable line is an invalid case of its own, like a line that is not JSON.
            Err(e) => {
                unreadable += 1;
                let place = lines.place(e.source, e.line);
                let mut error = usermaven_json::Object::new();
                error.set("name", usermaven_json::Value::str("InvalidCase"));
                error.set(
                    "message",
                    usermaven_json::Value::from(format!("{place}: {e}")),
                );
                error.set("status", usermaven_json::Value::Null);
                let mut o = usermaven_json::Object::new();
                o.set("id", usermaven_json::Value::Null);
                o.set("error", usermaven_json::Value::Object(error));
                usermaven_json::Value::Object(o).write_json(&mut buf)
            }
        }
        buf.push('\n');
        out.write_all(buf.as_bytes())?;
    }
    out.flush()?;
    Ok(if unreadable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
        Command::Explain(args) => run_explain(args),
        Command::Send(args) => send_cmd::run(args),
        Command::Mock(args) => mock_cmd::run(args),
        Command::Dev(args) => dev_cmd::run(args),
        Command::Cases(args) => run_cases(args),
        Command::Config(cmd) => config_cmd::run(cmd),
        Command::Describe(args) => run_describe(args),
        Command::Diff(args) => diff_cmd::run_diff(args),
        Command::Test(args) => test_cmd::run_test(args),
        Command::Completions { shell } => run_completions(shell),
        Command::Man { command } => run_man(command.as_deref()),
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

fn run_completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Into memory first: `generate` panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "usermaven-actions", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_man(command: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Subcommand pages are named `usermaven-actions-NAME`, as the main page refers to them.
    cmd.build();
    let page = match command {
        None => cmd,
        Some(name) => {
            let sub = cmd
                .find_subcommand(name)
                .with_context(|| format!("no command {name:?} (see usermaven-actions --help)"))?
                .clone();
            // clap names are &'static str; this runs once, just before the process ends.
            let full: &'static str =
                Box::leak(format!("usermaven-actions-{name}").into_boxed_str());
            sub.name(full).bin_name(full)
        }
    };
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(page).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
