//! `config check`, `config convert`, and the configuration loading `map`, `send`, `diff` and
//! `test` share: any of Segment's shapes, settings the file lacks from the credentials, warnings
//! printed once, errors stop the run.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use usermaven_destination::config::{self, Checked, Inputs, Target};
use usermaven_destination::Destination;
use usermaven_destination::Fixes;
use usermaven_json::Value;

use crate::{ConfigFlags, Credentials};

#[derive(Subcommand)]
pub(crate) enum ConfigCommand {
    /// Check a configuration (any of Segment's shapes) and list its errors and warnings with
    /// their locations. Exit 1 on errors (or on warnings with --deny-warnings).
    Check(CheckArgs),
    /// Write a configuration in another shape (to stdout).
    Convert(ConvertArgs),
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// The configuration (JSON).
    file: String,
    /// Credentials fill settings the file lacks; fixes are checked as turned on; `--now` and
    /// `--seed` are accepted and ignored (a check builds no request).
    #[command(flatten)]
    flags: ConfigFlags,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShapeArg {
    /// `{settings, subscriptions, options}` (the preset shape of metadata.json).
    Presets,
    /// `{data: {destination: {settings}, subscriptions}}` (Segment's Public API).
    PublicApi,
}

#[derive(Args)]
pub(crate) struct ConvertArgs {
    /// The configuration (JSON), in any shape `config check` accepts.
    file: String,
    /// The shape to write.
    #[arg(long)]
    to: ShapeArg,
    /// Accepted and ignored (a conversion keeps the file's settings and builds no request),
    /// so the same flags can be passed to every command.
    #[command(flatten)]
    _flags: ConfigFlags,
}

fn read_json(path: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    Value::parse(&text).map_err(|e| anyhow::anyhow!("{path}: invalid JSON: {e}"))
}

fn check_file(value: &Value, credentials: &Credentials, fixes: Fixes) -> Checked {
    let env = |k: &str| std::env::var(k).ok();
    config::check_with(
        value,
        &Inputs {
            env: &env,
            api_key: credentials.api_key.clone(),
            server_token: credentials.server_token.clone(),
            ignore_file_settings: false,
            fixes,
        },
    )
}

/// Load a configuration for a run: warnings are printed once (stderr), errors stop it.
/// `fixes` (the command line's `--fix-…` flags) are turned on over the file's `options`.
pub(crate) fn load(
    path: &str,
    credentials: &Credentials,
    fixes: Fixes,
) -> anyhow::Result<Destination> {
    let value = read_json(path)?;
    let checked = check_file(&value, credentials, fixes);
    for w in checked.warnings() {
        eprintln!("warning: {path}: {w}");
    }
    if checked.has_errors() {
        let list: Vec<String> = checked.errors().map(|p| format!("  {p}")).collect();
        anyhow::bail!(
            "{path} has {} error(s) (`config check {path}` lists them with the warnings):\n{}",
            list.len(),
            list.join("\n")
        );
    }
    checked
        .destination
        .context("the configuration builds no destination")
}

pub(crate) fn run(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Check(args) => run_check(args),
        ConfigCommand::Convert(args) => run_convert(args),
    }
}

fn run_check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let file = &args.file;
    let value = match read_json(file) {
        Ok(v) => v,
        Err(e) => {
            writeln!(out, "{e:#}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let checked = check_file(&value, &args.flags.credentials, args.flags.fixes);
    let subscriptions = checked
        .destination
        .as_ref()
        .map(|d| d.subscriptions().len())
        .unwrap_or(0);
    if let Some(shape) = checked.shape {
        writeln!(out, "{file}: {}", shape.describe())?;
    }
    let errors: Vec<_> = checked.errors().collect();
    let warnings: Vec<_> = checked.warnings().collect();
    if !errors.is_empty() {
        writeln!(out, "errors:")?;
        for p in &errors {
            writeln!(out, "  {p}")?;
        }
    }
    if !warnings.is_empty() {
        writeln!(out, "warnings:")?;
        for p in &warnings {
            writeln!(out, "  {p}")?;
        }
    }
    let fails = !errors.is_empty() || (args.deny_warnings && !warnings.is_empty());
    if errors.is_empty() {
        writeln!(
            out,
            "{file}: ok ({subscriptions} subscriptions, {} warning(s))",
            warnings.len()
        )?;
    } else {
        writeln!(
            out,
            "{file}: {} error(s), {} warning(s)",
            errors.len(),
            warnings.len()
        )?;
    }
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let value = read_json(&args.file)?;
    let to = match args.to {
        ShapeArg::Presets => Target::Presets,
        ShapeArg::PublicApi => Target::PublicApi,
    };
    for loc in config::literal_secrets(&value) {
        eprintln!(
            "warning: {}: {loc} is a literal secret and is copied as is; prefer {{\"$env\": \"NAME\"}}",
            args.file
        );
    }
    match config::convert(&value, to) {
        Ok(v) => {
            writeln!(std::io::stdout().lock(), "{}", v.to_json_pretty())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            anyhow::bail!(
                "{}: not a configuration in a shape I know:\n{}",
                args.file,
                list.join("\n")
            )
        }
    }
}
