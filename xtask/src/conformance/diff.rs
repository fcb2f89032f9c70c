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

fn show(v: &Value) -> String {
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

/// Field-level differences between two JSON values, including key order.
pub fn value_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldDiff>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) => value_diff(&join(path, k), v, w, out),
                    None => out.push(FieldDiff {
                        field: join(path, k),
                        old: show(v),
                        new: ABSENT.into(),
                    }),
                }
            }
            for (k, w) in y.iter() {
                if !x.contains_key(k) {
                    out.push(FieldDiff {
                        field: join(path, k),
                        old: ABSENT.into(),
                        new: show(w),
                    });
                }
            }
            let common_x: Vec<&str> = x
                .keys()
                .filter(|k| y.contains_key(k))
                .map(|k| &**k)
                .collect();
            let common_y: Vec<&str> = y
                .keys()
                .filter(|k| x.contains_key(k))
                .map(|k| &**k)
                .collect();
            if common_x != common_y {
                out.push(FieldDiff {
                    field: format!("{path} (key order)"),
                    old: common_x.join(","),
                    new: common_y.join(","),
                });
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(v), Some(w)) => value_diff(&p, v, w, out),
                    (Some(v), None) => out.push(FieldDiff {
                        field: p,
                        old: show(v),
                        new: ABSENT.into(),
                    }),
                    (None, Some(w)) => out.push(FieldDiff {
                        field: p,
                        old: ABSENT.into(),
                        new: show(w),
                    }),
                    (None, None) => {}
                }
            }
        }
        _ => {
            if a.to_json() != b.to_json() {
                out.push(FieldDiff {
                    field: path.to_string(),
                    old: show(a),
                    new: show(b),
                });
            }
        }
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
