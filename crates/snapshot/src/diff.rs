//! Readable differences between two snapshot texts: which line (URL, header, error) or which
//! body field changed, by path (`body.user.email`), with the old and new values.

use usermaven_json::Value;

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    /// `body.user.email`, `header content-length`, `url`, `error message`, …
    pub field: String,
    /// The value in the committed snapshot (`(absent)` when it has none).
    pub old: String,
    /// The value now.
    pub new: String,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "field {}: snapshot {} -> now {}",
            self.field, self.old, self.new
        )
    }
}

pub const ABSENT: &str = "(absent)";

/// A snapshot split into its `key: value` preamble lines and its JSON body (if any).
struct Parsed<'a> {
    lines: Vec<(String, &'a str)>,
    body: Option<&'a str>,
}

fn parse(text: &str) -> Parsed<'_> {
    let mut lines = Vec::new();
    let mut body = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            body = Some(&text[offset..]);
            break;
        }
        offset += line.len();
        if trimmed.is_empty() {
            continue;
        }
        let (key, value) = if let Some(rest) = trimmed
            .strip_prefix("POST ")
            .or_else(|| trimmed.strip_prefix("GET "))
        {
            ("url".to_string(), rest)
        } else if let Some((k, v)) = trimmed.split_once(": ") {
            (k.to_string(), v)
        } else {
            ("line".to_string(), trimmed)
        };
        lines.push((key, value));
    }
    Parsed { lines, body }
}

fn label(key: &str, request: bool) -> String {
    if key == "url" || !request {
        key.to_string()
    } else {
        format!("header {key}")
    }
}

/// Every difference between the committed snapshot `old` and the new text `new`.
pub fn diff(old: &str, new: &str) -> Vec<FieldDiff> {
    let (a, b) = (parse(old), parse(new));
    let request = a.lines.iter().chain(&b.lines).any(|(k, _)| k == "url");
    let mut out = Vec::new();
    let meta = |k: &str| matches!(k, "fixture" | "subscription" | "action" | "line");
    for (k, v) in &a.lines {
        match b.lines.iter().find(|(k2, _)| k2 == k) {
            Some((_, v2)) if v2 == v => {}
            Some((_, v2)) => out.push(FieldDiff {
                field: label(k, request && !meta(k) && !is_error_key(k)),
                old: v.to_string(),
                new: v2.to_string(),
            }),
            None => out.push(FieldDiff {
                field: label(k, request && !meta(k) && !is_error_key(k)),
                old: v.to_string(),
                new: ABSENT.to_string(),
            }),
        }
    }
    for (k, v) in &b.lines {
        if !a.lines.iter().any(|(k2, _)| k2 == k) {
            out.push(FieldDiff {
                field: label(k, request && !meta(k) && !is_error_key(k)),
                old: ABSENT.to_string(),
                new: v.to_string(),
            });
        }
    }
    match (a.body, b.body) {
        (Some(x), Some(y)) => match (Value::parse(x), Value::parse(y)) {
            (Ok(x), Ok(y)) => value_diff("body", &x, &y, &mut out),
            _ if x != y => out.push(FieldDiff {
                field: "body".into(),
                old: x.trim().to_string(),
                new: y.trim().to_string(),
            }),
            _ => {}
        },
        (Some(x), None) => out.push(FieldDiff {
            field: "body".into(),
            old: short(x.trim()),
            new: ABSENT.into(),
        }),
        (None, Some(y)) => out.push(FieldDiff {
            field: "body".into(),
            old: ABSENT.into(),
            new: short(y.trim()),
        }),
        (None, None) => {}
    }
    if out.is_empty() && old.trim_end() != new.trim_end() {
        out.push(FieldDiff {
            field: "whitespace".into(),
            old: format!("{} bytes", old.len()),
            new: format!("{} bytes", new.len()),
        });
    }
    out
}

fn is_error_key(k: &str) -> bool {
    matches!(k, "error" | "message" | "status" | "result")
}

fn short(s: &str) -> String {
    const MAX: usize = 120;
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// A value as one short line of JSON (at most 120 characters).
pub fn show(v: &Value) -> String {
    short(&v.to_json())
}

fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if simple {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::str(key).to_json())
    }
}

