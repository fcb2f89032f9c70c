//! `usermaven-fuzz`: the fuzzing gate (`cargo xtask fuzz` runs this crate's binary). Each target feeds generated and mutated inputs to one
//! part of the workspace and checks an oracle on every one, not only that nothing panics:
//!
//! | target | input | oracle |
//! |---|---|---|
//! | `reference` | hostile events and user-built mappings as cases | Segment's code (`reference/run-cases.js`, batched) and `usermaven-actions cases` give the same result |
//! | `json-route` | JSON text | `Value::parse` never panics; `route_text` (fused fast path) = `route` on the parsed value |
//! | `mapping` | a mapping and an event | `Mapping::compile`/`transform` never panic, are deterministic, leak nothing from one event into the next, and liquid renders within the reference's 500 ms `renderLimit` |
//! | `fql` | FQL text | `parse` never panics; `parse(generate(parse(x)))` is the same tree |
//! | `mock` | method, path, query, headers, body | the mock never panics and answers as Go's `encoding/json` decoder rules say (an independent scanner model, `go_scan.rs`) |
//! | `sender` | a script of server behaviours per attempt | the sender never panics or hangs, and its `Delivery` says what the server did |
//!
//! **Engines.** The default is a seeded mutation loop (byte havoc for parsers, structure-aware
//! edits with JS-special keys and values for events and mappings) over the committed fixtures,
//! with no coverage feedback: it needs nothing beyond the workspace build, so `cargo xtask ci`
//! can run it. `--afl` (`afl.rs`) runs the in-process targets coverage-guided under AFL++,
//! through afl.rs and `cargo-afl`, with a separately instrumented build.
//!
//! A finding (panic, oracle failure or hang) is saved under `target/fuzz/findings/<target>/`;
//! fixed ones are committed under `fixtures/fuzz/<target>/`, where `replay.rs` runs each of
//! them through its target on every `cargo test`.

pub mod afl;
mod fql;
mod go_scan;
mod json_route;
mod mapping;
mod mock;
mod mutate;
mod reference;
pub mod replay;
mod rng;
mod seeds;
mod sender;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

pub use rng::Rng;

/// The workspace root (this crate sits in `crates/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// One fuzz target: where inputs come from and what must hold for each.
pub trait Target: Send {
    fn name(&self) -> &'static str;
    /// The next input (generated, or a mutated seed).
    fn input(&mut self, rng: &mut Rng) -> Vec<u8>;
    /// Runs one input; `Err` says what the oracle found wrong.
    fn check(&mut self, input: &[u8]) -> Result<(), String>;
    /// Inputs run together (a target with a costly start-up checks whole batches).
    fn batch(&self) -> usize {
        1
    }
    fn check_batch(&mut self, inputs: &[Vec<u8>]) -> Vec<Result<(), String>> {
        inputs.iter().map(|i| self.check(i)).collect()
    }
    /// File extension of a saved input.
    fn ext(&self) -> &'static str {
        "json"
    }
    /// What the run found that is not a finding (known differences), for the report.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Every target's name, in the order they run.
pub const TARGETS: &[&str] = &[
    "json-route",
    "mapping",
    "fql",
    "mock",
    "sender",
    "reference",
];

/// Builds a target; `Ok(None)` when it cannot run here (the reference without node).
pub fn target(root: &Path, name: &str) -> Result<Option<Box<dyn Target>>> {
    let seeds = seeds::Seeds::load(root);
    Ok(Some(match name {
        "json-route" => Box::new(json_route::JsonRoute::new(seeds)),
        "mapping" => Box::new(mapping::MappingTarget::new(seeds)),
        "fql" => {
            // `FUZZ_NO_NODE`: the AFL harness checks one input per call and cannot afford node.
            let node =
                std::env::var_os("FUZZ_NO_NODE").is_none() && reference::prepare(root).is_ok();
            Box::new(fql::Fql::new(seeds, node.then(|| root.to_path_buf())))
        }
        "mock" => Box::new(mock::Mock::new()?),
        "sender" => Box::new(sender::SenderTarget::new()?),
        "reference" => match reference::Reference::new(root, seeds) {
            Ok(t) => Box::new(t),
            Err(e) => {
                eprintln!("fuzz: reference target skipped: {e:#}");
                return Ok(None);
            }
        },
        other => bail!(
            "unknown fuzz target {other} (targets: {})",
            TARGETS.join(", ")
        ),
    }))
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub targets: Vec<String>,
    /// Wall-clock budget for the whole run, split evenly between the targets.
    pub time: Option<Duration>,
    /// Executions per target (the run stops at whichever of `time` and `execs` comes first).
    pub execs: Option<u64>,
    pub seed: u64,
    /// The reference target must run (fail when node is missing) instead of being skipped.
    pub require_reference: bool,
    /// Saved inputs to run once each instead of fuzzing.
    pub replay: Vec<PathBuf>,
    /// Coverage-guided, through AFL++ (`afl.rs`) instead of the built-in loop.
    pub afl: bool,
}

/// The seed `cargo xtask ci` uses.
pub const CI_SEED: u64 = 0xF022_2026;

