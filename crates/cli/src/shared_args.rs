//! The flags several commands share, each group defined once and flattened where it applies:
//! [`ConfigFlags`] (credentials, fixes, clock and seed) on every command that loads a
//! configuration, [`InputArgs`] and [`OutputArgs`] on the streaming commands, [`JobsArg`] on
//! the commands that route events (`map`, `send`).

use std::io::{self, BufWriter, Write};

use anyhow::Context;
use clap::Args;
use usermaven_destination::{Destination, FixedEnv, Fixes, Options, Settings};

use crate::config_cmd;

/// Usermaven credentials (where a configuration file lacks them).
#[derive(Args, Clone, Default)]
pub(crate) struct Credentials {
    /// Usermaven API key.
    #[arg(long, env = "USERMAVEN_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Usermaven server token.
    #[arg(long, env = "USERMAVEN_SERVER_TOKEN", hide_env_values = true)]
    pub(crate) server_token: Option<String>,
}

impl Credentials {
    /// The credentials of a run: when it delivers to the embedded mock, what the flags leave
    /// out is the mock's default key and token (the mock accepts those), so no account is needed.
    pub(crate) fn for_embedded_mock(&self, embedded: bool) -> Credentials {
        let mut c = self.clone();
        if embedded {
            c.api_key
                .get_or_insert_with(|| usermaven_mock::DEFAULT_API_KEY.to_string());
            c.server_token
                .get_or_insert_with(|| usermaven_mock::DEFAULT_SERVER_TOKEN.to_string());
        }
        c
    }
}

/// Run an async command on a multi-threaded runtime (`send`, `dev`).
pub(crate) fn block_on<T>(
    command: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(command)
}

/// The flags of every command that loads a configuration (`map`, `send`, `diff`, `test`,
/// `config check|convert`, …): one group, so a script can pass the same flags to each. A
/// command that has no use for one accepts it and ignores it (`test` runs with stand-in
/// credentials whatever is given; `config convert` builds no requests).
#[derive(Args, Clone, Default)]
pub(crate) struct ConfigFlags {
    #[command(flatten)]
    pub(crate) credentials: Credentials,
    #[command(flatten)]
    pub(crate) fixes: Fixes,
    /// The clock of the run (RFC 3339); default: the current time (`test`:
    /// 2025-01-01T00:00:00Z, so snapshots are stable).
    #[arg(long)]
    pub(crate) now: Option<jiff::Timestamp>,
    /// Seed of the anonymous-id generator; default: random (`diff`, `test`: 1).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

impl ConfigFlags {
    /// The clock and id generator of a run: the flags', else the current time and a seed
    /// drawn from it.
    pub(crate) fn env(&self) -> FixedEnv {
        let now = self.now.unwrap_or_else(jiff::Timestamp::now);
        let seed = self.seed.unwrap_or_else(|| {
            let t = jiff::Timestamp::now().as_nanosecond() as u64;
            t ^ u64::from(std::process::id()).rotate_left(32)
        });
        FixedEnv::new(now, seed)
    }

    /// The destination of a run: from `config` (any of Segment's shapes; settings the file
    /// lacks from `credentials`), or the presets with `credentials`; the fixes turned on
    /// either way.
    pub(crate) fn destination(
        &self,
        config: Option<&str>,
        credentials: &Credentials,
    ) -> anyhow::Result<Destination> {
        if let Some(path) = config {
            return config_cmd::load(path, credentials, self.fixes);
        }
        let api_key = credentials.api_key.clone().context(
            "no API key: pass --api-key or set USERMAVEN_API_KEY (the mock accepts any)",
        )?;
        let server_token = credentials
            .server_token
            .clone()
            .context("no server token: pass --server-token or set USERMAVEN_SERVER_TOKEN")?;
        Ok(Destination::new(
            Settings::new(api_key, server_token),
            Options {
                fixes: self.fixes,
                ..Options::default()
            },
        ))
    }
}

/// The NDJSON inputs of `map`, `send` and `cases`, read by `usermaven-input`.
#[derive(Args, Clone)]
pub(crate) struct InputArgs {
    /// NDJSON files or directories (read recursively, in sorted path order; gzip and zstd
    /// recognised by their bytes); `-` or nothing for stdin.
    #[arg(value_name = "INPUT")]
    pub(crate) inputs: Vec<String>,
    /// Longer lines are an error for that line (and skipped without being held in memory).
    #[arg(long, default_value_t = usermaven_input::DEFAULT_MAX_LINE_BYTES, value_name = "BYTES")]
    pub(crate) max_line_bytes: usize,
}

/// `--output FILE` of `map`, `send` and `cases`.
#[derive(Args, Clone)]
pub(crate) struct OutputArgs {
    /// Write the output to FILE (created or truncated) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
}

impl OutputArgs {
    /// The output, buffered: the file, or stdout. The file may not be one of the inputs.
    pub(crate) fn open(
        &self,
        inputs: &[usermaven_input::Source],
    ) -> anyhow::Result<Box<dyn Write>> {
        let Some(path) = &self.output else {
            return Ok(Box::new(BufWriter::new(io::stdout().lock())));
        };
        let same = |p: &std::path::Path| match (p.canonicalize(), path.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if inputs.iter().filter_map(|s| s.path.as_deref()).any(same) {
            anyhow::bail!("--output {} is one of the inputs", path.display());
        }
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Box::new(BufWriter::with_capacity(1 << 16, file)))
    }
}

impl InputArgs {
    pub(crate) fn lines(&self) -> anyhow::Result<usermaven_input::Lines> {
        let sources = usermaven_input::sources(&self.inputs)?;
        Ok(usermaven_input::Lines::new(
            sources,
            usermaven_input::Options {
                max_line_bytes: self.max_line_bytes,
                ..usermaven_input::Options::default()
            },
        ))
    }
}

/// `--jobs` of the commands that route events (`map`, `send`).
#[derive(Args, Clone)]
pub(crate) struct JobsArg {
    /// Threads that route events; the output, its order and the generated ids are the same
    /// for every N. Default: the available cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) jobs: Option<u64>,
}

impl JobsArg {
    pub(crate) fn get(&self) -> usize {
        self.jobs
            .map_or_else(usermaven_actions::parallel::default_jobs, |n| n as usize)
    }
}
