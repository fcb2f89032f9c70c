//! `{{placeholder}}` templates: a port of `packages/core/src/mapping-kit/placeholders.ts`.
//!
//! The reference runs two regex replacements in a row: `{{{x}}}` first, then `{{x}}` on
//! the result (so text inserted by the first pass is expanded again by the second).
//! A value renders as `String(value ?? '')`: missing and `null` give `""`, objects give
//! `[object Object]`, nothing is HTML-escaped. A template is parsed once into parts.

use std::sync::OnceLock;

use regex::Regex;
use usermaven_json::js::{self, js_trim, JsError};
use usermaven_json::Value;

use crate::get::Path;
use crate::resolved::Resolved;

fn triple_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{\{([^}]+)\}\}\}").expect("valid regex"))
}

fn double_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{([^}]+)\}\}").expect("valid regex"))
}

#[derive(Clone, Debug)]
enum Part {
    Lit(String),
    Var(Path),
}

/// A template parsed for one regex pass.
#[derive(Clone, Debug)]
struct Pass {
    parts: Vec<Part>,
}

impl Pass {
    fn parse(template: &str, re: &Regex) -> Pass {
        let mut parts = Vec::new();
        let mut last = 0;
        for caps in re.captures_iter(template) {
            let (Some(whole), Some(inner)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            if whole.start() > last {
                parts.push(Part::Lit(template[last..whole.start()].to_string()));
            }
            parts.push(Part::Var(Path::parse(js_trim(inner.as_str()))));
            last = whole.end();
        }
        if last < template.len() {
            parts.push(Part::Lit(template[last..].to_string()));
        }
        Pass { parts }
    }

    fn has_vars(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var(_)))
    }

    fn render(&self, data: Option<&Value>, out: &mut String) -> Result<(), JsError> {
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Var(path) => write_placeholder(&path.lookup(data)?, out)?,
            }
        }
        Ok(())
    }
}

/// `String(value ?? '')`, which throws for objects without a primitive value.
fn write_placeholder(v: &Resolved<'_>, out: &mut String) -> Result<(), JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(());
    }
    v.write_js_string(out)
}

/// A parsed `@template` string.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    /// `None` when the template has no `{{{…}}}` placeholder (the first pass is a no-op).
    triple: Option<Pass>,
    /// The second pass, parsed from the template itself (valid only when `triple` is `None`).
    double: Pass,
}

impl Template {
    pub(crate) fn parse(template: &str) -> Template {
        let triple = Pass::parse(template, triple_re());
        if triple.has_vars() {
            Template {
                triple: Some(triple),
                double: Pass { parts: Vec::new() },
            }
        } else {
            Template {
                triple: None,
                double: Pass::parse(template, double_re()),
            }
        }
    }

    /// `render(template, data)`; `data` `None` (undefined) renders as `{}` does. Values are
    /// converted with `String()` (the error is its `TypeError`); halves of a surrogate pair
    /// that end up side by side join as JS string concatenation joins them.
    pub(crate) fn render(&self, data: Option<&Value>) -> Result<String, JsError> {
        let empty = Value::Object(Default::default());
        let data = Some(data.unwrap_or(&empty));
        let out = match &self.triple {
            None => {
                let mut out = String::new();
                self.double.render(data, &mut out)?;
                out
            }
            Some(first) => {
                let mut mid = String::new();
                first.render(data, &mut mid)?;
                let mut out = String::new();
                Pass::parse(&mid, double_re()).render(data, &mut out)?;
                out
            }
        };
        Ok(js::join_surrogate_pairs(out))
    }
}

/// `render(template, data)` of placeholders.ts.
#[cfg(test)]
pub(crate) fn render(template: &str, data: &Value) -> Result<String, JsError> {
    Template::parse(template).render(Some(data))
}
