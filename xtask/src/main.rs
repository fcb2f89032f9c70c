//! `cargo xtask`: project automation (reference expectations, conformance, ci).
//!
//! Commands:
//! - `reference [--check]`: regenerate the conformance cases and the expectations of Segment's
//!   reference implementation (see `reference.rs` and `reference/README.md`).
//! - `conformance [--reference] [--cases N] [--seed S] [--no-e2e]`: the conformance harness
//!   (see `conformance/mod.rs`).
//! - `bench mock [--rounds N] [--seconds S] [--singles N] [--send-events N]`: the mock's req/s next to a minimal
//!   handler, its RSS, and `send` batched vs unbatched into it (see `bench_mock.rs`).
//! - `ci`: fmt check, clippy, the test suite and the conformance run.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use xtask::conformance::{self, ReferenceMode};
use xtask::{reference, workspace_root};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  reference [--check]   set up the node reference project, regenerate fixtures/cases/*.cases.ndjson
                        and run them through Segment's published destination to write
                        fixtures/cases/*.expected.ndjson; with --check, regenerate into a temporary
                        directory and fail if anything differs from the committed files
  conformance [--reference] [--cases N] [--seed S] [--no-e2e]
                        snapshots of every fixture x subscription, property-based events, the saved
                        corpus (fixtures/conformance), and an end-to-end run through the sender into
                        the mock; --reference also runs generated cases through Segment's code
                        (node) and shrinks and saves mismatches. Reports: target/conformance/
                        (summary.txt, summary.json, junit.xml). Defaults: 256 cases, fixed seed.
  bench mock [--rounds N] [--seconds S] [--singles N] [--send-events N]
                        release builds of the mock and of a minimal axum handler: req/s with wrk
                        (-t1 -c32, same body, alternating rounds), VmRSS after one 5,000-event batch
                        and after N (200,000) single events, send of N (100,000) events unbatched
                        vs --batch-size 100
  ci                    cargo fmt --check, clippy -D warnings, cargo test --workspace, and the
                        conformance run (with --reference when node is available)";

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    match args.as_slice() {
        ["reference"] => reference::run(&root, reference::Mode::Write).map(|()| true),
        ["reference", "--check"] => reference::run(&root, reference::Mode::Check).map(|()| true),
        ["conformance", rest @ ..] => {
            let opts = conformance_options(rest)?;
            let report = conformance::run(&root, &opts)?;
            Ok(report.ok())
        }
        ["ci"] => ci(),
        ["bench", "mock", rest @ ..] => {
            let mut opts = xtask::bench_mock::Options::default();
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                let mut num = || -> Result<u64> { parse_u64(it.next().context("a number")?) };
                match *a {
                    "--rounds" => opts.rounds = u32::try_from(num()?.max(1))?,
                    "--seconds" => opts.seconds = u32::try_from(num()?.max(1))?,
                    "--singles" => opts.singles = usize::try_from(num()?)?,
                    "--send-events" => opts.send_events = usize::try_from(num()?.max(1))?,
                    other => bail!("unknown bench option {other}\n\n{USAGE}"),
                }
            }
            xtask::bench_mock::run(&root, &opts).map(|()| true)
        }
        [] | ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => bail!("unknown xtask command: {}\n\n{USAGE}", args.join(" ")),
    }
}

fn parse_u64(s: &str) -> Result<u64> {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.with_context(|| format!("not a number: {s}"))
}

fn conformance_options(args: &[&str]) -> Result<conformance::Options> {
    let mut opts = conformance::Options::ci(&workspace_root());
    let mut cases_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--reference" => opts.reference = ReferenceMode::Required,
            "--reference-if-available" => opts.reference = ReferenceMode::IfAvailable,
            "--no-e2e" => opts.e2e = false,
            "--cases" => {
                let n = it.next().context("--cases needs a number")?;
                opts.cases = u32::try_from(parse_u64(n)?).context("--cases is too large")?;
                cases_given = true;
            }
            "--seed" => opts.seed = parse_u64(it.next().context("--seed needs a number")?)?,
            other => bail!("unknown conformance option {other}\n\n{USAGE}"),
        }
    }
    if cases_given {
        opts.reference_events = opts.cases;
    }
    Ok(opts)
}

fn cargo(args: &[&str]) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    Ok(status.success())
}

fn ci() -> Result<bool> {
    let started = Instant::now();
    let steps: [(&str, &[&str]); 3] = [
        ("fmt", &["fmt", "--all", "--", "--check"]),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        ("test", &["test", "--workspace"]),
    ];
    let mut failed = Vec::new();
    for (name, args) in steps {
        let t = Instant::now();
        let ok = cargo(args)?;
        println!(
            "== {name}: {} ({:.0}s)",
            if ok { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        if !ok {
            failed.push(name);
        }
    }
    let t = Instant::now();
    let root = workspace_root();
    let mut opts = conformance::Options::ci(&root);
    opts.reference = ReferenceMode::IfAvailable;
    println!("$ cargo xtask conformance --reference-if-available");
    let report = conformance::run(&root, &opts)?;
    println!(
        "== conformance: {} ({:.0}s)",
        if report.ok() { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    if !report.ok() {
        failed.push("conformance");
    }
    println!(
        "ci: {} in {:.0}s",
        if failed.is_empty() {
            "all green".to_string()
        } else {
            format!("FAILED: {}", failed.join(", "))
        },
        started.elapsed().as_secs_f64()
    );
    Ok(failed.is_empty())
}
