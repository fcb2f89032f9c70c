//! A request or an error as snapshot text.

use usermaven_destination::{ActionError, Request};
use usermaven_json::Value;

/// The text of a request: method and redacted URL, headers, blank line, pretty body (original
/// key order; the raw body when it is not JSON).
pub fn request_text(r: &Request) -> String {
    let mut s = format!("{} {}\n", r.method, r.redacted_url());
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    match Value::parse(&r.body) {
        Ok(v) => s.push_str(&v.to_json_pretty()),
        Err(_) => s.push_str(&r.body),
    }
    s.push('\n');
    s
}

/// The text of an error: name, status, message (newlines escaped, so it stays one line).
pub fn error_text(e: &ActionError) -> String {
    let status = e.status.map(|s| s.to_string()).unwrap_or("null".into());
    format!(
        "error: {}\nstatus: {status}\nmessage: {}\n",
        e.name,
        e.message.replace('\n', "\\n")
    )
}

/// A snapshot: `key: value` lines saying what produced it (`fixture`, `subscription`, …), a
/// blank line, then the request or the error.
pub fn render(header: &[(&str, &str)], result: &Result<Request, ActionError>) -> String {
    let mut s = String::new();
    for (k, v) in header {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    match result {
        Ok(r) => s.push_str(&request_text(r)),
        Err(e) => s.push_str(&error_text(e)),
    }
    s
}
