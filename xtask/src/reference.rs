//! `cargo xtask reference [--check]`: regenerates the conformance cases and the expectations of
//! Segment's reference implementation (the node project in `reference/`).
//!
//! Steps: `node reference/setup.js` (npm ci + unpack the published destination, idempotent),
//! `node reference/gen-cases.js --out STAGING`, `node reference/fql/gen-fql-cases.js --out
//! STAGING` and `node reference/liquid/gen-liquid-cases.js --out STAGING` when those generators
//! exist (otherwise the committed `fql`/`liquid` cases are reused),
//! then `node reference/run-cases.js` over every `STAGING/*.cases.ndjson`, writing
//! `<group>.expected.ndjson` next to it, and `node reference/describe.js` into
//! `destination-definition.json` (the definition as data, for `describe`). Without `--check` the staged files are copied into
//! `fixtures/cases/`; with `--check` they are compared with the committed files instead.
//! `node reference/tz/gen-tz.js` reads the reference's own time-zone data (every name the
//! bundled tz database ships, tried through ICU) and writes the zone table the destination
//! compiles in (`crates/tz/src/icu-zones.txt`) plus the `tz-names` and
//! `tz-offsets` case groups.
//! Node runs with `TZ=UTC` (the destination's timezone code depends on the process timezone).

use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// What to do with the regenerated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write them into `fixtures/cases/`.
    Write,
    /// Compare them with `fixtures/cases/` and fail on any difference.
    Check,
}

/// The Node.js major version the committed expectations were produced with.
const EXPECTED_NODE_MAJOR: &str = "v20.";

const CASES_SUFFIX: &str = ".cases.ndjson";

/// Case groups written by generators besides `gen-cases.js`: (group, script under `reference/`).
const EXTRA_GENERATORS: [(&str, &str); 2] = [
    ("fql", "fql/gen-fql-cases.js"),
    ("liquid", "liquid/gen-liquid-cases.js"),
];
const EXPECTED_SUFFIX: &str = ".expected.ndjson";
/// The reference's destination definition (`reference/describe.js`), kept with the cases.
const DEFINITION_FILE: &str = "destination-definition.json";
/// Random FQL through the reference (`reference/fql/fuzz-fql.js`, fixed seed).
const FQL_TREES_FILE: &str = "fql-trees.jsonl";
/// The zone table `reference/tz/gen-tz.js` reads out of the reference's ICU, and where it lives.
const TZ_TABLE_FILE: &str = "icu-zones.txt";
const TZ_TABLE_PATH: &str = "crates/tz/src/icu-zones.txt";

