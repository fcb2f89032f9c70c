//! `usermaven-fuzz [--target T]... [--time SECONDS] [--execs N] [--seed S] [--replay FILE]
//! [--ci] [--afl] [--require-reference]`: the fuzzing gate as a command (what `cargo xtask
//! fuzz` runs). Exit 0: no finding; 1: findings (saved under `target/fuzz/findings/`); 2: the
//! run could not start.

use anyhow::{bail, Context, Result};
use usermaven_conformance::tool::{exit_with, parse_u64};
use usermaven_fuzz::Options;

const USAGE: &str = "usage: usermaven-fuzz [--target T]... [--time SECONDS] [--execs N] [--seed S] [--replay FILE] [--ci] [--afl] [--require-reference]";

fn main() {
    exit_with(run)
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = options(&args)?;
    let report = usermaven_fuzz::run(&usermaven_fuzz::workspace_root(), &opts)?;
    println!("{}", report.total_line());
    Ok(report.ok())
}

fn options(args: &[String]) -> Result<Options> {
    let mut opts = Options::new();
    let mut targets = Vec::new();
    let mut it = args.iter().map(String::as_str);
    while let Some(a) = it.next() {
        match a {
            "--target" => {
                let t = it.next().context("--target needs a name")?;
                targets.extend(t.split(',').map(str::to_string));
            }
            "--time" => {
                let s = parse_u64(it.next().context("--time needs seconds")?)?;
                opts.time = Some(std::time::Duration::from_secs(s));
            }
            "--execs" => {
                opts.execs = Some(parse_u64(it.next().context("--execs needs a number")?)?);
            }
            "--seed" => opts.seed = parse_u64(it.next().context("--seed needs a number")?)?,
            "--ci" => opts = Options::ci(),
            "--afl" => opts.afl = true,
            "--replay" => opts
                .replay
                .push(it.next().context("--replay needs a file")?.into()),
            "--require-reference" => opts.require_reference = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown fuzz option {other}\n{USAGE}"),
        }
    }
    if !targets.is_empty() {
        opts.targets = targets;
    }
    Ok(opts)
}
