//! What to read: the command line's input arguments, expanded.

use std::path::PathBuf;

use crate::SourceError;

/// One input: a file or stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// How messages name it: the path as given (joined with the directory's entries), or
    /// `<stdin>`.
    pub name: String,
    /// `None` for stdin.
    pub path: Option<PathBuf>,
}

impl Source {
    pub fn stdin() -> Source {
        Source {
            name: "<stdin>".into(),
            path: None,
        }
    }

    pub fn file(path: impl Into<PathBuf>) -> Source {
        let path = path.into();
        Source {
            name: path.display().to_string(),
            path: Some(path),
        }
    }

    pub fn is_stdin(&self) -> bool {
        self.path.is_none()
    }
}

/// Expand input arguments: none means stdin; `-` is stdin (once); a directory is every file
/// under it, recursively, in sorted path order (hidden files included: an archive's names are
/// its own). A path that does not exist is an error before anything is read.
pub fn sources(args: &[String]) -> Result<Vec<Source>, SourceError> {
    if args.is_empty() {
        return Ok(vec![Source::stdin()]);
    }
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for arg in args {
        if arg == "-" {
            if stdin_seen {
                return Err(SourceError::StdinTwice);
            }
            stdin_seen = true;
            out.push(Source::stdin());
            continue;
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(|e| SourceError::Missing {
            name: arg.clone(),
            error: e,
        })?;
        if !meta.is_dir() {
            out.push(Source::file(path));
            continue;
        }
        let before = out.len();
        let walk = walkdir::WalkDir::new(&path)
            .follow_links(true)
            .sort_by(|a, b| a.file_name().cmp(b.file_name()));
        for entry in walk {
            let entry = entry.map_err(|e| SourceError::Walk {
                name: arg.clone(),
                error: e.to_string(),
            })?;
            if entry.file_type().is_file() {
                out.push(Source::file(entry.into_path()));
            }
        }
        if out.len() == before {
            return Err(SourceError::EmptyDirectory { name: arg.clone() });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_recursively_in_sorted_path_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for p in [
            "b/2.ndjson",
            "b/10.ndjson",
            "a.ndjson",
            "b/a/x.gz",
            "c/.hidden",
        ] {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "{}\n").expect("write");
        }
        let got = sources(&[d.display().to_string()]).expect("sources");
        let rel: Vec<String> = got
            .iter()
            .map(|s| {
                let p = s.path.as_ref().expect("file");
                p.strip_prefix(d).expect("under").display().to_string()
            })
            .collect();
        assert_eq!(
            rel,
            [
                "a.ndjson",
                "b/10.ndjson",
                "b/2.ndjson",
                "b/a/x.gz",
                "c/.hidden"
            ]
        );
    }

    #[test]
    fn stdin_and_errors() {
        assert_eq!(sources(&[]).expect("stdin"), vec![Source::stdin()]);
        assert_eq!(
            sources(&["-".into()]).expect("stdin"),
            vec![Source::stdin()]
        );
        assert!(matches!(
            sources(&["-".into(), "-".into()]),
            Err(SourceError::StdinTwice)
        ));
        let e = sources(&["/nonexistent/x.ndjson".into()]).expect_err("missing");
        assert!(e.to_string().contains("/nonexistent/x.ndjson"), "{e}");
        let empty = tempfile::tempdir().expect("tempdir");
        let e = sources(&[empty.path().display().to_string()]).expect_err("empty");
        assert!(e.to_string().contains("no files"), "{e}");
    }
}
