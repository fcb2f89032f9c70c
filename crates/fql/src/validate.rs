//! Does an event match a trigger: a port of `validate.ts` and `get.ts` of
//! `@segment/destination-subscriptions` 3.37.0.
//!
//! Semantics kept from the reference:
//! - `=` / `!=` compare with `String(value)` strictly: only a string can equal;
//! - `number_equals`, `<`, `<=`, `>`, `>=` need a JS number and compare with
//!   `Number(value)` (so `> "20"` is numeric and `> "abc"` never matches);
//! - `contains`, `match` and their negations need a string (a negation is false for a
//!   non-string, not true);
//! - `exists` is "neither undefined nor null"; `is_true`/`is_false` need a boolean;
//! - paths are split on `.`, `[` and `]` and walked with JS property access, so
//!   `items.length`, `name.0` (a string's first code unit) and inherited members
//!   (`constructor.name` is `"Object"`) resolve as in JS;
//! - evaluation can throw, as the reference does: a `null` event, an `undefined` child
//!   from `()`, a path made only of separators, `.arguments` of a built-in function.
//!
//! Nothing here allocates for well-formed UTF-8 comparisons.

use usermaven_json::Value;

use std::borrow::Cow;

use crate::convert::{str_op, ActualStr, StrOp};
use crate::tree::{Children, Condition, ConditionKind, Group, Node, Op, Path, Root, Trigger};
use crate::FqlError;

impl Trigger {
    /// Whether `event` matches (`validate(trigger, event)`); an evaluation that throws in
    /// the reference (see [`Trigger::try_matches`]) counts as no match.
    pub fn matches(&self, event: &Value) -> bool {
        self.try_matches(event).unwrap_or(false)
    }

    /// Like [`Trigger::matches`], but returns what the reference throws.
    pub fn try_matches(&self, event: &Value) -> Result<bool, FqlError> {
        self.try_matches_event_observed(Some(event), &mut NoObserver)
    }

    /// [`Trigger::try_matches`] where the event may be absent (`None` is JS `undefined`):
    /// the reference reads the tree's `error` first, then answers `false` for an undefined
    /// event without evaluating anything.
    pub fn try_matches_event(&self, event: Option<&Value>) -> Result<bool, FqlError> {
        self.try_matches_event_observed(event, &mut NoObserver)
    }

    /// [`Trigger::try_matches`], telling `observer` each condition evaluated (with the value
    /// it read) and each group's result, in evaluation order. The same evaluation: with
    /// [`NoObserver`] this is `try_matches`.
    pub fn try_matches_observed<O: Observer>(
        &self,
        event: &Value,
        observer: &mut O,
    ) -> Result<bool, FqlError> {
        self.try_matches_event_observed(Some(event), observer)
    }

    /// [`Trigger::try_matches_event`], observed.
    pub fn try_matches_event_observed<O: Observer>(
        &self,
        event: Option<&Value>,
        observer: &mut O,
    ) -> Result<bool, FqlError> {
        match (&self.root, event) {
            (Root::Null, _) => Err(FqlError::type_error(
                "Cannot read properties of null (reading 'error')",
            )),
            (Root::Error(..), _) | (_, None) => Ok(false),
            (Root::Group(g), Some(event)) => eval_group(g, event, observer),
        }
    }
}

/// What an observed evaluation ([`Trigger::try_matches_observed`]) reports. Every method
/// defaults to doing nothing; short-circuiting is the reference's, so a condition after the
/// one that decided an `and`/`or` is never reported.
pub trait Observer {
    /// A group starts being evaluated.
    fn enter_group(&mut self, _group: &Group) {}
    /// The group entered last ends with `result`.
    fn leave_group(&mut self, _group: &Group, _result: bool) {}
    /// A condition read `actual` (`None`: `undefined`) and gave `result`.
    fn condition(&mut self, _condition: &Condition, _actual: Option<&Value>, _result: bool) {}
}

/// The observer of plain evaluation: reports nothing, compiles away.
pub struct NoObserver;

impl Observer for NoObserver {}

