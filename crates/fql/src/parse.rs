//! FQL text → condition tree: a port of `parse-fql.ts` of
//! `@segment/destination-subscriptions` 3.37.0, quirks included.
//!
//! How the reference reads FQL (and so how this does):
//! - lexing failures are swallowed: the token list is empty and parsing fails with
//!   "Cannot read properties of undefined (reading 'type')";
//! - `ident . ident` token runs are glued into one identifier (`properties.a.b`);
//! - an identifier whose first segment is `type`, `event`, `name`, `userId`,
//!   `properties`, `traits` or `context` takes the next two tokens, whatever they are,
//!   as operator and value (`properties.x contains "y"` is a valid `contains`);
//!   an `Object.prototype` member name (`constructor`, `toString`, …) also takes two
//!   tokens but adds nothing, because the reference looks names up in a plain object;
//! - `contains(a, b)` / `match(a, b)` take the next five tokens without checking them;
//!   `!` negates only those two functions and is ignored elsewhere;
//! - `and` / `or` set the connective of the whole group: the last one wins;
//! - `(` collects tokens up to the first `)` and parses them as a sub-group, so nested
//!   parentheses (and a missing `)`) fail with the `undefined` TypeError;
//! - every other token (`not`, stray values, `)`, `,`) is skipped.

use std::collections::VecDeque;

use usermaven_json::Value;

use crate::convert::{string_to_number, JsText};
use crate::lexer::{lex, Token, TokenType};
use crate::tree::{Condition, Group, Node, Root, Trigger};
use crate::FqlError;

const UNDEFINED_TYPE: &str = "Cannot read properties of undefined (reading 'type')";

/// Parse FQL into a trigger (`parseFql`). Errors are the reference's, by name and message.
pub fn parse(fql: &str) -> Result<Trigger, FqlError> {
    let units: Vec<u16> = fql.encode_utf16().collect();
    let tokens = lex(&units).unwrap_or_default();
    let mut tokens: VecDeque<Token> = normalize(tokens).into();
    match parse_tokens(&mut tokens)? {
        Node::Group(g) => Ok(Trigger {
            root: Root::Group(g),
        }),
        Node::Undefined => Err(FqlError::type_error(UNDEFINED_TYPE)),
        node => Ok(Trigger {
            root: Root::Group(Group::parsed("and", vec![node])),
        }),
    }
}

/// Glue `ident . ident` into one identifier token.
fn normalize(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let current = &tokens[i];
        let glue = out.last().is_some_and(|t| t.kind == TokenType::Ident)
            && current.kind == TokenType::Dot
            && tokens
                .get(i + 1)
                .is_some_and(|t| t.kind == TokenType::Ident);
        if glue {
            if let Some(prev) = out.last_mut() {
                prev.value.push('.');
                prev.value.push_str(&tokens[i + 1].value);
            }
            i += 2;
        } else {
            out.push(current.clone());
            i += 1;
        }
    }
    out
}

/// `getTokenValue`.
fn token_value(t: &Token) -> Value {
    match t.kind {
        TokenType::String => {
            let v = t.value.strip_prefix('"').unwrap_or(&t.value);
            let v = v.strip_suffix('"').unwrap_or(v);
            Value::str(v)
        }
        TokenType::Number => Value::Number(string_to_number(&t.value)),
        TokenType::Ident if t.value == "true" => Value::Bool(true),
        TokenType::Ident if t.value == "false" => Value::Bool(false),
        _ => Value::str(&t.value),
    }
}

/// `String(getTokenValue(t))`.
fn token_string(t: &Token) -> Value {
    match token_value(t) {
        s @ Value::String(_) => s,
        other => Value::str(&other.to_js_string()),
    }
}

fn is_fql_function(t: Option<&Token>) -> bool {
    t.is_some_and(|t| t.kind == TokenType::Ident && (t.value == "contains" || t.value == "match"))
}

/// What `tokenToConditionType[start]` finds: a condition type, or an inherited
/// `Object.prototype` member (truthy, but no branch handles it).
enum Lookup {
    Type(&'static str),
    Inherited,
    Missing,
}

fn condition_type(start: &str) -> Lookup {
    match start {
        "type" => Lookup::Type("event-type"),
        "event" => Lookup::Type("event"),
        "name" => Lookup::Type("name"),
        "userId" => Lookup::Type("userId"),
        "context" => Lookup::Type("event-context"),
        "properties" => Lookup::Type("event-property"),
        "traits" => Lookup::Type("event-trait"),
        "constructor"
        | "__defineGetter__"
        | "__defineSetter__"
        | "hasOwnProperty"
        | "__lookupGetter__"
        | "__lookupSetter__"
        | "isPrototypeOf"
        | "propertyIsEnumerable"
        | "toString"
        | "valueOf"
        | "__proto__"
        | "toLocaleString" => Lookup::Inherited,
        _ => Lookup::Missing,
    }
}

fn strip<'a>(name: &'a str, prefix: &str) -> &'a str {
    name.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or(name)
}

