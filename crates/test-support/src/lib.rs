//! `usermaven-test-support`: what the workspace's tests share, and only that (a
//! dev-dependency; no library depends on it). It knows where the checkout is and reads the
//! committed fixtures under it; a file that is missing fails the test that asked for it,
//! naming the path, so no test can pass by skipping its data. It depends on none of our crates,
//! so any crate's tests can use it without a second copy of that crate.

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `crates/test-support/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `rel` under the workspace root.
pub fn path(rel: impl AsRef<Path>) -> PathBuf {
    workspace_root().join(rel)
}

/// The text of the committed file `rel`.
///
/// # Panics
/// When the file cannot be read: a test's data is never optional.
pub fn read(rel: impl AsRef<Path>) -> String {
    let p = path(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The non-blank lines of the committed file `rel` (NDJSON / JSON Lines).
///
/// # Panics
/// As [`read`].
pub fn lines(rel: impl AsRef<Path>) -> Vec<String> {
    read(rel)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The files of the committed directory `rel` whose names end with `suffix`, sorted.
///
/// # Panics
/// When the directory cannot be read or holds no such file.
pub fn files(rel: impl AsRef<Path>, suffix: &str) -> Vec<PathBuf> {
    let dir = path(rel);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the directory {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *{suffix} file in {}", dir.display());
    files
}

/// `npm ci` in `dir` (from its committed `package-lock.json`) unless every package of
/// `packages` is already installed there: the browser and SDK tests install their node
/// packages on first use (`node_modules` is not committed). Fails the test when npm fails.
pub fn npm_ci(dir: &Path, packages: &[&str]) {
    let installed = packages.iter().all(|p| {
        dir.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    if installed {
        return;
    }
    let out = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("npm must be installed (for {}): {e}", dir.display()));
    assert!(
        out.status.success(),
        "npm ci in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Print how many of a recorded suite's `total` cases pass, and fail listing every failure.
///
/// # Panics
/// When `failures` is not empty.
pub fn assert_suite_passes(suite: &str, total: usize, failures: &[String]) {
    eprintln!("{suite}: {}/{total} pass", total - failures.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