impl Trigger {
    /// The event paths evaluation reads, as object keys from the event's root (a
    /// condition on `properties.a.b` reads `properties`, `a`, `b`). Two events that agree
    /// on these paths — the same value at each, or none, and only objects on the way —
    /// evaluate the same. `None` when the tree is not a list of conditions and groups (an
    /// error tree, odd nodes) or a path throws: then anything may be read.
    pub fn read_paths(&self) -> Option<Vec<Vec<Box<str>>>> {
        let Root::Group(g) = &self.root else {
            return None;
        };
        let mut out = Vec::new();
        collect_paths(g, &mut out)?;
        Some(out)
    }
}

fn collect_paths(g: &Group, out: &mut Vec<Vec<Box<str>>>) -> Option<()> {
    let Children::List(children) = &g.children else {
        return None;
    };
    for child in children {
        match child {
            Node::Group(g) => collect_paths(g, out)?,
            Node::Condition(c) => {
                let (root, path) = match c.kind {
                    ConditionKind::EventType => ("type", None),
                    ConditionKind::Event => ("event", None),
                    ConditionKind::Name => ("name", None),
                    ConditionKind::UserId => ("userId", None),
                    ConditionKind::Property => ("properties", Some(&c.path)),
                    ConditionKind::Trait => ("traits", Some(&c.path)),
                    ConditionKind::Context => ("context", Some(&c.path)),
                    // Evaluates to false without reading anything.
                    ConditionKind::Unknown => continue,
                };
                let mut keys: Vec<Box<str>> = vec![Box::from(root)];
                match path {
                    None | Some(Path::Undefined) => {}
                    Some(Path::Segments(segs)) => keys.extend(segs.iter().cloned()),
                    Some(Path::Throws(_)) => return None,
                }
                out.push(keys);
            }
            Node::Undefined | Node::Null | Node::Other(_) => return None,
        }
    }
    Some(())
}

fn eval_group<O: Observer>(g: &Group, data: &Value, obs: &mut O) -> Result<bool, FqlError> {
    obs.enter_group(g);
    let result = eval_group_children(g, data, obs)?;
    obs.leave_group(g, result);
    Ok(result)
}

fn eval_group_children<O: Observer>(
    g: &Group,
    data: &Value,
    obs: &mut O,
) -> Result<bool, FqlError> {
    let method = match g.operator() {
        Some("and") => "every",
        Some("or") => "some",
        _ => return Ok(false),
    };
    let children = match &g.children {
        Children::List(c) => c,
        Children::Undefined => return Err(read_error("undefined", method)),
        Children::Null => return Err(read_error("null", method)),
        Children::NotArray => {
            return Err(FqlError::type_error(format!(
                "condition.children.{method} is not a function"
            )))
        }
    };
    if method == "every" {
        for c in children {
            if !eval_node(c, data, obs)? {
                return Ok(false);
            }
        }
        Ok(true)
    } else {
        for c in children {
            if eval_node(c, data, obs)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn read_error(what: &str, key: &str) -> FqlError {
    FqlError::type_error(format!(
        "Cannot read properties of {what} (reading '{key}')"
    ))
}

fn eval_node<O: Observer>(n: &Node, data: &Value, obs: &mut O) -> Result<bool, FqlError> {
    match n {
        Node::Group(g) => eval_group(g, data, obs),
        Node::Condition(c) => eval_condition(c, data, obs),
        Node::Undefined => Err(read_error("undefined", "type")),
        Node::Null => Err(read_error("null", "type")),
        Node::Other(_) => Ok(false),
    }
}

/// A value `validate` reads from the event: `None` is `undefined`.
type Actual<'a> = Option<Cow<'a, Value>>;

/// `data[key]` for the event itself.
fn field<'a>(data: &'a Value, key: &str) -> Result<Actual<'a>, FqlError> {
    match data {
        Value::Null => Err(read_error("null", key)),
        other => property(Cow::Borrowed(other), key),
    }
}

/// `value[key]`: JS property access, through the prototype chain.
fn property<'a>(value: Cow<'a, Value>, key: &str) -> Result<Actual<'a>, FqlError> {
    let found = match value {
        Cow::Borrowed(v) => usermaven_json::js::get(v, key),
        Cow::Owned(v) => {
            usermaven_json::js::get(&v, key).map(|r| r.map(|c| Cow::Owned(c.into_owned())))
        }
    };
    found.map_err(|e| FqlError::type_error(e.message))
}

