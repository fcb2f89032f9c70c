//! Condition tree → FQL text: a port of `generate-fql.ts` of
//! `@segment/destination-subscriptions` 3.37.0.
//!
//! Kept from the reference: values print with JS `String`/`Number` (`"${value}"` for
//! strings and anything not a boolean or number, so `null` prints as `"null"`);
//! comparison operators and `number_*` print `Number(value)`; field paths escape every
//! character outside `[a-zA-Z0-9._-]` with `\`; a result wrapped in exactly one pair
//! of parentheses (counting parentheses inside quoted values too) loses them.
//!
//! Deviation: the reference escapes per UTF-16 code unit, so a character outside the
//! BMP becomes two escaped lone surrogates; here it is escaped once, as one character.

use usermaven_json::Value;

use crate::convert::{value_to_number, value_to_string};
use crate::tree::{Children, Condition, ConditionKind, Group, Node, Root, Trigger};
use crate::FqlError;

/// FQL for a tree in the reference's JSON shape (`generateFql`).
pub fn generate(tree: &Value) -> Result<String, FqlError> {
    Trigger::from_value(tree).generate()
}

impl Trigger {
    /// FQL text for this trigger (`generateFql(tree)`).
    pub fn generate(&self) -> Result<String, FqlError> {
        let root = match &self.root {
            Root::Null => {
                return Err(FqlError::type_error(
                    "Cannot read properties of null (reading 'error')",
                ))
            }
            Root::Error(e, _) => return Err(e.clone()),
            Root::Group(g) => g,
        };
        let fql = stringify_group(root)?;
        let parens = fql.chars().filter(|c| *c == '(' || *c == ')').count();
        if fql.starts_with('(') && fql.ends_with(')') && parens == 2 {
            return Ok(fql[1..fql.len() - 1].to_string());
        }
        Ok(fql)
    }
}

fn stringify_group(g: &Group) -> Result<String, FqlError> {
    let children = match &g.children {
        Children::List(c) => c,
        Children::Undefined => {
            return Err(FqlError::type_error(
                "Cannot read properties of undefined (reading 'map')",
            ))
        }
        Children::Null => {
            return Err(FqlError::type_error(
                "Cannot read properties of null (reading 'map')",
            ))
        }
        Children::NotArray => {
            return Err(FqlError::type_error("node.children.map is not a function"))
        }
    };
    let mut parts = Vec::with_capacity(children.len());
    for child in children {
        parts.push(match child {
            Node::Group(g) => format!("({})", stringify_group(g)?),
            Node::Condition(c) => stringify_condition(c)?,
            Node::Undefined => {
                return Err(FqlError::type_error(
                    "Cannot read properties of undefined (reading 'type')",
                ))
            }
            Node::Null => {
                return Err(FqlError::type_error(
                    "Cannot read properties of null (reading 'type')",
                ))
            }
            Node::Other(_) => return Err(FqlError::error("Unknown condition type")),
        });
    }
    let sep = format!(" {} ", value_to_string(g.operator.as_ref()));
    Ok(parts.join(&sep))
}

fn escape_path(name: Option<&Value>) -> String {
    match name {
        Some(Value::String(s)) => {
            let mut out = String::with_capacity(s.len());
            for ch in s.chars() {
                if !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')) {
                    out.push('\\');
                }
                out.push(ch);
            }
            out
        }
        other => value_to_string(other),
    }
}

impl Condition {
    /// The condition as FQL text (`generateFql`'s form of it, e.g. `event = "Order Completed"`).
    pub fn fql(&self) -> Result<String, FqlError> {
        stringify_condition(self)
    }
}

fn stringify_condition(c: &Condition) -> Result<String, FqlError> {
    let name = match c.kind {
        ConditionKind::Name | ConditionKind::UserId | ConditionKind::Event => {
            value_to_string(c.type_value.as_ref())
        }
        ConditionKind::EventType => "type".to_string(),
        ConditionKind::Property => format!("properties.{}", escape_path(c.name.as_ref())),
        ConditionKind::Trait => format!("traits.{}", escape_path(c.name.as_ref())),
        ConditionKind::Context => format!("context.{}", escape_path(c.name.as_ref())),
        ConditionKind::Unknown => return Err(FqlError::error("Unknown condition type")),
    };
    Ok(expression(&name, c.operator.as_ref(), c.value.as_ref()))
}

/// `stringifyValue`.
fn literal(v: Option<&Value>) -> String {
    match v {
        Some(v @ (Value::Bool(_) | Value::Number(_))) => v.to_js_string(),
        other => format!("\"{}\"", value_to_string(other)),
    }
}

fn number(v: Option<&Value>) -> String {
    Value::Number(value_to_number(v)).to_js_string()
}

/// `fqlExpression`.
fn expression(name: &str, operator: Option<&Value>, value: Option<&Value>) -> String {
    let s = || value_to_string(value);
    match operator.and_then(Value::as_str) {
        Some("contains") => format!("contains({name}, {})", literal(value)),
        Some("not_contains") => format!("!contains({name}, {})", literal(value)),
        Some("exists") => format!("{name} != null"),
        Some("not_exists") => format!("{name} = null"),
        Some("is_true") => format!("{name} = true"),
        Some("is_false") => format!("{name} = false"),
        Some("starts_with") => format!("match({name}, \"{}*\")", s()),
        Some("not_starts_with") => format!("!match({name}, \"{}*\")", s()),
        Some("ends_with") => format!("match({name}, \"*{}\")", s()),
        Some("not_ends_with") => format!("!match({name}, \"*{}\")", s()),
        Some(op @ ("<" | ">" | "<=" | ">=")) => format!("{name} {op} {}", number(value)),
        Some("number_equals") => format!("{name} = {}", number(value)),
        Some("number_not_equals") => format!("{name} != {}", number(value)),
        _ => format!("{name} {} {}", value_to_string(operator), literal(value)),
    }
}
