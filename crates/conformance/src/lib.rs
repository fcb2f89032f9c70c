//! `usermaven-conformance`: the conformance harness (`cargo xtask conformance` runs this
//! crate's binary; `cargo test` runs it as the `conformance` test). It owns `snapshots/`, the
//! insta snapshots of every fixture request, which only this harness writes.
//!
//! Stages (each recorded per action in a [`report::Report`]):
//! 1. **snapshots** — every event fixture × every subscription that applies (presets through
//!    routing, mapping fixtures whose trigger matches) rendered as the exact request or error and
//!    compared with `snapshots/*.snap` (insta); compiled mappings are also compared with a fresh
//!    compile ([`snapshots`]).
//! 2. **properties** — proptest-generated Segment-Spec events through every action and routing
//!    ([`props`]).
//! 3. **corpus** — saved shrunk failures in `fixtures/conformance/` against their reference
//!    expectations ([`corpus`]).
//! 4. **reference** (`--reference`) — a seeded sample of generated events run through Segment's
//!    real code (`reference/run-cases.js`) and compared; mismatches are shrunk and saved
//!    ([`differential`]).
//! 5. **e2e** — every snapshotted request delivered by `usermaven-sender` to an in-process
//!    `usermaven-mock` in strict (warn) mode; the mock must store exactly those bodies ([`e2e`]).
//!
//! Reports go to `<workspace>/target/conformance/` (`junit.xml`, `summary.json`, `summary.txt`).

pub mod corpus;
pub mod differential;
pub mod e2e;
pub mod fixtures;
pub mod props;
pub mod report;
pub mod snapshots;
pub mod tool;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use jiff::Timestamp;

pub use report::{Report, Stage};

/// The fixed clock, id seed and credentials every snapshot is produced with.
#[derive(Clone, Debug)]
pub struct Fixed {
    pub now: Timestamp,
    pub seed: u64,
    pub api_key: String,
    pub server_token: String,
}

impl Default for Fixed {
    fn default() -> Fixed {
        Fixed {
            // The reference case generator's NOW.
            now: Timestamp::from_second(1_718_452_800).unwrap_or(Timestamp::UNIX_EPOCH),
            seed: 42,
            api_key: "conformance-api-key".into(),
            server_token: "conformance-server-token".into(),
        }
    }
}

/// Whether to run the differential stage against the node reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceMode {
    Off,
    /// Run it when `node` is available and the reference project sets up; otherwise a note.
    IfAvailable,
    /// Run it; fail when node or the reference project is unavailable.
    Required,
}

/// The workspace root (this crate sits in `crates/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Generated events for the property stage.
    pub cases: u32,
    /// Generated events for the differential stage (each gives 5 reference cases).
    pub reference_events: u32,
    /// Seed of the event generator (the CI default is fixed).
    pub seed: u64,
    pub reference: ReferenceMode,
    pub e2e: bool,
    /// Where the reports go; `None` writes nothing.
    pub report_dir: Option<PathBuf>,
    /// Failures printed in full in the summary.
    pub max_diffs: usize,
    /// Print the summary to stdout.
    pub print: bool,
}

/// The generator seed CI uses.
pub const CI_SEED: u64 = 0x5EED_2024;

impl Options {
    /// The CI defaults: fixed seed, 256 property events, 64 differential events.
    pub fn ci(root: &Path) -> Options {
        Options {
            cases: 256,
            reference_events: 64,
            seed: CI_SEED,
            reference: ReferenceMode::Off,
            e2e: true,
            report_dir: Some(report_dir(root)),
            max_diffs: 10,
            print: true,
        }
    }
}

/// `<workspace>/target/conformance`, whatever CARGO_TARGET_DIR says.
pub fn report_dir(root: &Path) -> PathBuf {
    root.join("target").join("conformance")
}

/// Run the harness. The report says whether it passed; `Err` is for setup failures
/// (unreadable fixtures, a required reference that cannot run).
pub fn run(root: &Path, opts: &Options) -> Result<Report> {
    let started = Instant::now();
    let fixed = Fixed::default();
    let mut report = Report {
        seed: opts.seed,
        ..Report::default()
    };
    let events = fixtures::events(root)?;
    let mappings = fixtures::mappings(root)?;
    report.count("event_fixtures", events.len() as u64);
    report.count("mapping_fixtures", mappings.len() as u64);

    let t = Instant::now();
    let produced = snapshots::produce(&events, &mappings, &fixed, &mut report);
    snapshots::check(root, &produced, &mut report);
    report.count("snapshots", produced.len() as u64);
    report.timings.push(("snapshot".into(), t.elapsed()));

    let t = Instant::now();
    props::run(opts, &mappings, &fixed, &mut report);
    report.timings.push(("property".into(), t.elapsed()));

    let t = Instant::now();
    corpus::run(root, &mut report)?;
    report.timings.push(("corpus".into(), t.elapsed()));

    if opts.reference != ReferenceMode::Off {
        let t = Instant::now();
        differential::run(root, opts, &mut report)?;
        report.timings.push(("reference".into(), t.elapsed()));
    }

    if opts.e2e {
        let t = Instant::now();
        e2e::run(&events, &produced, &fixed, &mut report)?;
        report.timings.push(("e2e".into(), t.elapsed()));
    }

    report.timings.push(("total".into(), started.elapsed()));
    report.notes.push(format!(
        "{} event fixtures, {} mapping fixtures, {} snapshots, generator seed {:#x}, {:.1}s",
        events.len(),
        mappings.len(),
        produced.len(),
        opts.seed,
        started.elapsed().as_secs_f64()
    ));
    if let Some(dir) = &opts.report_dir {
        let written = report.write(dir)?;
        report.notes.push(format!(
            "reports: {}",
            written
                .iter()
                .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if opts.print {
        print!("{}", report.summary(opts.max_diffs));
    }
    Ok(report)
}
