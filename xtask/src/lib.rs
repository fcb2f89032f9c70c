//! Library half of `cargo xtask`: the commands live here so tests can call them.
//!
//! - [`reference`]: regenerate the reference expectations (`cargo xtask reference`).
//! - [`bench`]: whole-process benchmarks (`cargo xtask bench map`).
//! - [`bench_mock`]: the mock's speed and memory (`cargo xtask bench mock`).
//! - [`bench_segment`]: the local Segment's speed next to `send`, and its memory
//!   (`cargo xtask bench segment`).
//! - [`example_cases`]: reference cases for the worked example (written by `reference`).
//!
//! The conformance harness and the fuzzing gate are crates of their own (`crates/conformance`,
//! `crates/fuzz`); xtask runs their binaries, so it compiles neither.

pub mod bench;
pub mod bench_mock;
pub mod bench_segment;
pub mod example_cases;
pub mod reference;

use std::path::PathBuf;

/// `cargo build --release ARGS` in the workspace (the benchmarks measure release builds);
/// `target/release` when it succeeded.
pub fn release_build(root: &std::path::Path, args: &[&str]) -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release"])
        .args(args)
        .current_dir(root)
        .status()
        .context("cargo build --release")?;
    if !status.success() {
        anyhow::bail!("the release build failed");
    }
    Ok(root.join("target/release"))
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

#[cfg(test)]
mod tests {
    /// Every workspace crate declares the workspace's toolchain floor (the one CI builds with),
    /// so a new crate cannot silently leave it out.
    #[test]
    fn every_crate_inherits_rust_version() {
        let root = super::workspace_root();
        let mut manifests = vec![root.join("xtask/Cargo.toml")];
        for entry in std::fs::read_dir(root.join("crates")).expect("crates/") {
            let manifest = entry.expect("entry").path().join("Cargo.toml");
            if manifest.is_file() {
                manifests.push(manifest);
            }
        }
        assert!(manifests.len() > 10, "{manifests:?}");
        let missing: Vec<_> = manifests
            .iter()
            .filter(|m| {
                let text = std::fs::read_to_string(m).expect("manifest");
                !text
                    .lines()
                    .any(|l| l.trim() == "rust-version.workspace = true")
            })
            .collect();
        assert!(missing.is_empty(), "no rust-version.workspace: {missing:?}");
    }
}
