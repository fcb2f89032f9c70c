//! Library half of `cargo xtask`: the commands live here so tests can call them.
//!
//! - [`reference`]: regenerate the reference expectations (`cargo xtask reference`).
//! - [`conformance`]: the conformance harness (`cargo xtask conformance`).
//! - [`bench`]: whole-process benchmarks (`cargo xtask bench map`).
//! - [`bench_mock`]: the mock's speed and memory (`cargo xtask bench mock`).
//! - [`example_cases`]: reference cases for the worked example (written by `reference`).
//! - [`fuzz`]: the fuzzing gate (`cargo xtask fuzz`).

pub mod bench;
pub mod bench_mock;
pub mod conformance;
pub mod example_cases;
pub mod fuzz;
pub mod reference;

use std::path::PathBuf;

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
