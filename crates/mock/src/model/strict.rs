//! Strict mode: checks an event against what Usermaven needs (`docs/usermaven-api.md` §6, "The event").
//!
//! The real collector validates nothing (it answers 200 and drops bad events later), so this is
//! mock-only behaviour. `Error` findings are the fields Usermaven documents as required plus type
//! mismatches of known fields; `Advice` findings are rules only some client library enforces.

use super::problem::{Problem, Severity};
use crate::json::fields::{pick, Fields};
use crate::json::lite::{Entries, Lite};

/// Which kind of endpoint received the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    S2s,
    Browser,
}

/// The top-level fields that must be strings when present: the first entries of
/// [`TOP_FIELDS`], so one list says both what is checked and where [`Fields`] finds it.
const STRING_FIELDS: &[&str] = TOP_FIELDS.split_at(12).0;
/// The top-level fields that must be objects when present: the next entries of [`TOP_FIELDS`].
const OBJECT_FIELDS: &[&str] = TOP_FIELDS.split_at(12).1.split_at(4).0;
/// `user.*` fields that must be strings: the first entries of [`USER_FIELDS`].
const USER_STRING_FIELDS: &[&str] = USER_FIELDS.split_at(6).0;
const UTM_FIELDS: &[&str] = &["source", "medium", "campaign", "term", "content"];

struct Checker<'a> {
    index: usize,
    out: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, path: &str, message: impl Into<String>) {
        self.out.push(Problem {
            index: self.index,
            path: path.to_owned(),
            message: message.into(),
            severity,
        });
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, path, message);
    }

    fn advice(&mut self, path: &str, message: impl Into<String>) {
        self.push(Severity::Advice, path, message);
    }

    fn expect_string(&mut self, path: &str, v: &Lite<'_>) {
        if !v.is_string() {
            self.error(path, format!("must be a string, got {}", kind(v)));
        }
    }

    /// [`Self::expect_string`] at `prefix/field`; the path is built only for a finding.
    fn field_string(&mut self, prefix: &str, field: &str, v: &Lite<'_>) {
        if !v.is_string() {
            self.expect_string(&format!("{prefix}/{field}"), v);
        }
    }

    fn field_object(&mut self, prefix: &str, field: &str, v: &Lite<'_>) {
        if !v.is_object() {
            self.expect_object(&format!("{prefix}/{field}"), v);
        }
    }

    fn expect_object(&mut self, path: &str, v: &Lite<'_>) {
        if !v.is_object() {
            self.error(path, format!("must be an object, got {}", kind(v)));
        }
    }

    fn expect_integer(&mut self, path: &str, v: &Lite<'_>) {
        if !v.is_integer() {
            self.error(path, format!("must be an integer, got {}", kind(v)));
        }
    }

    fn required_string(&mut self, path: &str, v: Option<&Lite<'_>>, what: &str) {
        match v {
            None => self.error(path, format!("missing {what} (required)")),
            Some(v) if v.as_str() == Some("") => {
                self.error(path, format!("{what} must not be empty"))
            }
            Some(v) => self.expect_string(path, v),
        }
    }
}