impl Options {
    /// `cargo xtask fuzz` without options: every target, 60 s in total.
    pub fn new() -> Options {
        Options {
            targets: TARGETS.iter().map(|t| t.to_string()).collect(),
            time: Some(Duration::from_secs(60)),
            execs: None,
            seed: 1,
            require_reference: false,
            replay: Vec::new(),
            afl: false,
        }
    }

    /// The short, deterministic pass `cargo xtask ci` runs: a fixed number of executions per
    /// target from a fixed seed (so every run checks the same inputs), well under a minute on
    /// two cores in a debug build.
    pub fn ci() -> Options {
        Options {
            time: None,
            execs: None,
            seed: CI_SEED,
            ..Options::new()
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}

/// Executions each target gets in the ci pass (cost per execution differs by orders of
/// magnitude between a JSON parse and a node batch).
fn ci_execs(name: &str) -> u64 {
    match name {
        "json-route" => 10_000,
        "mapping" => 6_000,
        "fql" => 30_000,
        "mock" => 5_000,
        "sender" => 150,
        "reference" => 400,
        _ => 1_000,
    }
}

/// One distinct finding: the first line of its message, how often it was seen, and the first
/// input saved for it.
#[derive(Clone, Debug)]
pub struct Finding {
    pub message: String,
    pub count: u64,
    pub file: PathBuf,
}

#[derive(Clone, Debug)]
pub struct TargetReport {
    pub name: String,
    pub execs: u64,
    pub elapsed: Duration,
    pub findings: BTreeMap<String, Finding>,
    pub notes: Vec<String>,
}

impl TargetReport {
    pub fn crashes(&self) -> u64 {
        self.findings.values().map(|f| f.count).sum()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub targets: Vec<TargetReport>,
    pub skipped: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.targets.iter().all(|t| t.findings.is_empty())
    }

    pub fn summary(&self) -> String {
        let mut s = String::new();
        let mut total = 0;
        let mut crashes = 0;
        for t in &self.targets {
            let secs = t.elapsed.as_secs_f64();
            s.push_str(&format!(
                "fuzz {:<11} {:>10} execs in {:>6.1}s ({:>8.0}/s), {} finding(s)\n",
                t.name,
                t.execs,
                secs,
                t.execs as f64 / secs.max(1e-9),
                t.crashes()
            ));
            for n in &t.notes {
                s.push_str(&format!("  note: {n}\n"));
            }
            for f in t.findings.values() {
                s.push_str(&format!(
                    "  {}x {}\n     input: {}\n",
                    f.count,
                    f.message,
                    f.file.display()
                ));
            }
            total += t.execs;
            crashes += t.crashes();
        }
        for name in &self.skipped {
            s.push_str(&format!("fuzz {name:<11} skipped\n"));
        }
        s.push_str(&format!(
            "fuzz total: {total} executions, {crashes} finding(s)\n"
        ));
        s
    }

    /// The summary's last line.
    pub fn total_line(&self) -> String {
        self.summary().lines().last().unwrap_or("").to_string()
    }
}

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// While a target runs, a panic's message and location are kept for the report instead of
/// printed.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let capturing = PANIC.with(|p| p.borrow().is_some());
            if capturing {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                PANIC.with(|p| *p.borrow_mut() = Some(format!("panic at {at}: {msg}")));
            } else {
                default(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err("panic at …")`.
pub fn catching<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    install_panic_hook();
    PANIC.with(|p| *p.borrow_mut() = Some(String::new()));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let msg = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
    match r {
        Ok(r) => r,
        Err(_) => Err(if msg.is_empty() {
            "panic".to_string()
        } else {
            msg
        }),
    }
}

/// The input in flight, for the watchdog.
struct InFlight {
    started_ms: AtomicU64,
    input: Mutex<Vec<u8>>,
}

/// No single execution may take longer than this (a batch of the reference target: longer).
fn hang_limit(batch: usize) -> Duration {
    Duration::from_secs(20 + batch as u64 / 4)
}

fn findings_dir(root: &Path, target: &str) -> PathBuf {
    root.join("target")
        .join("fuzz")
        .join("findings")
        .join(target)
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The part of a finding's message that names its kind (inputs differ, kinds repeat).
fn finding_key(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    first.chars().take(160).collect()
}

fn save(root: &Path, target: &str, ext: &str, input: &[u8], message: &str) -> PathBuf {
    let dir = findings_dir(root, target);
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{:016x}.{ext}", fnv(input)));
    let _ = std::fs::write(&file, input);
    let _ = std::fs::write(file.with_extension(format!("{ext}.txt")), message);
    file
}

/// Runs one target until its budget is spent.
fn run_target(
    root: &Path,
    t: &mut dyn Target,
    time: Option<Duration>,
    execs: Option<u64>,
    seed: u64,
) -> TargetReport {
    let name = t.name();
    let mut rng = Rng::for_stream(seed, name);
    let mut report = TargetReport {
        name: name.to_string(),
        execs: 0,
        elapsed: Duration::ZERO,
        findings: BTreeMap::new(),
        notes: Vec::new(),
    };
    let started = Instant::now();
    let inflight = Arc::new(InFlight {
        started_ms: AtomicU64::new(0),
        input: Mutex::new(Vec::new()),
    });
    let done = Arc::new(AtomicU64::new(0));
    let limit = hang_limit(t.batch());
    let watchdog = {
        let inflight = inflight.clone();
        let done = done.clone();
        let root = root.to_path_buf();
        let ext = t.ext();
        std::thread::spawn(move || {
            let clock = Instant::now();
            while done.load(Ordering::Relaxed) == 0 {
                std::thread::sleep(Duration::from_millis(200));
                let s = inflight.started_ms.load(Ordering::Relaxed);
                let now = clock.elapsed().as_millis() as u64;
                if s > 0 && now.saturating_sub(s) > limit.as_millis() as u64 {
                    let input = inflight.input.lock().map(|i| i.clone()).unwrap_or_default();
                    let msg = format!("hang: one execution took over {limit:?}");
                    let file = save(&root, name, ext, &input, &msg);
                    eprintln!("fuzz {name}: {msg}; input saved as {}", file.display());
                    std::process::exit(3);
                }
            }
        })
    };
    let clock = Instant::now();
    // `FUZZ_TRACE=1` writes each input to `target/fuzz/current.<ext>` before it runs, so an
    // abort no thread can catch (a stack overflow) leaves its input behind.
    let trace = std::env::var_os("FUZZ_TRACE").is_some();
    loop {
        if time.is_some_and(|d| started.elapsed() >= d) || execs.is_some_and(|n| report.execs >= n)
        {
            break;
        }
        let n = match execs {
            Some(max) => (t.batch() as u64).min(max - report.execs) as usize,
            None => t.batch(),
        };
        let inputs: Vec<Vec<u8>> = (0..n).map(|_| t.input(&mut rng)).collect();
        if let Ok(mut cur) = inflight.input.lock() {
            cur.clear();
            cur.extend_from_slice(&inputs[0]);
        }
        if trace {
            let _ = std::fs::write(
                root.join("target")
                    .join("fuzz")
                    .join(format!("current.{}", t.ext())),
                &inputs[0],
            );
        }
        inflight
            .started_ms
            .store(clock.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let results = if n == 1 {
            vec![catching(|| t.check(&inputs[0]))]
        } else {
            catching(|| Ok(t.check_batch(&inputs))).unwrap_or_else(|e| vec![Err(e); inputs.len()])
        };
        inflight.started_ms.store(0, Ordering::Relaxed);
        report.execs += n as u64;
        for (input, r) in inputs.iter().zip(results) {
            if let Err(message) = r {
                let key = finding_key(&message);
                let entry = report.findings.entry(key.clone());
                let f = entry.or_insert_with(|| Finding {
                    message: key,
                    count: 0,
                    file: save(root, name, t.ext(), input, &message),
                });
                f.count += 1;
            }
        }
    }
    done.store(1, Ordering::Relaxed);
    let _ = watchdog.join();
    report.elapsed = started.elapsed();
    report.notes = t.notes();
    report
}

/// Runs the selected targets one after the other and prints a line per target.
pub fn run(root: &Path, opts: &Options) -> Result<Report> {
    if opts.afl {
        return afl::run(root, opts);
    }
    let mut report = Report::default();
    let count = opts.targets.len().max(1) as u32;
    for name in &opts.targets {
        let Some(mut t) = target(root, name)? else {
            if opts.require_reference {
                bail!("the reference target needs node and the reference project");
            }
            report.skipped.push(name.clone());
            continue;
        };
        if !opts.replay.is_empty() {
            for f in &opts.replay {
                let bytes = std::fs::read(f)?;
                let r = std::thread::scope(|s| {
                    std::thread::Builder::new()
                        .stack_size(8 << 20)
                        .spawn_scoped(s, || catching(|| t.check(&bytes)))
                        .map(|h| h.join())
                });
                match r {
                    Ok(Ok(Ok(()))) => println!("{}: ok", f.display()),
                    Ok(Ok(Err(e))) => println!("{}: {e}", f.display()),
                    _ => bail!("replaying {} failed", f.display()),
                }
            }
            continue;
        }
        let time = opts.time.map(|d| d / count);
        let execs = match (opts.time, opts.execs) {
            (None, None) => Some(ci_execs(name)),
            (_, e) => e,
        };
        // Deep inputs must fail cleanly on a normal thread's stack, as they would in `map`.
        let root2 = root.to_path_buf();
        let seed = opts.seed;
        let r = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name(format!("fuzz-{name}"))
                .stack_size(8 << 20)
                .spawn_scoped(s, || run_target(&root2, t.as_mut(), time, execs, seed))
                .map(|h| h.join())
        });
        let r = match r {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => bail!("fuzz target {name} died"),
            Err(e) => bail!("could not start fuzz target {name}: {e}"),
        };
        let line = Report {
            targets: vec![r.clone()],
            skipped: Vec::new(),
        }
        .summary();
        print!(
            "{}",
            line.lines()
                .take_while(|l| !l.starts_with("fuzz total"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        report.targets.push(r);
    }
    Ok(report)
}
