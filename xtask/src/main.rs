//! `cargo xtask`: project automation (reference expectations, conformance, ci).
//!
//! Commands:
//! - `reference [--check]`: regenerate the conformance cases and the expectations of Segment's
//!   reference implementation (see `reference.rs` and `reference/README.md`).
//! - `conformance [--reference] [--cases N] [--seed S] [--no-e2e]`: the conformance harness
//!   (runs `crates/conformance`'s binary).
//! - `bench map [--events N] [--runs R]`: whole-process `map` next to in-process
//!   `route_text` on the same events, plain and gzip (see `bench.rs`).
//! - `bench mock [--rounds N] [--seconds S] [--singles N] [--send-events N] [--baseline BIN]`:
//!   the mock's req/s next to a minimal handler, its RSS, and `send` batched vs unbatched into it
//!   (see `bench_mock.rs`).
//! - `bench segment [--events N] [--rss-messages N]`: `dev`'s messages/s from `/v1/batch` to
//!   stored next to `send`'s, and its RSS over a million messages (see `bench_segment.rs`).
//! - `fuzz [--target T] [--time SECONDS] [--execs N] [--seed S]`: the fuzzing gate (runs
//!   `crates/fuzz`'s binary).
//! - `ci`: fmt check, clippy, the test suite, the conformance run and a short fuzz pass.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
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
  bench map [--events N] [--runs R]
                        release build; map as a whole process (read, map, write to /dev/null) on N
                        copies of the bench corpus, plain and gzip, next to in-process route_text on
                        the same events (defaults: 200000 events, best of 3 runs)
  bench mock [--rounds N] [--seconds S] [--singles N] [--send-events N] [--baseline BIN]
                        release builds of the mock and of a minimal axum handler: req/s with wrk
                        (-t1 -c32, same body, alternating rounds), VmRSS after one 5,000-event batch
                        and after N (200,000) single events, send of N (100,000) events unbatched
                        vs --batch-size 100; --baseline: an earlier usermaven-actions binary
                        measured in the same alternating req/s rounds (before/after)
  bench segment [--events N] [--rss-messages N]
                        release build; messages/s of dev from /v1/batch to stored in its embedded
                        mock next to send of the same N (100000) events into a mock, in one run;
                        VmRSS of dev while N (1000000) messages go through (flat, under 300 MB)
  fuzz [--target T]... [--time SECONDS] [--execs N] [--seed S] [--replay FILE] [--ci] [--afl]
                        the fuzzing gate: targets json-route, mapping, fql, mock, sender, reference
                        (default: all), each with an oracle; --time is the budget of the whole run
                        (default 60), split evenly; --execs caps executions per target. Findings
                        are saved under target/fuzz/findings/<target>/; exit 1 if any.
                        --replay FILE runs one saved input through --target's oracle; --ci is the
                        pass `ci` runs (options after it still apply); --afl fuzzes json-route,
                        mapping, fql and mock coverage-guided with AFL++ (needs cargo-afl)
  ci                    cargo fmt --check, clippy -D warnings, cargo test --workspace, the
                        conformance run (with --reference when node is available) and a short
                        deterministic fuzz pass (fixed seed and executions per target)";

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
        // The harness and the fuzzer are crates of their own: xtask only runs their binaries,
        // so `cargo xtask reference` compiles neither (nor the mock, the sender, axum…).
        ["conformance", rest @ ..] => tool("usermaven-conformance", rest),
        ["fuzz", rest @ ..] => tool("usermaven-fuzz", rest),
        ["bench", "map", rest @ ..] => {
            let mut opts = xtask::bench::Options::default();
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                let value = it.next().with_context(|| format!("{a} needs a value"))?;
                match *a {
                    "--events" => opts.events = parse_u64(value)? as usize,
                    "--runs" => opts.runs = parse_u64(value)?.max(1) as usize,
                    _ => bail!("unknown option {a}\n\n{USAGE}"),
                }
            }
            xtask::bench::map(&root, &opts).map(|()| true)
        }
        ["ci"] => ci(),
        ["bench", "segment", rest @ ..] => {
            let mut opts = xtask::bench_segment::Options::default();
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                let mut num = || -> Result<u64> { parse_u64(it.next().context("a number")?) };
                match *a {
                    "--events" => opts.events = usize::try_from(num()?.max(100))?,
                    "--rss-messages" => opts.rss_messages = usize::try_from(num()?.max(100))?,
                    other => bail!("unknown bench option {other}\n\n{USAGE}"),
                }
            }
            xtask::bench_segment::run(&root, &opts).map(|()| true)
        }
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
                    "--baseline" => {
                        let bin = it.next().context("--baseline needs a binary")?;
                        opts.baseline = Some(bin.into());
                    }
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

/// Run a workspace tool's binary (`cargo run -p NAME -- ARGS`); its exit code 1 is a failed
/// check, anything else but 0 an error.
fn tool(package: &str, args: &[&str]) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--package", package, "--"])
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("running {package}"))?;
    match status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => bail!("{package} could not run ({status})"),
    }
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
    println!("$ cargo xtask conformance --reference-if-available");
    let conformant = tool("usermaven-conformance", &["--reference-if-available"])?;
    println!(
        "== conformance: {} ({:.0}s)",
        if conformant { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    if !conformant {
        failed.push("conformance");
    }
    let t = Instant::now();
    println!("$ cargo xtask fuzz --ci  (fixed seed, fixed executions per target)");
    let fuzzed = tool("usermaven-fuzz", &["--ci"])?;
    println!(
        "== fuzz: {} ({:.0}s)",
        if fuzzed { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    if !fuzzed {
        failed.push("fuzz");
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
