//! `cargo xtask bench mock`: the mock's ingestion speed and memory, measured from outside on
//! release builds of the real binaries.
//!
//! 1. req/s of `usermaven-actions mock` (default mode: strict warn, one line per event up to a
//!    rate) next to `crates/mock/examples/minimal_handler.rs` (an axum handler that only parses
//!    the body), with `wrk -t1 -c32` POSTing the same ~953-byte track body
//!    (`crates/mock/benches/track-body.json`), in alternating rounds of the same run;
//! 2. VmRSS of a fresh mock before and after one 5,000-event batch, and after 200,000 single
//!    events (sent by 32 concurrent connections from here; `/__mock/stats` must count 200,000);
//! 3. events/s of `usermaven-actions send` into the mock, unbatched and `--batch-size 100`.
//!
//! Needs `wrk` on the PATH for 1 (`apt-get install wrk`); 2 and 3 need nothing else.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub(crate) const KEY: &str = "mock-api-key";
pub(crate) const TOKEN: &str = "bench-token";

/// Options of `cargo xtask bench mock`.
#[derive(Debug, Clone)]
pub struct Options {
    /// wrk rounds per server.
    pub rounds: u32,
    /// Seconds per wrk round.
    pub seconds: u32,
    /// Single events for the RSS figure.
    pub singles: usize,
    /// Events per `send` run.
    pub send_events: usize,
    /// An earlier `usermaven-actions` binary, measured in the same req/s rounds (before/after).
    pub baseline: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rounds: 3,
            seconds: 5,
            singles: 200_000,
            // Large enough that `send`'s start-up does not dominate the batched run.
            send_events: 100_000,
            baseline: None,
        }
    }
}

/// A spawned server, killed (by its own pid) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) uri: String,
}

impl Server {
    /// Starts `cmd`, whose first stdout line ends with its `http://…` address; the rest of its
    /// output is drained so it never blocks on a full pipe.
    pub(crate) fn start(mut cmd: Command) -> Result<Server> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {cmd:?}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .context("the server printed nothing")?
            .context("reading the server's first line")?;
        let uri = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .with_context(|| format!("no address in {first:?}"))?
            .trim_end_matches(['/', ',', ';', ')'])
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        Ok(Server { child, uri })
    }

    pub(crate) fn rss_kb(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS")
    }

    /// CPU seconds (user + system) the server process has used so far.
    pub(crate) fn cpu_secs(&self) -> Result<f64> {
        proc_cpu_secs(&format!("/proc/{}/stat", self.child.id()), 14)
    }
}

/// CPU seconds (user + system) this process (the bench, e.g. its load generator) has used.
pub(crate) fn own_cpu_secs() -> Result<f64> {
    proc_cpu_secs("/proc/self/stat", 14)
}

/// CPU seconds (user + system) of the child processes this process has waited for (`send`).
pub(crate) fn children_cpu_secs() -> Result<f64> {
    proc_cpu_secs("/proc/self/stat", 16)
}

/// Fields `first` and `first + 1` (numbered as proc(5) does: 14 utime, 16 cutime) of a
/// `/proc/…/stat` file, in clock ticks (USER_HZ, 100 on Linux), as seconds.
fn proc_cpu_secs(path: &str, first: usize) -> Result<f64> {
    let stat = std::fs::read_to_string(path)?;
    let after_name = stat.rsplit_once(')').context("no command name in stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (state), so field N (1-based, proc(5)) is at N - 3.
    let tick = |i: usize| -> Result<f64> {
        Ok(fields.get(i - 3).context("short stat")?.parse::<f64>()? / 100.0)
    };
    Ok(tick(first)? + tick(first + 1)?)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn mock(bin: &Path) -> Result<Server> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "mock",
        "--port",
        "0",
        "--api-key",
        KEY,
        "--server-token",
        TOKEN,
    ]);
    Server::start(cmd)
}

fn ingest_url(uri: &str) -> String {
    format!("{uri}/api/v1/s2s/event?token={KEY}.{TOKEN}")
}

