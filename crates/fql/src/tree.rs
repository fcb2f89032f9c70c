//! The condition tree of `destination-subscriptions` (`types.ts`): groups of conditions
//! with the reference's JSON shape, plus what evaluation needs precomputed (the
//! operator, `String(value)`, `Number(value)` and the split field path).
//!
//! A tree comes from [`crate::parse`] or from a JSON tree ([`Trigger::from_value`]).
//! JSON trees may be any shape: whatever the reference would do with an odd node
//! (ignore it, or throw when evaluated) is kept, so such nodes are stored, not rejected.

use std::sync::Arc;

use usermaven_json::{Object, Value};

use crate::convert::{value_to_number, value_to_string, JsText};
use crate::FqlError;

/// A parsed trigger (Segment stores it as a subscription's `subscribe`): the root group of
/// conditions.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub(crate) root: Root,
}

#[derive(Debug, Clone)]
pub(crate) enum Root {
    Group(Group),
    /// A JSON tree with a truthy `error` (what `parseFql` returns on failure).
    Error(FqlError, Value),
    /// A JSON `null` tree: every use throws reading `error`.
    Null,
}

/// A node of the tree.
#[derive(Debug, Clone)]
pub enum Node {
    Group(Group),
    Condition(Condition),
    /// JS `undefined`: the reference pushes it for an empty `()` group.
    Undefined,
    /// JSON `null` in a tree given as JSON.
    Null,
    /// A non-object in a tree given as JSON (it never matches).
    Other(Value),
}

/// A `group` node: `and`/`or` over its children.
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) operator: Option<Value>,
    pub(crate) children: Children,
    pub(crate) raw: Option<Value>,
}

#[derive(Debug, Clone)]
pub(crate) enum Children {
    List(Vec<Node>),
    Undefined,
    Null,
    /// Present but not an array.
    NotArray,
}

/// Which part of the event a condition looks at (`type` of a condition node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    /// `event-type`: `event.type`
    EventType,
    /// `event`: `event.event`
    Event,
    /// `name`: `event.name`
    Name,
    /// `userId`: `event.userId`
    UserId,
    /// `event-property`: a path inside `event.properties`
    Property,
    /// `event-trait`: a path inside `event.traits`
    Trait,
    /// `event-context`: a path inside `event.context`
    Context,
    /// Anything else (never matches; `generate` rejects it).
    Unknown,
}

impl ConditionKind {
    fn from_type(t: Option<&Value>) -> ConditionKind {
        match t.and_then(Value::as_str) {
            Some("event-type") => ConditionKind::EventType,
            Some("event") => ConditionKind::Event,
            Some("name") => ConditionKind::Name,
            Some("userId") => ConditionKind::UserId,
            Some("event-property") => ConditionKind::Property,
            Some("event-trait") => ConditionKind::Trait,
            Some("event-context") => ConditionKind::Context,
            _ => ConditionKind::Unknown,
        }
    }

    /// The `type` string of the reference.
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            ConditionKind::EventType => "event-type",
            ConditionKind::Event => "event",
            ConditionKind::Name => "name",
            ConditionKind::UserId => "userId",
            ConditionKind::Property => "event-property",
            ConditionKind::Trait => "event-trait",
            ConditionKind::Context => "event-context",
            ConditionKind::Unknown => return None,
        })
    }
}

/// The operators `validate.ts` knows; anything else never matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    NumberEq,
    Ne,
    NumberNe,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Exists,
    NotExists,
    IsTrue,
    IsFalse,
    Other,
}

