//! `cargo xtask fuzz --afl`: the coverage-guided mode. The same targets and oracles, driven by
//! AFL++ through afl.rs (`cargo install cargo-afl`, which builds AFL++ itself): the harness in
//! `fuzz/afl/` is built with coverage instrumentation into `target/afl/`, seeded with inputs
//! from each target's own generator, and run with `cargo afl fuzz` for the target's share of
//! the time. Executions and crashes are read from AFL's `fuzzer_stats`; crash inputs are copied
//! to `target/fuzz/findings/<target>/afl-*`.
//!
//! Only the in-process targets (json-route, mapping, fql, mock): the sender's loopback server
//! and the reference's node batches do not fit AFL's fork server. Not part of `cargo xtask ci`
//! (the instrumented build alone takes minutes on two cores).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::{findings_dir, Finding, Options, Report, TargetReport};

/// Targets AFL can drive.
pub const AFL_TARGETS: &[&str] = &["json-route", "mapping", "fql", "mock"];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds the instrumented harness; its path.
fn build(root: &Path) -> Result<PathBuf> {
    let manifest = root.join("crates/fuzz/afl/Cargo.toml");
    // The workspace's versions: the harness's own lockfile starts as a copy of the root one
    // (cargo adds afl to it), so the instrumented build uses the crates everything else does.
    std::fs::copy(
        root.join("Cargo.lock"),
        root.join("crates/fuzz/afl/Cargo.lock"),
    )
    .context("copying Cargo.lock for the AFL harness")?;
    let target_dir = root.join("target").join("afl");
    let status = Command::new(cargo())
        .args(["afl", "build", "--release", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(root)
        .status()
        .context("running cargo afl (install it with `cargo install cargo-afl`)")?;
    if !status.success() {
        bail!("cargo afl build failed ({status}); is cargo-afl installed (`cargo install cargo-afl`)?");
    }
    Ok(target_dir.join("release").join("usermaven-fuzz-afl"))
}

/// `key : value` lines of AFL's `fuzzer_stats`.
fn stat(stats: &str, key: &str) -> u64 {
    stats
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

pub fn run(root: &Path, opts: &Options) -> Result<Report> {
    let harness = build(root)?;
    let targets: Vec<&str> = opts
        .targets
        .iter()
        .map(String::as_str)
        .filter(|t| AFL_TARGETS.contains(t))
        .collect();
    let mut report = Report {
        targets: Vec::new(),
        skipped: opts
            .targets
            .iter()
            .filter(|t| !AFL_TARGETS.contains(&t.as_str()))
            .cloned()
            .collect(),
    };
    let total = opts.time.unwrap_or(Duration::from_secs(60));
    let share = (total / targets.len().max(1) as u32).max(Duration::from_secs(10));
    for name in targets {
        let dir = root.join("target").join("afl").join("runs").join(name);
        let input = dir.join("in");
        let output = dir.join("out");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&input)?;
        // Seeds: the target's own generator (small inputs first; AFL trims and mutates them).
        let mut t = super::target(root, name)?.context("target unavailable")?;
        let mut rng = super::Rng::for_stream(opts.seed, name);
        let mut seeds: Vec<Vec<u8>> = (0..200).map(|_| t.input(&mut rng)).collect();
        seeds.sort_by_key(Vec::len);
        for (i, s) in seeds.iter().filter(|s| s.len() < 4096).take(64).enumerate() {
            std::fs::write(input.join(format!("seed-{i:03}")), s)?;
        }
        let status = Command::new(cargo())
            .args(["afl", "fuzz", "-i"])
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .args(["-V", &share.as_secs().to_string(), "-t", "5000", "--"])
            .arg(&harness)
            .env("FUZZ_TARGET", name)
            .env("AFL_NO_UI", "1")
            .env("AFL_SKIP_CPUFREQ", "1")
            .env("AFL_NO_AFFINITY", "1")
            .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
            .env("AFL_SKIP_CRASHES", "1")
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("afl-fuzz.log"))?)
            .status()
            .context("running cargo afl fuzz")?;
        let stats = std::fs::read_to_string(output.join("default").join("fuzzer_stats"))
            .with_context(|| format!("afl fuzz ({status}) wrote no fuzzer_stats for {name}"))?;
        let mut tr = TargetReport {
            name: format!("{name} (afl)"),
            execs: stat(&stats, "execs_done"),
            elapsed: Duration::from_secs(stat(&stats, "run_time").max(1)),
            findings: Default::default(),
            notes: vec![format!(
                "coverage: {} corpus entries, {} edges found; {} hang(s)",
                stat(&stats, "corpus_count"),
                stat(&stats, "edges_found"),
                stat(&stats, "saved_hangs")
            )],
        };
        let crashes = output.join("default").join("crashes");
        let save = findings_dir(root, name);
        for e in std::fs::read_dir(&crashes).into_iter().flatten().flatten() {
            let p = e.path();
            if p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("id:"))
            {
                let _ = std::fs::create_dir_all(&save);
                let bytes = std::fs::read(&p).unwrap_or_default();
                let file = save.join(format!("afl-{:016x}.{}", super::fnv(&bytes), t.ext()));
                let _ = std::fs::write(&file, &bytes);
                let msg = super::catching(|| t.check(&bytes))
                    .err()
                    .unwrap_or_else(|| "crash under AFL (does not reproduce in-process)".into());
                let key = super::finding_key(&msg);
                let f = tr.findings.entry(key.clone()).or_insert(Finding {
                    message: key,
                    count: 0,
                    file,
                });
                f.count += 1;
            }
        }
        print!(
            "{}",
            Report {
                targets: vec![tr.clone()],
                skipped: Vec::new()
            }
            .summary()
            .lines()
            .take_while(|l| !l.starts_with("fuzz total"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
        );
        report.targets.push(tr);
    }
    Ok(report)
}
