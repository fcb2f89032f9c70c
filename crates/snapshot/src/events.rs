//! Event files as a suite and `diff` read them: a `.json` file holds one event (an object) or
//! an array of events; any other file (or `-`, stdin) is NDJSON, one event per line. [`read_all`]
//! takes command-line arguments the way `map` and `send` do (`usermaven-input`: directories
//! recursively in sorted order, gzip/zstd, per-line errors that do not stop the run).

use std::io::Read;
use std::path::Path;

use usermaven_destination::{Destination, Env, Routed};
use usermaven_json::Value;

use crate::SnapshotError;

/// One event and where it came from.
#[derive(Clone, Debug)]
pub struct EventInput {
    /// `events/order.json`, `events.ndjson:3`, `events.json[2]`, `generated #4`.
    pub label: String,
    /// The event's JSON text, as the file holds it (array elements re-printed).
    pub text: String,
}

/// Read the events of one file (`-`: stdin, NDJSON). `label` names the file in labels.
pub fn read(path: &str, label: &str) -> Result<Vec<EventInput>, SnapshotError> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(SnapshotError::Stdin)?;
    } else {
        text = std::fs::read_to_string(path).map_err(|error| SnapshotError::ReadEvents {
            path: path.to_string(),
            error,
        })?;
    }
    let is_json = Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let v = Value::parse(&text).map_err(|error| SnapshotError::InvalidJson {
            path: path.to_string(),
            error,
        })?;
        return match v {
            Value::Object(_) => Ok(vec![EventInput {
                label: label.to_string(),
                text,
            }]),
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, e)| EventInput {
                    label: format!("{label}[{i}]"),
                    text: e.to_json(),
                })
                .collect()),
            _ => Err(SnapshotError::NotEvents {
                path: path.to_string(),
            }),
        };
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| EventInput {
            label: format!("{label}:{}", i + 1),
            text: l.to_string(),
        })
        .collect())
}

/// What [`read_all`] found.
#[derive(Debug, Default)]
pub struct ReadEvents {
    pub events: Vec<EventInput>,
    /// Lines that could not be read (label, why): invalid UTF-8, too long.
    pub unreadable: Vec<(String, String)>,
}

/// Every event named by command-line arguments, plus the lines that could not be read:
/// files, directories (every file under them, sorted), `-` for stdin.
pub fn read_all(args: &[String]) -> Result<ReadEvents, SnapshotError> {
    let sources = usermaven_input::sources(args)?;
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for source in sources {
        let is_json = source
            .path
            .as_ref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            let path = source
                .path
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned());
            events.extend(read(path.as_deref().unwrap_or("-"), &source.name)?);
            continue;
        }
        let name = source.name.clone();
        let mut lines =
            usermaven_input::Lines::new(vec![source], usermaven_input::Options::default());
        while let Some(line) = lines.next_line() {
            match line {
                Ok(l) => events.push(EventInput {
                    label: format!("{name}:{}", l.number),
                    text: l.text.to_string(),
                }),
                Err(e) => bad.push((format!("{name}:{}", e.line), e.to_string())),
            }
        }
    }
    Ok(ReadEvents {
        events,
        unreadable: bad,
    })
}

/// Route one event; `Err` when its text is not a JSON object.
pub fn route(dest: &Destination, env: &mut dyn Env, text: &str) -> Result<Vec<Routed>, String> {
    if !text.trim_start().starts_with('{') {
        return Err(match Value::parse(text) {
            Ok(_) => "not a JSON object".to_string(),
            Err(e) => format!("invalid JSON: {e}"),
        });
    }
    dest.route_text(text, env)
        .map_err(|e| format!("invalid JSON: {e}"))
}