impl Op {
    fn from_operator(op: Option<&Value>) -> Op {
        match op.and_then(Value::as_str) {
            Some("=") => Op::Eq,
            Some("number_equals") => Op::NumberEq,
            Some("!=") => Op::Ne,
            Some("number_not_equals") => Op::NumberNe,
            Some("<") => Op::Lt,
            Some("<=") => Op::Le,
            Some(">") => Op::Gt,
            Some(">=") => Op::Ge,
            Some("contains") => Op::Contains,
            Some("not_contains") => Op::NotContains,
            Some("starts_with") => Op::StartsWith,
            Some("not_starts_with") => Op::NotStartsWith,
            Some("ends_with") => Op::EndsWith,
            Some("not_ends_with") => Op::NotEndsWith,
            Some("exists") => Op::Exists,
            Some("not_exists") => Op::NotExists,
            Some("is_true") => Op::IsTrue,
            Some("is_false") => Op::IsFalse,
            _ => Op::Other,
        }
    }
}

/// How `get(obj, name)` walks: nowhere (falsy name), along segments, or it throws.
#[derive(Debug, Clone)]
pub(crate) enum Path {
    Undefined,
    Segments(Box<[Box<str>]>),
    Throws(FqlError),
}

impl Path {
    fn from_name(name: Option<&Value>) -> Path {
        let Some(name) = name else {
            return Path::Undefined;
        };
        if !name.is_truthy() {
            return Path::Undefined;
        }
        match name {
            Value::Array(items) => Path::Segments(
                items
                    .iter()
                    .map(|v| v.to_js_string().into_boxed_str())
                    .collect(),
            ),
            Value::String(s) => {
                let segs: Box<[Box<str>]> = s
                    .split(['[', '.', ']'])
                    .filter(|p| !p.is_empty())
                    .map(Box::from)
                    .collect();
                if segs.is_empty() {
                    // `path.match(...)` found nothing: `null.reduce(...)`.
                    Path::Throws(FqlError::type_error(
                        "Cannot read properties of null (reading 'reduce')",
                    ))
                } else {
                    Path::Segments(segs)
                }
            }
            _ => Path::Throws(FqlError::type_error("path.match is not a function")),
        }
    }
}

/// A leaf condition.
#[derive(Debug, Clone)]
pub struct Condition {
    pub(crate) kind: ConditionKind,
    pub(crate) type_value: Option<Value>,
    pub(crate) name: Option<Value>,
    pub(crate) operator: Option<Value>,
    pub(crate) value: Option<Value>,
    pub(crate) raw: Option<Value>,
    // Precomputed for evaluation.
    pub(crate) op: Op,
    /// `String(value)`.
    pub(crate) expected: JsText,
    /// `Number(value)`.
    pub(crate) expected_num: f64,
    pub(crate) path: Path,
}

impl Condition {
    /// Build a condition as `parse-fql` does (`value` given as JS text for `match`).
    pub(crate) fn parsed(
        type_str: &str,
        name: Option<String>,
        operator: &str,
        value: Option<Value>,
        value_text: Option<JsText>,
    ) -> Condition {
        let type_value = Some(Value::String(Arc::from(type_str)));
        let name = name.map(|n| Value::String(Arc::from(n)));
        let operator = Some(Value::String(Arc::from(operator)));
        let mut c = Condition::build(type_value, name, operator, value, None);
        if let Some(t) = value_text {
            c.expected = t;
        }
        c
    }

    fn build(
        type_value: Option<Value>,
        name: Option<Value>,
        operator: Option<Value>,
        value: Option<Value>,
        raw: Option<Value>,
    ) -> Condition {
        Condition {
            kind: ConditionKind::from_type(type_value.as_ref()),
            op: Op::from_operator(operator.as_ref()),
            expected: JsText::Utf8(value_to_string(value.as_ref()).into_boxed_str()),
            expected_num: value_to_number(value.as_ref()),
            path: Path::from_name(name.as_ref()),
            type_value,
            name,
            operator,
            value,
            raw,
        }
    }

    /// What the condition looks at.
    pub fn kind(&self) -> ConditionKind {
        self.kind
    }

