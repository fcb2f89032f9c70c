//! insta's `.snap` file format: a YAML header between `---` lines (`source`, `description`),
//! then the contents and a final newline. Committed snapshots are `NAME.snap`; pending ones
//! (what `cargo insta review` offers to accept) are `NAME.snap.new`.
//!
//! Reading goes through `insta::Snapshot::from_file`, so what we accept is what insta accepts.
//! Writing is ours: insta has no public way to build a `Snapshot` or save one outside its
//! assertion macros (which also decide for themselves, from `INSTA_UPDATE`/`CI`, whether to
//! write). The header is written the way insta's YAML writer writes these two strings: plain
//! when it needs no quotes, else double-quoted with its escapes (`needs_quotes`).

use std::path::{Path, PathBuf};

/// What the header of a written snapshot says.
#[derive(Clone, Debug)]
pub struct Meta {
    /// What produced it (a source file for the harness, the configuration for `test`).
    pub source: String,
    /// A human description: `fixture / subscription`.
    pub description: String,
}

/// `dir/NAME.snap`.
pub fn snap_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// `dir/NAME.snap.new`.
pub fn pending_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap.new"))
}

/// Contents as insta compares them: trailing whitespace trimmed, CRLF as LF.
pub fn normalized(content: &str) -> String {
    content.trim_end().replace("\r\n", "\n")
}

/// The (normalised) contents of a snapshot file; `None` when it does not exist or is not a
/// text snapshot insta can read.
pub fn read(path: &Path) -> Option<String> {
    let snap = insta::Snapshot::from_file(path).ok()?;
    Some(snap.contents().as_text()?.to_string())
}

/// The file text of a snapshot.
pub fn text(meta: &Meta, content: &str) -> String {
    format!(
        "---\nsource: {}\ndescription: {}\n---\n{}\n",
        yaml_string(&meta.source),
        yaml_string(&meta.description),
        normalized(content)
    )
}

/// Write a snapshot file (creating its directory).
pub fn write(path: &Path, meta: &Meta, content: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text(meta, content))
}

fn yaml_string(s: &str) -> String {
    if !needs_quotes(s) {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// When insta's YAML writer quotes a string (its vendored emitter's rules).
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || s.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
                | '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || [
            "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE",
            "false", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ]
        .contains(&s)
        || s.starts_with('.')
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok()
}