/// One step of a path into a JSON value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A path as an RFC 6901 JSON pointer (`/user/email`, `/products/0`; `""` is the whole value).
pub fn pointer(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        s.push('/');
        match step {
            Step::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// A path as the snapshot report names it: `body.user.email`, `body.products[0]`.
pub fn dotted(root: &str, path: &[Step]) -> String {
    let mut s = root.to_string();
    for step in path {
        match step {
            Step::Key(k) => s = join(&s, k),
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// One difference between two JSON values.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The value at `path` differs (`old` and `new` are both present).
    Changed {
        path: Vec<Step>,
        old: Value,
        new: Value,
    },
    /// `path` exists only in the new value.
    Added { path: Vec<Step>, new: Value },
    /// `path` exists only in the old value.
    Removed { path: Vec<Step>, old: Value },
    /// The object at `path` has the same keys in another order (`old`/`new`: the keys both
    /// have, in each one's order). `JSON.stringify` keeps insertion order, so this changes bytes.
    KeyOrder {
        path: Vec<Step>,
        old: Vec<String>,
        new: Vec<String>,
    },
}

impl Change {
    pub fn path(&self) -> &[Step] {
        match self {
            Change::Changed { path, .. }
            | Change::Added { path, .. }
            | Change::Removed { path, .. }
            | Change::KeyOrder { path, .. } => path,
        }
    }
}

/// Every difference between `a` (old) and `b` (new), in document order: changed, removed and
/// added members, and key-order changes of objects whose shared keys moved.
pub fn changes(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(&mut Vec::new(), a, b, &mut out);
    out
}

fn walk(path: &mut Vec<Step>, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x.iter() {
                path.push(Step::Key(k.to_string()));
                match y.get(k) {
                    Some(w) => walk(path, v, w, out),
                    None => out.push(Change::Removed {
                        path: path.clone(),
                        old: v.clone(),
                    }),
                }
                path.pop();
            }
            for (k, w) in y.iter() {
                if !x.contains_key(k) {
                    path.push(Step::Key(k.to_string()));
                    out.push(Change::Added {
                        path: path.clone(),
                        new: w.clone(),
                    });
                    path.pop();
                }
            }
            let common_x: Vec<String> = x
                .keys()
                .filter(|k| y.contains_key(k))
                .map(|k| k.to_string())
                .collect();
            let common_y: Vec<String> = y
                .keys()
                .filter(|k| x.contains_key(k))
                .map(|k| k.to_string())
                .collect();
            if common_x != common_y {
                out.push(Change::KeyOrder {
                    path: path.clone(),
                    old: common_x,
                    new: common_y,
                });
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                path.push(Step::Index(i));
                match (x.get(i), y.get(i)) {
                    (Some(v), Some(w)) => walk(path, v, w, out),
                    (Some(v), None) => out.push(Change::Removed {
                        path: path.clone(),
                        old: v.clone(),
                    }),
                    (None, Some(w)) => out.push(Change::Added {
                        path: path.clone(),
                        new: w.clone(),
                    }),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        _ => {
            if a.to_json() != b.to_json() {
                out.push(Change::Changed {
                    path: path.clone(),
                    old: a.clone(),
                    new: b.clone(),
                });
            }
        }
    }
}

/// Field-level differences between two JSON values, including key order, named from `path`.
pub fn value_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldDiff>) {
    for c in changes(a, b) {
        out.push(match c {
            Change::Changed { path: p, old, new } => FieldDiff {
                field: dotted(path, &p),
                old: show(&old),
                new: show(&new),
            },
            Change::Added { path: p, new } => FieldDiff {
                field: dotted(path, &p),
                old: ABSENT.into(),
                new: show(&new),
            },
            Change::Removed { path: p, old } => FieldDiff {
                field: dotted(path, &p),
                old: show(&old),
                new: ABSENT.into(),
            },
            Change::KeyOrder { path: p, old, new } => FieldDiff {
                field: format!("{} (key order)", dotted(path, &p)),
                old: old.join(","),
                new: new.join(","),
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_changed_body_fields_and_headers() {
        let old = "fixture: f\nsubscription: s\n\nPOST https://x/?token=REDACTED\ncontent-length: 10\n\n{\n  \"user\": {\n    \"email\": \"a@b\"\n  },\n  \"k\": 1\n}";
        let new = "fixture: f\nsubscription: s\n\nPOST https://x/?token=REDACTED\ncontent-length: 9\n\n{\n  \"user\": {},\n  \"k\": 2,\n  \"n\": null\n}";
        let d = diff(old, new);
        let fields: Vec<&str> = d.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "header content-length",
                "body.user.email",
                "body.k",
                "body.n"
            ]
        );
        assert_eq!(d[1].old, "\"a@b\"");
        assert_eq!(d[1].new, ABSENT);
    }

    #[test]
    fn pointers_escape_and_index() {
        let a = Value::parse(r#"{"a/b":{"x~y":[1,2]},"k":1}"#).unwrap();
        let b = Value::parse(r#"{"k":1,"a/b":{"x~y":[1,3,4]}}"#).unwrap();
        let c = changes(&a, &b);
        let paths: Vec<String> = c.iter().map(|c| pointer(c.path())).collect();
        assert_eq!(paths, ["/a~1b/x~0y/1", "/a~1b/x~0y/2", ""]);
        assert!(matches!(&c[2], Change::KeyOrder { old, .. } if old == &["a/b", "k"]));
    }

    #[test]
    fn reports_key_order_and_errors() {
        let d = diff("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}");
        assert_eq!(d[0].field, "body (key order)");
        let d = diff(
            "error: TypeError\nmessage: Invalid URL\n",
            "error: TypeError\nmessage: Invalid URL!\n",
        );
        assert_eq!(d[0].field, "message");
        assert!(diff("a: 1\n", "a: 1\n").is_empty());
    }
}