    /// The field path (`name`) for property/trait/context conditions.
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(Value::as_str)
    }

    /// The operator string (`=`, `number_equals`, `contains`, `exists`, ...).
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_ref().and_then(Value::as_str)
    }

    /// The value compared against, if the condition has one.
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    fn to_value(&self) -> Value {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut o = Object::with_capacity(4);
        put(&mut o, "type", self.type_value.clone());
        put(&mut o, "name", self.name.clone());
        put(&mut o, "operator", self.operator.clone());
        put(&mut o, "value", self.value.clone());
        Value::Object(o)
    }
}

fn put(o: &mut Object, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(Arc::from(key), v);
    }
}

impl Group {
    pub(crate) fn parsed(operator: &str, children: Vec<Node>) -> Group {
        Group {
            operator: Some(Value::String(Arc::from(operator))),
            children: Children::List(children),
            raw: None,
        }
    }

    /// `and` or `or` (or whatever a JSON tree says).
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_ref().and_then(Value::as_str)
    }

    /// The children, when they are a list.
    pub fn children(&self) -> &[Node] {
        match &self.children {
            Children::List(c) => c,
            _ => &[],
        }
    }

    fn from_object(v: &Value) -> Group {
        let children = match v.get("children") {
            None => Children::Undefined,
            Some(Value::Null) => Children::Null,
            Some(Value::Array(items)) => {
                Children::List(items.iter().map(Node::from_value).collect())
            }
            Some(_) => Children::NotArray,
        };
        Group {
            operator: v.get("operator").cloned(),
            children,
            raw: Some(v.clone()),
        }
    }

    fn to_value(&self) -> Value {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut o = Object::with_capacity(3);
        o.insert(Arc::from("type"), Value::str("group"));
        put(&mut o, "operator", self.operator.clone());
        if let Children::List(children) = &self.children {
            o.insert(
                Arc::from("children"),
                Value::Array(children.iter().map(Node::to_value).collect()),
            );
        }
        Value::Object(o)
    }
}

impl Node {
    fn from_value(v: &Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Object(o) => {
                if o.get("type").and_then(Value::as_str) == Some("group") {
                    Node::Group(Group::from_object(v))
                } else {
                    Node::Condition(Condition::build(
                        o.get("type").cloned(),
                        o.get("name").cloned(),
                        o.get("operator").cloned(),
                        o.get("value").cloned(),
                        Some(v.clone()),
                    ))
                }
            }
            other => Node::Other(other.clone()),
        }
    }

    /// The reference's JSON shape (`undefined` children print as `null`, as
    /// `JSON.stringify` does).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Group(g) => g.to_value(),
            Node::Condition(c) => c.to_value(),
            Node::Undefined | Node::Null => Value::Null,
            Node::Other(v) => v.clone(),
        }
    }
}

impl Trigger {
    /// A trigger from a condition tree in the reference's JSON shape (what `parseFql`
    /// returns, including `{"error": …}`). Any shape is accepted; odd nodes behave as
    /// they do in the reference (ignored, or an error when evaluated).
    pub fn from_value(tree: &Value) -> Trigger {
        let root = match tree {
            Value::Null => Root::Null,
            Value::Object(o) if o.get("error").is_some_and(Value::is_truthy) => {
                let e = o.get("error").cloned().unwrap_or_default();
                Root::Error(FqlError::from_js_error(&e), tree.clone())
            }
            Value::Object(_) => Root::Group(Group::from_object(tree)),
            // A primitive root: no `error`, no `operator`, no `children`.
            other => Root::Group(Group {
                operator: None,
                children: Children::Undefined,
                raw: Some(other.clone()),
            }),
        };
        Trigger { root }
    }

    /// The tree in the reference's JSON shape (`parseFql`'s result).
    pub fn to_value(&self) -> Value {
        match &self.root {
            Root::Group(g) => g.to_value(),
            Root::Error(_, v) => v.clone(),
            Root::Null => Value::Null,
        }
    }

    /// The root group (`None` for a JSON tree that is `null` or an error).
    pub fn root(&self) -> Option<&Group> {
        match &self.root {
            Root::Group(g) => Some(g),
            _ => None,
        }
    }
}
