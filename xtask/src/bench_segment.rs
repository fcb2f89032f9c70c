//! `cargo xtask bench segment`: the local Segment (`usermaven-actions dev`) measured from
//! outside on release builds of the real binary.
//!
//! 1. messages/s from `POST /v1/batch` (batches of 100, 4 connections) to stored in the
//!    embedded mock (`/__mock/stats` counts them all), next to `send` of the same events from
//!    a file into a `mock` process, in one run: the local Segment's price over `send` is the
//!    API, Segment's rules and the bookkeeping per message;
//! 2. VmRSS of `dev` (default retention) while 1,000,000 messages go through, sampled every
//!    250,000: flat, and under 300 MB.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::bench_mock::{
    children_cpu_secs, mock, own_cpu_secs, send_run, stats_events, write_events, Server, KEY, TOKEN,
};

/// Options of `cargo xtask bench segment`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Messages in the throughput comparison.
    pub events: usize,
    /// Messages for the memory figure.
    pub rss_messages: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            events: 100_000,
            rss_messages: 1_000_000,
        }
    }
}

/// Messages per `/v1/batch` request, and requests in flight.
const BATCH: usize = 100;
const CONNECTIONS: usize = 4;

fn dev(bin: &Path) -> Result<Server> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "dev",
        "--port",
        "0",
        "--api-key",
        KEY,
        "--server-token",
        TOKEN,
    ]);
    Server::start(cmd)
}

/// The events of `path` as `/v1/batch` bodies of [`BATCH`] messages.
fn batch_bodies(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text.lines().collect();
    Ok(lines
        .chunks(BATCH)
        .map(|c| format!(r#"{{"batch":[{}],"writeKey":"bench"}}"#, c.join(",")))
        .collect())
}

/// Posts `bodies` (cycling) until `n` messages are sent, over [`CONNECTIONS`] connections.
async fn post_batches(
    client: &reqwest::Client,
    url: &str,
    bodies: &[String],
    batches: usize,
) -> Result<()> {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, bodies, next) = (
            client.clone(),
            url.to_owned(),
            bodies.to_vec(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= batches {
                    return Ok::<(), anyhow::Error>(());
                }
                let body = bodies[i % bodies.len()].clone();
                let status = client.post(&url).body(body).send().await?.status();
                if !status.is_success() {
                    bail!("/v1/batch answered {status}");
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// Waits until the mock counts `n` stored events.
async fn stored(client: &reqwest::Client, uri: &str, n: u64, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let got = stats_events(client, uri).await?;
        if got >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the mock stored {got} of {n} events in {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs the benchmark, printing its figures.
pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let bin = crate::release_build(
        root,
        &["-p", "usermaven-actions", "--bin", "usermaven-actions"],
    )?
    .join("usermaven-actions");
    let work = root.join("target/bench-segment");
    std::fs::create_dir_all(&work)?;
    let events = work.join("events.ndjson");
    write_events(&events, opts.events)?;
    let bodies = batch_bodies(&events)?;
    let rt = tokio::runtime::Runtime::new()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()?;

    println!(
        "== {} track events: send from a file vs the SDKs' /v1/batch (batches of {BATCH}, {CONNECTIONS} connections), to stored in the mock",
        opts.events
    );
    let (send_rate, send_cpu) = {
        let server = mock(&bin)?;
        let (mock_cpu, send_cpu) = (server.cpu_secs()?, children_cpu_secs()?);
        let took = send_run(&bin, &server.uri, &events, None)?;
        let cpu = server.cpu_secs()? - mock_cpu + children_cpu_secs()? - send_cpu;
        let got = rt.block_on(stats_events(&client, &server.uri))?;
        if got != opts.events as u64 {
            bail!("send: the mock stored {got} of {}", opts.events);
        }
        let rate = opts.events as f64 / took.as_secs_f64();
        println!(
            "   send (unbatched)           {rate:>9.0} events/s ({:.2} s; CPU of send + mock {cpu:.2} s, {:.0} µs/event)",
            took.as_secs_f64(),
            cpu * 1e6 / opts.events as f64
        );
        (rate, cpu)
    };
    let (dev_rate, dev_cpu_total) = {
        let server = dev(&bin)?;
        let url = format!("{}/v1/batch", server.uri);
        let (dev_cpu, load_cpu) = (server.cpu_secs()?, own_cpu_secs()?);
        let t = Instant::now();
        rt.block_on(async {
            post_batches(&client, &url, &bodies, bodies.len()).await?;
            stored(
                &client,
                &server.uri,
                opts.events as u64,
                Duration::from_secs(600),
            )
            .await
        })?;
        let took = t.elapsed();
        let cpu = server.cpu_secs()? - dev_cpu;
        let load_cpu = own_cpu_secs()? - load_cpu;
        let rate = opts.events as f64 / took.as_secs_f64();
        println!(
            "   dev (/v1/batch → stored)   {rate:>9.0} messages/s ({:.2} s; CPU of dev {cpu:.2} s, {:.0} µs/message; RSS after {} MB; the load generator's CPU {load_cpu:.2} s)",
            took.as_secs_f64(),
            cpu * 1e6 / opts.events as f64,
            server.rss_kb()? / 1024
        );
        (rate, cpu)
    };
    println!("   dev / send: {:.2} (target ≥ 0.5)", dev_rate / send_rate);
    // On a shared machine the scheduler shares the cores per thread: send and its mock are two
    // processes with their own worker threads, dev is one, so under load dev gets the smaller
    // share. CPU time per message does not depend on that share.
    println!(
        "   CPU per message, send / dev: {:.2} (the rates' ratio when both are bound by the same cores)",
        send_cpu / dev_cpu_total
    );

    println!(
        "== memory: VmRSS of dev (default retention) while {} messages go through",
        opts.rss_messages
    );
    let server = dev(&bin)?;
    let url = format!("{}/v1/batch", server.uri);
    let step = (opts.rss_messages / 4).max(BATCH);
    let mut samples = vec![(0usize, server.rss_kb()?)];
    let mut sent = 0usize;
    let t = Instant::now();
    while sent < opts.rss_messages {
        let n = step.min(opts.rss_messages - sent);
        rt.block_on(async {
            post_batches(&client, &url, &bodies, n.div_ceil(BATCH)).await?;
            sent += n.div_ceil(BATCH) * BATCH;
            stored(&client, &server.uri, sent as u64, Duration::from_secs(600)).await
        })?;
        samples.push((sent, server.rss_kb()?));
    }
    let line: Vec<String> = samples
        .iter()
        .map(|(n, kb)| format!("{n}: {} MB", kb / 1024))
        .collect();
    println!(
        "   {} ({:.0} messages/s overall)",
        line.join(", "),
        sent as f64 / t.elapsed().as_secs_f64()
    );
    let last = samples.last().map(|s| s.1).unwrap_or(0);
    let quarter = samples.get(1).map(|s| s.1).unwrap_or(last);
    println!(
        "   after {sent}: {} MB (limit 300 MB); growth from the first quarter: {} MB",
        last / 1024,
        last.saturating_sub(quarter) / 1024
    );
    if last / 1024 >= 300 {
        bail!("RSS {} MB is not under 300 MB", last / 1024);
    }
    Ok(())
}
