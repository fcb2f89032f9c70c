//! Compare produced snapshots with a snapshot directory and record the differences the way a
//! reviewer works with them: pending `.snap.new` files, or accepted `.snap` files.

use std::path::{Path, PathBuf};

use crate::diff::{self, FieldDiff};
use crate::file::{self, Meta};

/// One snapshot as produced now.
#[derive(Clone, Debug)]
pub struct Produced {
    /// The file name without `.snap`.
    pub name: String,
    pub meta: Meta,
    pub content: String,
}

/// How a produced snapshot compares with the committed one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Same,
    /// The committed snapshot differs; the field-level differences, old → new.
    Changed(Vec<FieldDiff>),
    /// There is no committed snapshot.
    New,
}

/// The result for one produced snapshot.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub name: String,
    /// `dir/NAME.snap`.
    pub path: PathBuf,
    pub status: Status,
}

/// What to write for snapshots that are new or differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// `NAME.snap.new` next to each, for `cargo insta review`.
    Pending,
    /// Overwrite `NAME.snap` (accept); stale snapshots are removed when asked.
    Accept,
    /// Write nothing.
    Nothing,
}

impl Update {
    /// insta's own rule: `INSTA_UPDATE=always|force` accepts, `INSTA_UPDATE=no` writes
    /// nothing, on CI (`CI` set) nothing unless asked, otherwise pending files.
    pub fn from_env() -> Update {
        let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        match update.as_str() {
            "always" | "force" => Update::Accept,
            "no" => Update::Nothing,
            "" if ci => Update::Nothing,
            _ => Update::Pending,
        }
    }
}

/// Everything `check` found.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    pub outcomes: Vec<Outcome>,
    /// Committed snapshots nothing produces any more (names without `.snap`), sorted.
    pub stale: Vec<String>,
    /// Files written (pending or accepted) and removed (stale, when accepting with removal).
    pub written: usize,
    pub removed: usize,
}

impl Checked {
    pub fn failures(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.status != Status::Same)
            .count()
    }
}

/// Compare every produced snapshot with `dir/NAME.snap` and write according to `update`.
/// With `Update::Accept` and `remove_stale`, stale snapshots are deleted too, so the directory
/// then holds exactly what is produced.
pub fn check(
    dir: &Path,
    produced: &[Produced],
    update: Update,
    remove_stale: bool,
) -> std::io::Result<Checked> {
    let mut out = Checked::default();
    for p in produced {
        let path = file::snap_path(dir, &p.name);
        let pending = file::pending_path(dir, &p.name);
        let new = file::normalized(&p.content);
        let status = match file::read(&path) {
            Some(old) if old == new => Status::Same,
            Some(old) => Status::Changed(diff::diff(&old, &new)),
            None => Status::New,
        };
        match (&status, update) {
            (Status::Same, Update::Nothing) => {}
            (Status::Same, _) => remove_if_exists(&pending)?,
            (_, Update::Pending) => {
                file::write(&pending, &p.meta, &p.content)?;
                out.written += 1;
            }
            (_, Update::Accept) => {
                file::write(&path, &p.meta, &p.content)?;
                remove_if_exists(&pending)?;
                out.written += 1;
            }
            (_, Update::Nothing) => {}
        }
        out.outcomes.push(Outcome {
            name: p.name.clone(),
            path,
            status,
        });
    }
    let names: std::collections::HashSet<&str> = produced.iter().map(|p| p.name.as_str()).collect();
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut stale: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".snap").map(str::to_string)
            })
            .filter(|n| !names.contains(n.as_str()))
            .collect();
        stale.sort();
        if update == Update::Accept && remove_stale {
            for n in &stale {
                std::fs::remove_file(file::snap_path(dir, n))?;
                remove_if_exists(&file::pending_path(dir, n))?;
                out.removed += 1;
            }
        }
        out.stale = stale;
    }
    Ok(out)
}

fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