pub fn run(root: &Path, mode: Mode) -> Result<()> {
    let node_version = tool_version("node")?;
    tool_version("npm")?;
    if !node_version.starts_with(EXPECTED_NODE_MAJOR) {
        eprintln!(
            "warning: node {node_version} found; the committed expectations come from Node 20 \
             (ICU and tzdata differ between Node versions, so timezone results may differ)"
        );
    }

    let reference = root.join("reference");
    let cases_dir = root.join("fixtures").join("cases");

    node(root, &[reference.join("setup.js").into_os_string()])
        .context("setting up the reference project (reference/setup.js)")?;

    let staging = TempDir::new().context("creating a staging directory")?;
    node(
        root,
        &[
            reference.join("gen-cases.js").into_os_string(),
            "--out".into(),
            staging.path().into(),
        ],
    )
    .context("generating cases (reference/gen-cases.js)")?;

    // Time zones: candidate names are every name of the tz database jiff bundles (the
    // generator adds the names ICU lists and legacy/odd ones).
    let names_file = staging.path().join("tzdb-names.txt");
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    names.sort();
    fs::write(&names_file, names.join("\n") + "\n")?;
    node(
        root,
        &[
            reference.join("tz/gen-tz.js").into_os_string(),
            "--names".into(),
            names_file.clone().into_os_string(),
            "--table".into(),
            staging.path().join(TZ_TABLE_FILE).into_os_string(),
            "--out".into(),
            staging.path().into(),
        ],
    )
    .context("reading the reference's time-zone data (reference/tz/gen-tz.js)")?;
    fs::remove_file(&names_file)?;

    // Generators other helpers own: each writes `<group>.cases.ndjson` into `--out`. When one
    // is missing, its committed cases are reused.
    for (group, generator) in EXTRA_GENERATORS {
        let script = reference.join(generator);
        let committed = cases_dir.join(format!("{group}{CASES_SUFFIX}"));
        if script.is_file() {
            node(
                root,
                &[
                    script.into_os_string(),
                    "--out".into(),
                    staging.path().into(),
                ],
            )
            .with_context(|| format!("generating {group} cases (reference/{generator})"))?;
        } else if committed.is_file() {
            fs::copy(
                &committed,
                staging.path().join(format!("{group}{CASES_SUFFIX}")),
            )
            .with_context(|| format!("copying fixtures/cases/{group}{CASES_SUFFIX}"))?;
        }
    }

    // The worked example's events through its own subscriptions (see example_cases.rs).
    fs::write(
        staging
            .path()
            .join(format!("{}{CASES_SUFFIX}", crate::example_cases::GROUP)),
        crate::example_cases::cases(root)?,
    )
    .context("writing the example's cases")?;

    let groups = case_groups(staging.path())?;
    if groups.is_empty() {
        bail!("the generators wrote no *{CASES_SUFFIX} files");
    }
    let run_cases = reference.join("run-cases.js");
    let mut total = 0usize;
    for group in &groups {
        let cases = staging.path().join(format!("{group}{CASES_SUFFIX}"));
        let expected_path = staging.path().join(format!("{group}{EXPECTED_SUFFIX}"));
        let output = node(root, &[run_cases.clone().into_os_string(), cases.into()])
            .with_context(|| format!("running the {group} cases (reference/run-cases.js)"))?;
        let case_count = fs::read(staging.path().join(format!("{group}{CASES_SUFFIX}")))?
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        let result_count = output
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        if case_count != result_count {
            bail!("{group}: {case_count} cases but run-cases.js wrote {result_count} results");
        }
        // A generator that also wrote expectations (the FQL one) must agree with run-cases.js.
        if let Ok(generated) = fs::read(&expected_path) {
            if generated != output {
                let at = first_difference(&generated, &output);
                bail!("{group}: the generator's expectations disagree with run-cases.js ({at})");
            }
        }
        fs::write(&expected_path, &output)
            .with_context(|| format!("writing {}", expected_path.display()))?;
        total += case_count;
    }

    // The destination's definition as data, for `describe --json` to be compared with.
    let definition = node(root, &[reference.join("describe.js").into_os_string()])
        .context("dumping the destination definition (reference/describe.js)")?;
    fs::write(staging.path().join(DEFINITION_FILE), &definition)?;

    // Parse trees, results and generateFql output of random FQL, for crates/fql's test.
    let trees = staging.path().join(FQL_TREES_FILE);
    node(
        root,
        &[
            reference.join("fql/fuzz-fql.js").into_os_string(),
            "--seed".into(),
            "20261128".into(),
            "--count".into(),
            "1500".into(),
            "--out".into(),
            trees.into_os_string(),
        ],
    )
    .context("dumping FQL parse trees (reference/fql/fuzz-fql.js)")?;

    let mut staged = staged_files(staging.path(), &groups);
    staged.push(DEFINITION_FILE.to_string());
    staged.push(FQL_TREES_FILE.to_string());
    let stale = stale_files(&cases_dir, &staged)?;
    let tz_table = fs::read(staging.path().join(TZ_TABLE_FILE))?;
    let tz_table_path = root.join(TZ_TABLE_PATH);
    match mode {
        Mode::Write => {
            if fs::read(&tz_table_path).ok().as_deref() != Some(tz_table.as_slice()) {
                fs::write(&tz_table_path, &tz_table)
                    .with_context(|| format!("writing {TZ_TABLE_PATH}"))?;
                println!("reference: {TZ_TABLE_PATH} changed");
            }
            fs::create_dir_all(&cases_dir)
                .with_context(|| format!("creating {}", cases_dir.display()))?;
            let mut changed = 0usize;
            for name in &staged {
                let new = fs::read(staging.path().join(name))?;
                let target = cases_dir.join(name);
                if fs::read(&target).ok().as_deref() != Some(new.as_slice()) {
                    fs::write(&target, &new)
                        .with_context(|| format!("writing {}", target.display()))?;
                    changed += 1;
                }
            }
            println!(
                "reference: {total} cases in {} groups; {changed} of {} files in fixtures/cases changed",
                groups.len(),
                staged.len()
            );
            for name in &stale {
                eprintln!(
                    "warning: fixtures/cases/{name} is not produced by any generator (stale?)"
                );
            }
        }
        Mode::Check => {
            let mut problems = Vec::new();
            match fs::read(&tz_table_path) {
                Ok(old) if old == tz_table => {}
                Ok(old) => problems.push(format!(
                    "{TZ_TABLE_PATH} differs ({})",
                    first_difference(&old, &tz_table)
                )),
                Err(_) => problems.push(format!("{TZ_TABLE_PATH} is missing")),
            }
            for name in &staged {
                let new = fs::read(staging.path().join(name))?;
                match fs::read(cases_dir.join(name)) {
                    Ok(old) if old == new => {}
                    Ok(old) => problems.push(format!(
                        "fixtures/cases/{name} differs ({})",
                        first_difference(&old, &new)
                    )),
                    Err(_) => problems.push(format!("fixtures/cases/{name} is missing")),
                }
            }
            for name in &stale {
                problems.push(format!(
                    "fixtures/cases/{name} is not produced by any generator"
                ));
            }
            if !problems.is_empty() {
                bail!(
                    "reference expectations are out of date (run `cargo xtask reference`):\n  {}",
                    problems.join("\n  ")
                );
            }
            println!(
                "reference: {total} cases in {} groups; fixtures/cases is up to date",
                groups.len()
            );
        }
    }
    Ok(())
}

