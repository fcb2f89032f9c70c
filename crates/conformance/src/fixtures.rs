//! Loading the event fixtures (`fixtures/events/*.json`: `{"comment","event","expect_warnings"?}`)
//! and the mapping fixtures (`fixtures/mappings/*.json`: `{"comment","action","subscribe","mapping"}`).

use std::path::Path;

use anyhow::{bail, Context, Result};
use usermaven_destination::ActionKind;
use usermaven_json::Value;

/// One event fixture.
#[derive(Clone, Debug)]
pub struct EventFixture {
    /// File stem, e.g. `ajs-page`.
    pub name: String,
    /// Path relative to the workspace root.
    pub path: String,
    pub comment: String,
    pub event: Value,
    /// Strict-mode problem paths (e.g. `/company/name`) the mock is expected to report for this
    /// fixture's requests. Anything else it reports is an e2e failure.
    pub expect_warnings: Vec<String>,
}

/// One user-built mapping fixture.
#[derive(Clone, Debug)]
pub struct MappingFixture {
    pub name: String,
    pub path: String,
    pub comment: String,
    pub action: ActionKind,
    pub subscribe: String,
    pub mapping: Value,
}

fn json_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn load(root: &Path, path: &Path) -> Result<(String, String, Value)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value = Value::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: invalid JSON: {}", path.display(), e.message))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    Ok((name, rel, value))
}

pub fn events(root: &Path) -> Result<Vec<EventFixture>> {
    let mut out = Vec::new();
    for path in json_files(&root.join("fixtures/events"))? {
        let (name, rel, v) = load(root, &path)?;
        let Some(event @ Value::Object(_)) = v.get("event") else {
            bail!("{rel}: `event` must be an object");
        };
        let expect_warnings = match v.get("expect_warnings") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .with_context(|| format!("{rel}: `expect_warnings` must be strings"))?,
            Some(_) => bail!("{rel}: `expect_warnings` must be an array of strings"),
        };
        out.push(EventFixture {
            name,
            path: rel,
            comment: v
                .get("comment")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            event: event.clone(),
            expect_warnings,
        });
    }
    Ok(out)
}

pub fn mappings(root: &Path) -> Result<Vec<MappingFixture>> {
    let mut out = Vec::new();
    for path in json_files(&root.join("fixtures/mappings"))? {
        let (name, rel, v) = load(root, &path)?;
        let action = v
            .get("action")
            .and_then(Value::as_str)
            .and_then(ActionKind::from_name)
            .with_context(|| format!("{rel}: `action` must name an action"))?;
        let subscribe = v
            .get("subscribe")
            .and_then(Value::as_str)
            .with_context(|| format!("{rel}: `subscribe` must be a string"))?
            .to_string();
        let Some(mapping @ Value::Object(_)) = v.get("mapping") else {
            bail!("{rel}: `mapping` must be an object");
        };
        out.push(MappingFixture {
            name,
            path: rel,
            comment: v
                .get("comment")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            action,
            subscribe,
            mapping: mapping.clone(),
        });
    }
    Ok(out)
}
