//! `cargo xtask bench map [--events N] [--runs R]`: `map` as a whole process (read, map,
//! write) next to the in-process `route_text` figure on the same events, plain and gzip.
//!
//! The events are the pipeline benchmark's corpus (`fixtures/bench/track-events.ndjson`, 80
//! ~1 KB track events) repeated to N lines under `target/bench/`. Both sides are release
//! builds with the binary's allocator; the three are run in turn R times and each figure is
//! its best run (a shared machine is noisy); `map` writes to `/dev/null` (output formatting
//! and the write calls are counted, the disk is not).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

pub struct Options {
    pub events: usize,
    pub runs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            events: 200_000,
            runs: 3,
        }
    }
}

pub fn map(root: &Path, opts: &Options) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["build", "--release", "-p", "usermaven-actions"])
        .args(["--bin", "usermaven-actions", "--example", "route_text_file"])
        .status()
        .context("cargo build --release")?;
    if !status.success() {
        bail!("the release build failed");
    }
    let release = root.join("target/release");
    let (plain, gz) = inputs(root, opts.events)?;

    // One run of each per round, interleaved, so a busy moment of a shared machine hits all
    // three alike; each figure is the best round.
    let in_process_once = || -> Result<f64> {
        let out = Command::new(release.join("examples/route_text_file"))
            .arg(&plain)
            .arg("1")
            .output()
            .context("run route_text_file")?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("events_per_sec="))
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("route_text_file said: {text}"))
    };
    let whole_once = |input: &Path| -> Result<f64> {
        let started = Instant::now();
        let status = Command::new(release.join("usermaven-actions"))
            .args([
                "map",
                "--api-key",
                "demo-key",
                "--server-token",
                "demo-token",
            ])
            .args(["--now", "2025-03-14T09:30:00Z", "--seed", "7"])
            .arg(input)
            .stdout(Stdio::from(std::fs::File::create("/dev/null")?))
            .stderr(Stdio::null())
            .status()
            .context("run map")?;
        if !status.success() {
            bail!("map failed on {}", input.display());
        }
        Ok(opts.events as f64 / started.elapsed().as_secs_f64())
    };
    let (mut in_process, mut plain_rate, mut gz_rate) = (0f64, 0f64, 0f64);
    for _ in 0..opts.runs {
        in_process = in_process.max(in_process_once()?);
        plain_rate = plain_rate.max(whole_once(&plain)?);
        gz_rate = gz_rate.max(whole_once(&gz)?);
    }
    println!(
        "map benchmark: {} events (~1 KB each), best of {} runs",
        opts.events, opts.runs
    );
    println!(
        "  in-process route_text         {:>9.0} events/s",
        in_process
    );
    println!(
        "  map, whole process (plain)    {:>9.0} events/s  ({:.0}% of in-process)",
        plain_rate,
        100.0 * plain_rate / in_process
    );
    println!(
        "  map, whole process (gzip)     {:>9.0} events/s  (gzip costs +{:.0}% time)",
        gz_rate,
        100.0 * (plain_rate / gz_rate - 1.0)
    );
    Ok(())
}

/// The corpus repeated to `events` lines, plain and gzip-compressed.
fn inputs(root: &Path, events: usize) -> Result<(PathBuf, PathBuf)> {
    let corpus = std::fs::read_to_string(root.join("fixtures/bench/track-events.ndjson"))
        .context("fixtures/bench/track-events.ndjson")?;
    let lines: Vec<&str> = corpus.lines().filter(|l| !l.is_empty()).collect();
    let mut text = String::with_capacity(events * 1200);
    for i in 0..events {
        text.push_str(lines[i % lines.len()]);
        text.push('\n');
    }
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let plain = dir.join("map-events.ndjson");
    std::fs::write(&plain, &text)?;
    let gz = dir.join("map-events.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes())?;
    std::fs::write(&gz, enc.finish()?)?;
    Ok((plain, gz))
}
