//! `usermaven-conformance [--reference | --reference-if-available] [--cases N] [--seed S]
//! [--no-e2e]`: the conformance harness as a command (what `cargo xtask conformance` runs).
//! Exit 0: conformant; 1: a stage failed; 2: the harness could not run.

use anyhow::{bail, Context, Result};
use usermaven_conformance::tool::{exit_with, parse_u64};
use usermaven_conformance::{Options, ReferenceMode};

const USAGE: &str = "usage: usermaven-conformance [--reference | --reference-if-available] [--cases N] [--seed S] [--no-e2e]";

fn main() {
    exit_with(run)
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = usermaven_conformance::workspace_root();
    let opts = options(&root, &args)?;
    let report = usermaven_conformance::run(&root, &opts)?;
    Ok(report.ok())
}

fn options(root: &std::path::Path, args: &[String]) -> Result<Options> {
    let mut opts = Options::ci(root);
    let mut cases_given = false;
    let mut it = args.iter().map(String::as_str);
    while let Some(a) = it.next() {
        match a {
            "--reference" => opts.reference = ReferenceMode::Required,
            "--reference-if-available" => opts.reference = ReferenceMode::IfAvailable,
            "--no-e2e" => opts.e2e = false,
            "--cases" => {
                let n = it.next().context("--cases needs a number")?;
                opts.cases = u32::try_from(parse_u64(n)?).context("--cases is too large")?;
                cases_given = true;
            }
            "--seed" => opts.seed = parse_u64(it.next().context("--seed needs a number")?)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown conformance option {other}\n{USAGE}"),
        }
    }
    if cases_given {
        opts.reference_events = opts.cases;
    }
    Ok(opts)
}
