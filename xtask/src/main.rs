//! `cargo xtask`: project automation (reference expectations, conformance, bench, ci).
//!
//! Commands:
//! - `reference [--check]`: regenerate the conformance cases and the expectations of Segment's
//!   reference implementation (see `reference.rs` and `reference/README.md`).

mod reference;

use std::path::PathBuf;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  reference [--check]   set up the node reference project, regenerate fixtures/cases/*.cases.ndjson
                        and run them through Segment's published destination to write
                        fixtures/cases/*.expected.ndjson; with --check, regenerate into a temporary
                        directory and fail if anything differs from the committed files";

fn main() {
    if let Err(err) = run() {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["reference"] => reference::run(&workspace_root(), reference::Mode::Write),
        ["reference", "--check"] => reference::run(&workspace_root(), reference::Mode::Check),
        [] | ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => anyhow::bail!("unknown xtask command: {}\n\n{USAGE}", args.join(" ")),
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