/// `<tool> --version`, or a clear error when the tool is missing.
fn tool_version(tool: &str) -> Result<String> {
    let out = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "`{tool}` was not found on PATH: the reference harness needs Node.js 20 and npm \
                 (https://nodejs.org/)"
            )
        })?;
    if !out.status.success() {
        bail!("`{tool} --version` failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs `node ARGS` in `root` with `TZ=UTC`; returns its stdout. stderr is passed through.
fn node(root: &Path, args: &[std::ffi::OsString]) -> Result<Vec<u8>> {
    let out = Command::new("node")
        .args(args)
        .current_dir(root)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("starting node")?;
    if !out.status.success() {
        bail!("node exited with {}", out.status);
    }
    Ok(out.stdout)
}

/// Group names `G` of the `G.cases.ndjson` files in `dir`, sorted.
fn case_groups(dir: &Path) -> Result<Vec<String>> {
    let mut groups = BTreeSet::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let name = entry?.file_name();
        if let Some(group) = name.to_str().and_then(|n| n.strip_suffix(CASES_SUFFIX)) {
            groups.insert(group.to_string());
        }
    }
    Ok(groups.into_iter().collect())
}

fn staged_files(dir: &Path, groups: &[String]) -> Vec<String> {
    let mut files = Vec::new();
    for group in groups {
        for suffix in [CASES_SUFFIX, EXPECTED_SUFFIX] {
            let name = format!("{group}{suffix}");
            if dir.join(&name).is_file() {
                files.push(name);
            }
        }
    }
    files
}

/// Case or expectation files in `dir` that the generators did not produce.
fn stale_files(dir: &Path, staged: &[String]) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(stale);
    };
    for entry in entries {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.ends_with(CASES_SUFFIX) || name.ends_with(EXPECTED_SUFFIX);
        if ours && !staged.iter().any(|s| s == name) {
            stale.push(name.to_string());
        }
    }
    stale.sort();
    Ok(stale)
}