/// `get(object, path)` of `get.ts`.
fn get<'a>(object: Actual<'a>, path: &Path) -> Result<Actual<'a>, FqlError> {
    match path {
        Path::Undefined => Ok(None),
        Path::Throws(e) => Err(e.clone()),
        Path::Segments(segs) => {
            let mut cur = object;
            for key in segs.iter() {
                match cur {
                    Some(v) if v.is_truthy() => cur = property(v, key)?,
                    _ => break,
                }
            }
            Ok(cur)
        }
    }
}

fn eval_condition<O: Observer>(c: &Condition, data: &Value, obs: &mut O) -> Result<bool, FqlError> {
    let actual = match c.kind {
        ConditionKind::EventType => field(data, "type")?,
        ConditionKind::Event => field(data, "event")?,
        ConditionKind::Name => field(data, "name")?,
        ConditionKind::UserId => field(data, "userId")?,
        ConditionKind::Property => get(field(data, "properties")?, &c.path)?,
        ConditionKind::Trait => get(field(data, "traits")?, &c.path)?,
        ConditionKind::Context => get(field(data, "context")?, &c.path)?,
        ConditionKind::Unknown => {
            obs.condition(c, None, false);
            return Ok(false);
        }
    };
    let result = validate_value(actual.as_deref(), c);
    obs.condition(c, actual.as_deref(), result);
    Ok(result)
}

/// `validateValue`.
fn validate_value(actual: Option<&Value>, c: &Condition) -> bool {
    let num = |f: fn(f64, f64) -> bool| match actual {
        Some(Value::Number(n)) => f(*n, c.expected_num),
        _ => false,
    };
    let as_str = || actual.and_then(Value::as_str).map(ActualStr::Utf8);
    let text = |op: StrOp, negate: bool| match as_str() {
        Some(s) => str_op(s, op, &c.expected) != negate,
        None => false,
    };
    match c.op {
        Op::Eq => text(StrOp::Eq, false),
        Op::Ne => match as_str() {
            Some(s) => !str_op(s, StrOp::Eq, &c.expected),
            None => true,
        },
        Op::NumberEq => num(|a, b| a == b),
        Op::NumberNe => num(|a, b| a != b),
        Op::Lt => num(|a, b| a < b),
        Op::Le => num(|a, b| a <= b),
        Op::Gt => num(|a, b| a > b),
        Op::Ge => num(|a, b| a >= b),
        Op::Contains => text(StrOp::Includes, false),
        Op::NotContains => text(StrOp::Includes, true),
        Op::StartsWith => text(StrOp::StartsWith, false),
        Op::NotStartsWith => text(StrOp::StartsWith, true),
        Op::EndsWith => text(StrOp::EndsWith, false),
        Op::NotEndsWith => text(StrOp::EndsWith, true),
        Op::Exists => !matches!(actual, None | Some(Value::Null)),
        Op::NotExists => matches!(actual, None | Some(Value::Null)),
        Op::IsTrue => matches!(actual, Some(Value::Bool(true))),
        Op::IsFalse => matches!(actual, Some(Value::Bool(false))),
        Op::Other => false,
    }
}

/// `validate(tree, event)` for a tree in the reference's JSON shape; `None` is an
/// `undefined` event (never matches). Errors are what the reference throws.
pub fn try_validate(event: Option<&Value>, tree: &Value) -> Result<bool, FqlError> {
    let trigger = Trigger::from_value(tree);
    match event {
        None => match trigger.root {
            Root::Null => trigger.try_matches(&Value::Null),
            _ => Ok(false),
        },
        Some(e) => trigger.try_matches(e),
    }
}

/// `validate(tree, event)` for a JSON tree; a throwing evaluation counts as no match.
pub fn validate(event: &Value, tree: &Value) -> bool {
    try_validate(Some(event), tree).unwrap_or(false)
}