fn parse_tokens(tokens: &mut VecDeque<Token>) -> Result<Node, FqlError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut operator = String::from("and");
    let mut token = tokens.pop_front();
    while let Some(tok) = token.take() {
        if tok.kind == TokenType::Eos {
            break;
        }
        if tok.kind == TokenType::Ident {
            let start = tok.value.split('.').next().unwrap_or("");
            match condition_type(start) {
                Lookup::Missing => {}
                lookup => {
                    let op = tokens
                        .pop_front()
                        .ok_or_else(|| FqlError::error("Operator token is missing"))?;
                    let val = tokens
                        .pop_front()
                        .ok_or_else(|| FqlError::error("Value token is missing"))?;
                    if let Lookup::Type(ct) = lookup {
                        if let Some(node) = condition(ct, &tok.value, &op, &val) {
                            nodes.push(Node::Condition(node));
                        }
                    }
                }
            }
            if is_fql_function(Some(&tok)) {
                parse_function(&tok.value, &mut nodes, tokens, false)?;
            }
        }
        if tok.kind == TokenType::Operator && tok.value == "!" && is_fql_function(tokens.front()) {
            if let Some(f) = tokens.pop_front() {
                parse_function(&f.value, &mut nodes, tokens, true)?;
            }
        }
        if tok.kind == TokenType::ParenLeft {
            let mut group: VecDeque<Token> = VecDeque::new();
            loop {
                let g = tokens
                    .pop_front()
                    .ok_or_else(|| FqlError::type_error(UNDEFINED_TYPE))?;
                if g.kind == TokenType::ParenRight {
                    break;
                }
                group.push_back(g);
            }
            group.push_back(Token::eos());
            nodes.push(parse_tokens(&mut group)?);
        }
        if tok.kind == TokenType::Conditional {
            operator = tok.value;
        }
        token = tokens.pop_front();
    }
    if nodes.len() > 1 {
        return Ok(Node::Group(Group::parsed(&operator, nodes)));
    }
    Ok(nodes.pop().unwrap_or(Node::Undefined))
}

/// The condition for `<ident> <operator token> <value token>`.
fn condition(ct: &'static str, ident: &str, op: &Token, val: &Token) -> Option<Condition> {
    let is_eq = op.value == "=";
    let is_ne = op.value == "!=";
    let special = if is_eq && val.value == "true" {
        Some("is_true")
    } else if is_eq && val.value == "false" {
        Some("is_false")
    } else if is_ne && val.value == "null" {
        Some("exists")
    } else if is_eq && val.value == "null" {
        Some("not_exists")
    } else if is_eq && val.kind == TokenType::Number {
        Some("number_equals")
    } else if is_ne && val.kind == TokenType::Number {
        Some("number_not_equals")
    } else {
        None
    };
    let plain = |value: Value| Condition::parsed(ct, None, &op.value, Some(value), None);
    Some(match ct {
        "event" | "event-type" => plain(token_string(val)),
        "name" | "userId" => {
            let allowed: &[&str] = if ct == "name" {
                &["exists", "not_exists"]
            } else {
                &["exists", "not_exists", "is_true", "is_false"]
            };
            match special {
                Some(s) if allowed.contains(&s) => Condition::parsed(ct, None, s, None, None),
                _ => plain(token_string(val)),
            }
        }
        _ => {
            let prefix = match ct {
                "event-property" => "properties",
                "event-trait" => "traits",
                _ => "context",
            };
            let name = Some(strip(ident, prefix).to_string());
            match special {
                Some(s @ ("number_equals" | "number_not_equals")) => {
                    Condition::parsed(ct, name, s, Some(token_value(val)), None)
                }
                Some(s) => Condition::parsed(ct, name, s, None, None),
                None => Condition::parsed(ct, name, &op.value, Some(token_value(val)), None),
            }
        }
    })
}

/// `parseFqlFunction`: `contains(a, b)` and `match(a, b)`, possibly negated.
fn parse_function(
    fname: &str,
    nodes: &mut Vec<Node>,
    tokens: &mut VecDeque<Token>,
    negate: bool,
) -> Result<(), FqlError> {
    tokens.pop_front();
    let name_tok = tokens
        .pop_front()
        .ok_or_else(|| FqlError::error(format!("{fname}() is missing a 1st argument")))?;
    tokens.pop_front();
    let value_tok = tokens
        .pop_front()
        .ok_or_else(|| FqlError::error(format!("{fname}() is missing a 2nd argument")))?;
    tokens.pop_front();

    let (operator, value, text) = if fname == "contains" {
        (
            if negate { "not_contains" } else { "contains" },
            token_string(&value_tok),
            None,
        )
    } else {
        let s = token_string(&value_tok).to_js_string();
        let mut units: Vec<u16> = s.encode_utf16().collect();
        let op = if value_tok.value.ends_with("*\"") {
            units.pop();
            if negate {
                "not_starts_with"
            } else {
                "starts_with"
            }
        } else {
            if !units.is_empty() {
                units.remove(0);
            }
            if negate {
                "not_ends_with"
            } else {
                "ends_with"
            }
        };
        let text = JsText::from_units(&units);
        (op, Value::str(&text.lossy()), Some(text))
    };

    let target = name_tok.value.as_str();
    let mut push = |ct: &str, name: Option<String>| {
        nodes.push(Node::Condition(Condition::parsed(
            ct,
            name,
            operator,
            Some(value.clone()),
            text.clone(),
        )));
    };
    if matches!(target, "event" | "name" | "userId") {
        push(target, None);
    }
    for (prefix, ct) in [
        ("properties", "event-property"),
        ("traits", "event-trait"),
        ("context", "event-context"),
    ] {
        if target.starts_with(prefix) {
            push(ct, Some(strip(target, prefix).to_string()));
        }
    }
    Ok(())
}
