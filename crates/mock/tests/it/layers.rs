//! The crate's layers (`src/lib.rs`): `json` < `model` < `store` < `http`, each importing only
//! those below it. Read from the sources: no code line under a layer names a layer above it,
//! nor a crate-root name that comes from one.

use std::path::{Path, PathBuf};

/// The layers, lowest first, with the crate-root names each one re-exports.
const LAYERS: &[(&str, &[&str])] = &[
    ("json", &[]),
    (
        "model",
        &[
            "EventQuery",
            "EventSummary",
            "Fault",
            "FaultOrigin",
            "FaultRecord",
            "MockConfig",
            "MockError",
            "Notice",
            "Outcome",
            "Problem",
            "RandomFaults",
            "RequestRecord",
            "RequestSummary",
            "Severity",
            "Since",
            "StoredEvent",
            "StrictMode",
            "Verdict",
            "Workspace",
        ],
    ),
    ("store", &["Stats", "Store", "MockState", "WaitTimeout"]),
    ("http", &["app", "MockUsermaven", "ADMIN_TOKEN_HEADER"]),
];

/// `.rs` files under `dir`, recursively, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code lines of `text` (comments cut) that name a layer above `layer`, or a crate-root name
/// re-exported from one: `crate::http`, `crate::{store, …}`, `crate::MockUsermaven`, ….
fn upward_lines(layer: usize, text: &str) -> Vec<String> {
    let above = &LAYERS[layer + 1..];
    let mut out = Vec::new();
    // A `use crate::{…}` group may span lines: read the code as one text, statement by line.
    let code: Vec<&str> = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect();
    let joined = code.join("\n");
    let names_above = |path: &str| {
        above
            .iter()
            .any(|(module, exports)| path == *module || exports.contains(&path))
    };
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let line_no = joined[..joined.len() - rest.len() + at]
            .matches('\n')
            .count()
            + 1;
        let named: Vec<&str> = if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|p| p.trim().split("::").next().unwrap_or("").trim())
                .collect()
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            vec![&after[..end]]
        };
        if named.iter().any(|n| names_above(n)) {
            out.push(format!("line {line_no}: {}", code[line_no - 1].trim()));
        }
        rest = after;
    }
    out
}

#[test]
fn no_layer_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut files = 0;
    for (i, (layer, _)) in LAYERS.iter().enumerate() {
        for file in sources(&src.join(layer)) {
            files += 1;
            let text = std::fs::read_to_string(&file).expect("source");
            for hit in upward_lines(i, &text) {
                found.push(format!("{} {hit}", file.display()));
            }
        }
    }
    assert!(
        files >= 20,
        "only {files} files read under {}",
        src.display()
    );
    assert!(
        found.is_empty(),
        "imports from a layer above:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_upward_imports() {
    let store = 2;
    assert_eq!(
        upward_lines(
            store,
            "use crate::http::ingest::ConnAbort;\nuse crate::model::Fault;"
        ),
        ["line 1: use crate::http::ingest::ConnAbort;"]
    );
    assert_eq!(
        upward_lines(1, "use crate::{\n    json::lite,\n    store::Store,\n};"),
        ["line 1: use crate::{"]
    );
    assert_eq!(
        upward_lines(
            store,
            "    let m = crate::MockUsermaven::start(c); // crate::http"
        ),
        ["line 1: let m = crate::MockUsermaven::start(c);"]
    );
    assert!(upward_lines(store, "//! see [`crate::http`]\nuse crate::model::Fault;").is_empty());
    assert!(upward_lines(3, "use crate::store::Store;").is_empty());
}