/// req/s that wrk reports.
fn wrk(root: &Path, url: &str, body: &Path, seconds: u32) -> Result<f64> {
    let out = Command::new("wrk")
        .args(["-t1", "-c32", &format!("-d{seconds}s"), "-s"])
        .arg(root.join("crates/mock/benches/post.lua"))
        .arg(url)
        .env("BODY_FILE", body)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        bail!("wrk saw error responses:\n{text}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub(crate) async fn stats_events(client: &reqwest::Client, uri: &str) -> Result<u64> {
    let stats: serde_json::Value = client
        .get(format!("{uri}/__mock/stats"))
        .send()
        .await?
        .json()
        .await?;
    stats["events"]
        .as_u64()
        .context("no events in /__mock/stats")
}

/// Sends `n` copies of `body` over `conns` concurrent keep-alive connections.
async fn send_singles(url: &str, body: &str, n: usize, conns: usize) -> Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .build()?;
    let left = Arc::new(AtomicUsize::new(n));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (client, left, url, body) = (
            client.clone(),
            left.clone(),
            url.to_owned(),
            body.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| x.checked_sub(1))
                .is_ok()
            {
                let status = client.post(&url).body(body.clone()).send().await?.status();
                if !status.is_success() {
                    bail!("the mock answered {status}");
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// A Segment track event per line, `n` lines with distinct message ids.
pub(crate) fn write_events(path: &Path, n: usize) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for i in 0..n {
        writeln!(
            out,
            r#"{{"messageId":"bench-{i:08}","timestamp":"2025-02-03T14:15:16.789Z","type":"track","event":"Button Clicked","userId":"u_{u}","anonymousId":"a3f1c2d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d","properties":{{"button_id":"cta-hero","label":"Start free trial","position":1}},"context":{{"ip":"203.0.113.24","locale":"en-US","page":{{"path":"/","referrer":"https://www.google.com/","title":"Home","url":"https://www.example.com/"}},"userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}}}}"#,
            u = i % 1000
        )?;
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn send_run(
    bin: &Path,
    uri: &str,
    events: &Path,
    batch: Option<u32>,
) -> Result<Duration> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "send",
        "--endpoint",
        uri,
        "--api-key",
        KEY,
        "--server-token",
        TOKEN,
    ]);
    if let Some(b) = batch {
        cmd.args(["--batch-size", &b.to_string()]);
    }
    cmd.arg(events).stdout(Stdio::null()).stderr(Stdio::null());
    let t = Instant::now();
    let status = cmd.status().context("running send")?;
    let took = t.elapsed();
    if !status.success() {
        bail!("send exited with {status}");
    }
    Ok(took)
}

/// Runs the benchmark, printing its figures.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let target = crate::release_build(
        root,
        &[
            "-p",
            "usermaven-actions",
            "-p",
            "usermaven-mock",
            "--example",
            "minimal_handler",
            "--bin",
            "usermaven-actions",
        ],
    )?;
    let bin = target.join("usermaven-actions");
    let minimal_bin = target.join("examples/minimal_handler");
    let body_path = root.join("crates/mock/benches/track-body.json");
    let body = std::fs::read_to_string(&body_path)?;
    let work = root.join("target/bench-mock");
    std::fs::create_dir_all(&work)?;
    let rt = tokio::runtime::Runtime::new()?;
    let client = reqwest::Client::new();

    println!(
        "== ingestion req/s (wrk -t1 -c32 -d{}s, {}-byte track body, alternating rounds)",
        opts.seconds,
        body.len()
    );
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("   skipped: wrk is not installed (apt-get install wrk)");
    } else {
        let minimal = Server::start({
            let mut c = Command::new(&minimal_bin);
            c.arg("0");
            c
        })?;
        let server = mock(&bin)?;
        let baseline = opts.baseline.as_deref().map(mock).transpose()?;
        let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
        let mut base_ratios = Vec::new();
        for round in 1..=opts.rounds {
            let m = wrk(root, &ingest_url(&minimal.uri), &body_path, opts.seconds)?;
            let k = wrk(root, &ingest_url(&server.uri), &body_path, opts.seconds)?;
            let base = match &baseline {
                Some(s) => {
                    let x = wrk(root, &ingest_url(&s.uri), &body_path, opts.seconds)?;
                    base_ratios.push(x / m);
                    format!("   baseline {x:>9.0} req/s   ratio {:.2}", x / m)
                }
                None => String::new(),
            };
            println!(
                "   round {round}: minimal handler {m:>9.0} req/s   mock {k:>9.0} req/s   ratio {:.2}{base}",
                k / m
            );
            a.push(m);
            b.push(k);
            r.push(k / m);
        }
        if !base_ratios.is_empty() {
            println!("   baseline median ratio {:.2}", median(base_ratios));
        }
        println!(
            "   median: minimal handler {:.0} req/s, mock {:.0} req/s, ratio {:.2} (mock RSS after: {} MB)",
            median(a),
            median(b),
            median(r),
            server.rss_kb()? / 1024
        );
    }

    println!("== memory (VmRSS of a fresh mock process)");
    {
        let server = mock(&bin)?;
        let before = server.rss_kb()?;
        let batch = format!("[{}]", vec![body.as_str(); 5_000].join(","));
        let url = ingest_url(&server.uri);
        let stored = rt.block_on(async {
            let status = client.post(&url).body(batch.clone()).send().await?.status();
            if !status.is_success() {
                bail!("the batch got {status}");
            }
            stats_events(&client, &server.uri).await
        })?;
        let after = server.rss_kb()?;
        println!(
            "   one 5,000-event batch ({} KB): {} MB -> {} MB (+{} MB); /__mock/stats events = {stored}",
            batch.len() / 1024,
            before / 1024,
            after / 1024,
            after.saturating_sub(before) / 1024
        );
    }
    {
        let server = mock(&bin)?;
        let before = server.rss_kb()?;
        let url = ingest_url(&server.uri);
        let t = Instant::now();
        let stored = rt.block_on(async {
            send_singles(&url, &body, opts.singles, 32).await?;
            stats_events(&client, &server.uri).await
        })?;
        let took = t.elapsed().as_secs_f64();
        let after = server.rss_kb()?;
        println!(
            "   {} single {}-byte events ({:.0}/s from 32 connections): {} MB -> {} MB; /__mock/stats events = {stored}",
            opts.singles,
            body.len(),
            opts.singles as f64 / took,
            before / 1024,
            after / 1024
        );
        if stored != opts.singles as u64 {
            bail!(
                "/__mock/stats counted {stored} events, {} were sent",
                opts.singles
            );
        }
    }

    println!(
        "== send into the mock ({} track events, events/s)",
        opts.send_events
    );
    let events: PathBuf = work.join("events.ndjson");
    write_events(&events, opts.send_events)?;
    let server = mock(&bin)?;
    let mut rates = Vec::new();
    for (label, batch) in [("unbatched", None), ("--batch-size 100", Some(100))] {
        let before = rt.block_on(stats_events(&client, &server.uri))?;
        let took = send_run(&bin, &server.uri, &events, batch)?;
        let after = rt.block_on(stats_events(&client, &server.uri))?;
        let rate = opts.send_events as f64 / took.as_secs_f64();
        println!(
            "   {label:<17} {rate:>9.0} events/s ({:.2} s; the mock stored {})",
            took.as_secs_f64(),
            after - before
        );
        rates.push(rate);
    }
    println!("   batched / unbatched: {:.2}", rates[1] / rates[0]);
    Ok(())
}