/// JSON type name used in messages.
fn kind(v: &Lite<'_>) -> &'static str {
    v.kind()
}

fn non_empty_str(v: Option<&Lite<'_>>) -> bool {
    v.and_then(Lite::as_str).is_some_and(|s| !s.is_empty())
}

fn is_resolution(s: &str) -> bool {
    if s == "0" {
        return true;
    }
    let Some((w, h)) = s.split_once('x') else {
        return false;
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(w) && digits(h)
}

fn is_iso_time(s: &str) -> bool {
    s.parse::<jiff::Timestamp>().is_ok() || s.parse::<jiff::civil::DateTime>().is_ok()
}

/// Every top-level field [`check_event`] reads: [`STRING_FIELDS`], then [`OBJECT_FIELDS`], then
/// the rest (the loops below index the first two by position).
const TOP_FIELDS: &[&str] = &[
    "event_id",
    "url",
    "referer",
    "page_title",
    "doc_path",
    "doc_host",
    "doc_search",
    "doc_encoding",
    "user_agent",
    "user_language",
    "src",
    "source_ip",
    "ids",
    "event_attributes",
    "utm",
    "click_id",
    "api_key",
    "event_type",
    "_timestamp",
    "local_tz_offset",
    "screen_resolution",
    "vp_size",
    "utc_time",
    "user",
    "company",
];
const USER_FIELDS: &[&str] = &[
    "id",
    "anonymous_id",
    "email",
    "created_at",
    "first_name",
    "last_name",
    "custom",
];
const COMPANY_FIELDS: &[&str] = &["id", "name", "created_at", "custom"];

/// Appends every finding for event `index` to `out`.
pub(crate) fn check_event(
    obj: &Entries<'_>,
    index: usize,
    api_key: &str,
    channel: Channel,
    out: &mut Vec<Problem>,
) {
    let mut c = Checker { index, out };
    let top = Fields::of(obj, TOP_FIELDS);

    match pick!(top, TOP_FIELDS, "api_key") {
        None => c.error("/api_key", "missing api_key (required)"),
        Some(v) if v.as_str().is_some_and(|s| s != api_key) => c.error(
            "/api_key",
            "api_key does not match the api key of the request's token",
        ),
        Some(v) => c.expect_string("/api_key", v),
    }
    c.required_string(
        "/event_type",
        pick!(top, TOP_FIELDS, "event_type"),
        "event_type",
    );

    for (i, &f) in STRING_FIELDS.iter().enumerate() {
        if let Some(v) = top.at(i) {
            c.field_string("", f, v);
        }
    }
    for (i, &f) in OBJECT_FIELDS.iter().enumerate() {
        if let Some(v) = top.at(STRING_FIELDS.len() + i) {
            c.field_object("", f, v);
        }
    }
    if let Some(v) = pick!(top, TOP_FIELDS, "_timestamp") {
        c.expect_integer("/_timestamp", v);
    }
    if let Some(v) = pick!(top, TOP_FIELDS, "local_tz_offset") {
        c.expect_integer("/local_tz_offset", v);
    }
    for (f, v) in [
        (
            "screen_resolution",
            pick!(top, TOP_FIELDS, "screen_resolution"),
        ),
        ("vp_size", pick!(top, TOP_FIELDS, "vp_size")),
    ] {
        match v {
            Some(v) if v.as_str().is_some_and(|s| !is_resolution(s)) => {
                c.error(&format!("/{f}"), "must look like \"WIDTHxHEIGHT\" or \"0\"")
            }
            Some(v) => c.field_string("", f, v),
            None => {}
        }
    }
    match pick!(top, TOP_FIELDS, "utc_time") {
        Some(v) if v.as_str().is_some_and(|s| !is_iso_time(s)) => {
            c.error("/utc_time", "must be an ISO 8601 timestamp")
        }
        Some(v) => c.expect_string("/utc_time", v),
        None => {}
    }
    if let Some(Lite::Object(utm)) = pick!(top, TOP_FIELDS, "utm") {
        let utm = Fields::of(utm, UTM_FIELDS);
        for (i, &f) in UTM_FIELDS.iter().enumerate() {
            if let Some(v) = utm.at(i) {
                c.field_string("/utm", f, v);
            }
        }
    }

    let event_type = pick!(top, TOP_FIELDS, "event_type")
        .and_then(Lite::as_str)
        .unwrap_or("");
    match pick!(top, TOP_FIELDS, "user") {
        None => c.error("/user", "missing user (required)"),
        Some(Lite::Object(user)) => {
            let user = Fields::of(user, USER_FIELDS);
            for (i, &f) in USER_STRING_FIELDS.iter().enumerate() {
                if let Some(v) = user.at(i) {
                    c.field_string("/user", f, v);
                }
            }
            if let Some(v) = pick!(user, USER_FIELDS, "custom") {
                c.expect_object("/user/custom", v);
            }
            if !non_empty_str(pick!(user, USER_FIELDS, "id"))
                && !non_empty_str(pick!(user, USER_FIELDS, "anonymous_id"))
            {
                c.error("/user", "needs user.id or user.anonymous_id");
            }
            if event_type == "user_identify" {
                if !non_empty_str(pick!(user, USER_FIELDS, "id")) {
                    c.advice(
                        "/user/id",
                        "identify without user.id (the Segment and Python clients require it)",
                    );
                }
                if !non_empty_str(pick!(user, USER_FIELDS, "email")) {
                    c.advice(
                        "/user/email",
                        "identify without user.email (the Segment and Python clients require it)",
                    );
                }
            }
            if event_type == "group" && !non_empty_str(pick!(user, USER_FIELDS, "id")) {
                c.advice(
                    "/user/id",
                    "group without user.id (the Segment client requires it)",
                );
            }
        }
        Some(v) => c.expect_object("/user", v),
    }

    match pick!(top, TOP_FIELDS, "company") {
        // An empty `company` is no company: Usermaven's browser SDK sends `"company": {}` on
        // every event of a visitor not tied to one.
        Some(Lite::Object(company)) if company.is_empty() && event_type == "group" => {
            c.error("/company", "group event without company")
        }
        Some(Lite::Object(company)) if company.is_empty() => {}
        None if event_type == "group" => c.error("/company", "group event without company"),
        None => {}
        Some(Lite::Object(company)) => {
            let company = Fields::of(company, COMPANY_FIELDS);
            c.required_string(
                "/company/id",
                pick!(company, COMPANY_FIELDS, "id"),
                "company.id",
            );
            c.required_string(
                "/company/name",
                pick!(company, COMPANY_FIELDS, "name"),
                "company.name",
            );
            c.required_string(
                "/company/created_at",
                pick!(company, COMPANY_FIELDS, "created_at"),
                "company.created_at",
            );
            if let Some(v) = pick!(company, COMPANY_FIELDS, "custom") {
                c.expect_object("/company/custom", v);
            }
        }
        Some(v) => c.expect_object("/company", v),
    }

    if channel == Channel::S2s && pick!(top, TOP_FIELDS, "source_ip").is_none() {
        c.advice(
            "/source_ip",
            "s2s event without source_ip (Segment's client sends it)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_fields_start_with_the_looped_lists() {
        // The split points cut the lists where the kinds change.
        assert_eq!(
            (STRING_FIELDS.first(), STRING_FIELDS.last()),
            (Some(&"event_id"), Some(&"source_ip"))
        );
        assert_eq!(
            OBJECT_FIELDS,
            ["ids", "event_attributes", "utm", "click_id"]
        );
        assert_eq!(USER_STRING_FIELDS.last(), Some(&"last_name"));
        assert_eq!(USER_FIELDS[USER_STRING_FIELDS.len()], "custom");
        let mut all = TOP_FIELDS.to_vec();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), TOP_FIELDS.len(), "no name twice");
    }
    use serde_json::json;

    fn problems(event: serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        let text = event.to_string();
        let Ok(Lite::Object(event)) =
            crate::json::go::decode_lite(text.as_bytes(), crate::json::go::Target::Event)
        else {
            panic!("an object");
        };
        check_event(&event, 0, "K", Channel::S2s, &mut out);
        out.iter()
            .map(|p| format!("{:?} {} {}", p.severity, p.path, p.message))
            .collect()
    }

    #[test]
    fn an_empty_company_is_no_company() {
        let base = json!({
            "api_key": "K", "event_type": "pageview", "source_ip": "1.2.3.4",
            "user": {"anonymous_id": "a1"}, "company": {}
        });
        assert!(problems(base.clone()).is_empty(), "{:?}", problems(base));
        let mut group = json!({
            "api_key": "K", "event_type": "group", "source_ip": "1.2.3.4",
            "user": {"id": "u1"}, "company": {}
        });
        assert_eq!(
            problems(group.clone()),
            ["Error /company group event without company"]
        );
        group["company"] = json!({"id": "c1"});
        let p = problems(group);
        assert!(
            p.iter().any(|m| m.contains("missing company.name")),
            "{p:?}"
        );
    }

    #[test]
    fn minimal_valid_event_has_no_errors() {
        let p = problems(json!({
            "api_key": "K", "event_type": "pageview", "source_ip": "1.2.3.4",
            "user": {"anonymous_id": "a1"}
        }));
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn reports_every_problem_with_paths() {
        let p = problems(json!({
            "api_key": "other", "event_type": 5, "_timestamp": "x", "screen_resolution": "big",
            "user": {"email": 1}, "company": {"id": "c1"}, "utm": {"source": 2}
        }));
        assert_eq!(
            p,
            vec![
                "Error /api_key api_key does not match the api key of the request's token",
                "Error /event_type must be a string, got number",
                "Error /_timestamp must be an integer, got string",
                "Error /screen_resolution must look like \"WIDTHxHEIGHT\" or \"0\"",
                "Error /utm/source must be a string, got number",
                "Error /user/email must be a string, got number",
                "Error /user needs user.id or user.anonymous_id",
                "Error /company/name missing company.name (required)",
                "Error /company/created_at missing company.created_at (required)",
                "Advice /source_ip s2s event without source_ip (Segment's client sends it)",
            ]
        );
    }

    #[test]
    fn identify_and_group_rules() {
        let p = problems(json!({
            "api_key": "K", "event_type": "user_identify", "source_ip": "1",
            "user": {"anonymous_id": "a"}
        }));
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|s| s.starts_with("Advice")));
        let p = problems(
            json!({"api_key": "K", "event_type": "group", "source_ip": "1", "user": {"id": "u"}}),
        );
        assert_eq!(p, vec!["Error /company group event without company"]);
    }

    #[test]
    fn resolution_forms() {
        assert!(is_resolution("0"));
        assert!(is_resolution("1920x1080"));
        assert!(!is_resolution("x1080"));
        assert!(!is_resolution("1920*1080"));
    }
}