/// Where two NDJSON files first differ: line number and case id (never the line itself, which
/// may hold URLs with tokens).
fn first_difference(old: &[u8], new: &[u8]) -> String {
    let old_lines: Vec<&[u8]> = old.split(|b| *b == b'\n').collect();
    let new_lines: Vec<&[u8]> = new.split(|b| *b == b'\n').collect();
    for (i, pair) in old_lines.iter().zip(new_lines.iter()).enumerate() {
        if pair.0 != pair.1 {
            let id = if pair.1.is_empty() { pair.0 } else { pair.1 };
            return format!("first at line {}, case {}", i + 1, case_id(id));
        }
    }
    let (a, b) = (line_count(old), line_count(new));
    if a == b {
        "only the final newline differs".to_string()
    } else {
        format!("{a} lines committed, {b} regenerated")
    }
}

fn line_count(text: &[u8]) -> usize {
    let newlines = text.iter().filter(|b| **b == b'\n').count();
    newlines + usize::from(!text.is_empty() && !text.ends_with(b"\n"))
}

fn case_id(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    text.split_once("\"id\":")
        .and_then(|(_, rest)| {
            let rest = rest.trim_start().strip_prefix('"')?;
            rest.split_once('"').map(|(id, _)| id.to_string())
        })
        .unwrap_or_else(|| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_id_is_extracted_without_the_rest_of_the_line() {
        assert_eq!(
            case_id(br#"{"id":"url/track-idn","ok":{"url":"https://x?token=secret"}}"#),
            "url/track-idn"
        );
        assert_eq!(case_id(b"{\"id\":null}"), "?");
        assert_eq!(case_id(b"garbage"), "?");
    }

    #[test]
    fn first_difference_reports_line_and_id() {
        let old = b"{\"id\":\"a\",\"ok\":1}\n{\"id\":\"b\",\"ok\":1}\n";
        let new = b"{\"id\":\"a\",\"ok\":1}\n{\"id\":\"b\",\"ok\":2}\n";
        assert_eq!(first_difference(old, new), "first at line 2, case b");
        let shorter = b"{\"id\":\"a\",\"ok\":1}\n";
        assert_eq!(first_difference(old, shorter), "first at line 2, case b");
        assert_eq!(
            first_difference(shorter, &old[..old.len() - 1]),
            "first at line 2, case b"
        );
        let same_prefix = b"{\"id\":\"a\",\"ok\":1}";
        assert_eq!(
            first_difference(same_prefix, shorter),
            "only the final newline differs"
        );
        assert_eq!(first_difference(b"", shorter), "first at line 1, case a");
    }

    #[test]
    fn groups_and_stale_files_are_found() -> Result<()> {
        let dir = TempDir::new()?;
        for name in [
            "b.cases.ndjson",
            "a.cases.ndjson",
            "a.expected.ndjson",
            "notes.txt",
        ] {
            fs::write(dir.path().join(name), "")?;
        }
        let groups = case_groups(dir.path())?;
        assert_eq!(groups, vec!["a".to_string(), "b".to_string()]);
        let staged = staged_files(dir.path(), &groups);
        assert_eq!(
            staged,
            vec!["a.cases.ndjson", "a.expected.ndjson", "b.cases.ndjson"]
        );
        let stale = stale_files(dir.path(), &["a.cases.ndjson".to_string()])?;
        assert_eq!(stale, vec!["a.expected.ndjson", "b.cases.ndjson"]);
        Ok(())
    }
}
