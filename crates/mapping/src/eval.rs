//! Evaluation of a compiled mapping against one event: `resolve()` and the directive
//! functions of `packages/core/src/mapping-kit/index.ts`.

use usermaven_json::{Object, Str, Value};

use crate::compile::{ArrayRoot, CaseOp, Directive, IfCond, JsonMode, Node, Replacer};
use crate::error::TransformError;
use crate::flatten::flatten_js;
use crate::get::Path;
use crate::placeholders::Template;
use crate::resolved::{
    index_key, obj_set, object_with_proto, proto_assignment, string_entries, Resolved,
};

/// What evaluation needs besides the payload.
pub(crate) struct Cx<'o, O> {
    pub(crate) now: jiff::Timestamp,
    pub(crate) obs: &'o O,
}

/// What an observed transform ([`Mapping::transform_observed`](crate::Mapping::transform_observed))
/// reports, as evaluation goes: every method defaults to nothing, and with
/// [`NoObserver`] the evaluation is exactly the unobserved one. Methods take `&self` (an
/// observer that records keeps its record in a cell).
pub trait Observer {
    /// Whether the observer wants reports at all: `false` makes evaluation the unobserved
    /// code exactly (checked at compile time).
    const ACTIVE: bool = true;
    /// The value of `key` of an object of the mapping (at any depth) is about to be resolved.
    fn enter_key(&self, _key: &str) {}
    /// `key` resolved to `value` (`None`: `undefined`, so the key is left out). Not called
    /// when resolving threw: the error belongs to the keys entered and not left.
    fn leave_key(&self, _key: &str, _value: Option<&Value>) {}
    /// An `@if` found its condition `condition`; the branch it takes is missing (it gives
    /// `undefined`) when `branch_present` is false.
    fn if_branch(&self, _condition: bool, _branch_present: bool) {}
    /// `@template` or `@liquid` (named by `directive`) rendered `text`.
    fn rendered(&self, _directive: &'static str, _text: &str) {}
}

/// The observer of plain evaluation: reports nothing, compiles away.
pub struct NoObserver;

impl Observer for NoObserver {
    const ACTIVE: bool = false;
}

type ResolveResult<'a> = Result<Resolved<'a>, TransformError>;

pub(crate) fn resolve<'a, O: Observer>(
    node: &'a Node,
    payload: Option<&'a Value>,
    cx: &Cx<O>,
) -> ResolveResult<'a> {
    match node {
        Node::Undef => Ok(Resolved::Undef),
        Node::Raw(v) => Ok(Resolved::Ref(v)),
        Node::Obj(entries) => {
            // `resolved[key] = resolve(…)`: assignment, so `__proto__` sets the prototype.
            let mut out = Vec::with_capacity(entries.len());
            let mut proto = None;
            for (k, n) in entries {
                let v = resolve(n, payload, cx)?;
                if &**k == "__proto__" {
                    proto = proto_assignment(v);
                } else {
                    assignable(proto.as_ref(), k)?;
                    out.push((k.clone(), v));
                }
            }
            Ok(object_with_proto(out, proto))
        }
        Node::Arr(items) => {
            let mut out = Vec::with_capacity(items.len());
            for n in items {
                out.push(resolve(n, payload, cx)?);
            }
            Ok(Resolved::Arr(out))
        }
        Node::Dir(d) => run(d, payload, cx),
    }
}

/// `resolve(node, payload).into_transform_value()`, without building the intermediate [`Resolved`] tree
/// for the common shapes (objects of paths, `@if`, literals): the same values, errors
/// and evaluation order.
pub(crate) fn resolve_value<O: Observer>(
    node: &Node,
    payload: Option<&Value>,
    cx: &Cx<O>,
) -> Result<Option<Value>, TransformError> {
    match node {
        Node::Undef => Ok(None),
        Node::Raw(v) => Ok(Some(crate::resolved::remove_undefined(v))),
        Node::Obj(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            let mut proto = None;
            for (k, n) in entries {
                if &**k == "__proto__" {
                    // Assigned as a prototype, which `removeUndefined`'s copy then drops;
                    // its evaluation (and errors) remain, and what later keys inherit.
                    proto = proto_assignment(resolve(n, payload, cx)?);
                    continue;
                }
                if O::ACTIVE {
                    cx.obs.enter_key(k);
                }
                let v = resolve_value(n, payload, cx)?;
                assignable(proto.as_ref(), k)?;
                if O::ACTIVE {
                    cx.obs.leave_key(k, v.as_ref());
                }
                if let Some(v) = v {
                    out.push((k.clone(), v));
                }
            }
            Ok(Some(Value::Object(Object::from_unique_entries(out))))
        }
        Node::Dir(d) => match &**d {
            Directive::Path(p) => Ok(p.lookup(payload)?.into_transform_value()),
            Directive::Literal(n) => resolve_value(n, payload, cx),
            Directive::If {
                cond,
                then,
                otherwise,
            } => match if_branch(cond, then, otherwise, payload, cx)? {
                Some(branch) => resolve_value(branch, payload, cx),
                None => Ok(None),
            },
            _ => Ok(resolve(node, payload, cx)?.into_transform_value()),
        },
        Node::Arr(_) => Ok(resolve(node, payload, cx)?.into_transform_value()),
    }
}

/// `resolved[key] = …` after `resolved.__proto__ = proto`: JS throws when `key` is read-only
/// up the new prototype chain (a built-in function's `length`, …: see
/// [`usermaven_json::js::check_assignment`]).
/// The key is assigned once (a mapping's keys are unique), so it is never an own key yet.
fn assignable(proto: Option<&Value>, key: &str) -> Result<(), TransformError> {
    match proto {
        Some(p) => Ok(usermaven_json::js::check_assignment(p, key)?),
        None => Ok(()),
    }
}

/// Resolves `node` against a payload that is not borrowed for `'a` (an item of a
/// computed array, the output of `@transform`).
fn resolve_owned<'a, O: Observer>(
    node: &'a Node,
    payload: Resolved<'_>,
    cx: &Cx<O>,
) -> ResolveResult<'a> {
    match payload {
        Resolved::Undef => resolve(node, None, cx),
        Resolved::Ref(v) => Ok(resolve(node, Some(v), cx)?.into_owned()),
        other => {
            let owned = other.into_payload();
            Ok(resolve(node, owned.as_ref(), cx)?.into_owned())
        }
    }
}

/// The branch `@if` takes (`None`: the branch it takes is missing, giving `undefined`).
fn if_branch<'n, O: Observer>(
    cond: &IfCond,
    then: &'n Option<Node>,
    otherwise: &'n Option<Node>,
    payload: Option<&Value>,
    cx: &Cx<O>,
) -> Result<Option<&'n Node>, TransformError> {
    let condition = if_condition(cond, payload, cx)?;
    let branch = if condition {
        then.as_ref()
    } else {
        otherwise.as_ref()
    };
    cx.obs.if_branch(condition, branch.is_some());
    Ok(branch)
}

/// The condition of `@if`: `exists` is "neither undefined nor null"; `blank` also excludes
/// values loosely equal to `""`.
fn if_condition<'a, O: Observer>(
    cond: &'a IfCond,
    payload: Option<&'a Value>,
    cx: &Cx<O>,
) -> Result<bool, TransformError> {
    Ok(match cond {
        IfCond::Exists(n) => {
            let v = resolve(n, payload, cx)?;
            !v.is_undefined() && !v.is_null()
        }
        IfCond::Blank(n) => {
            let v = resolve(n, payload, cx)?;
            !v.is_undefined() && !v.is_null() && !loose_eq_empty_string(&v)?
        }
    })
}

fn string<'a>(s: String) -> Resolved<'a> {
    Resolved::Val(Value::from(s))
}

fn rendered<'a, O: Observer>(cx: &Cx<O>, directive: &'static str, text: String) -> Resolved<'a> {
    cx.obs.rendered(directive, &text);
    string(text)
}

fn expected_string(name: &str, v: &Resolved<'_>) -> TransformError {
    TransformError::error(format!("{name}: expected string, got {}", v.real_type()))
}

fn run<'a, O: Observer>(
    d: &'a Directive,
    payload: Option<&'a Value>,
    cx: &Cx<O>,
) -> ResolveResult<'a> {
    match d {
        Directive::Fail(e) => Err(e.clone()),
        Directive::Path(p) => Ok(p.lookup(payload)?),
        Directive::PathDyn(n) => {
            let v = resolve(n, payload, cx)?;
            match v.as_str() {
                Some(s) => Ok(Path::parse_mapping_path(s).lookup(payload)?),
                None => Err(expected_string("@path", &v)),
            }
        }
        Directive::Template(t) => Ok(rendered(cx, "@template", t.render(payload)?)),
        Directive::TemplateDyn(n) => {
            let v = resolve(n, payload, cx)?;
            match v.as_str() {
                Some(s) => Ok(rendered(
                    cx,
                    "@template",
                    Template::parse(s).render(payload)?,
                )),
                None => Err(expected_string("@template", &v)),
            }
        }
        Directive::Literal(n) => resolve(n, payload, cx),
        Directive::If {
            cond,
            then,
            otherwise,
        } => match if_branch(cond, then, otherwise, payload, cx)? {
            Some(branch) => resolve(branch, payload, cx),
            None => Ok(Resolved::Undef),
        },
        Directive::Case { value, op } => {
            let Some(n) = value else {
                return Ok(Resolved::Undef);
            };
            let v = resolve(n, payload, cx)?;
            match v.as_str() {
                Some(s) => match op {
                    CaseOp::Lower => Ok(string(s.to_lowercase())),
                    CaseOp::Upper => Ok(string(s.to_uppercase())),
                    CaseOp::Invalid => Err(TransformError::error(
                        "operator key should have a value of \"lower\" or \"upper\"",
                    )),
                },
                None => Ok(v),
            }
        }
        Directive::Replace(r) => {
            let Some(n) = &r.value else {
                return Ok(Resolved::Undef);
            };
            let v = resolve(n, payload, cx)?;
            let text = match v.value() {
                Some(Value::String(s)) => Some(s.to_string()),
                Some(b @ Value::Bool(_)) => Some(b.to_js_string()),
                Some(n @ Value::Number(_)) => Some(n.to_js_string()),
                _ => None,
            };
            match (text, &r.ops) {
                (Some(text), Some((first, second))) => {
                    let mut out = apply_replace(first, &text)?;
                    if let Some(second) = second {
                        out = apply_replace(second, &out)?;
                    }
                    Ok(string(out))
                }
                _ => Ok(string(String::new())),
            }
        }
        Directive::ArrayPath { root, shape } => {
            let root = match root {
                ArrayRoot::Path(p) => p.lookup(payload)?,
                ArrayRoot::Node(n) => resolve(n, payload, cx)?,
            };
            let Some(shape) = shape else { return Ok(root) };
            match root.real_type() {
                "array" => {
                    let items: Vec<Resolved<'a>> = match root {
                        Resolved::Ref(Value::Array(a)) => a.iter().map(Resolved::Ref).collect(),
                        Resolved::Val(Value::Array(a)) => {
                            a.into_iter().map(Resolved::Val).collect()
                        }
                        Resolved::Arr(a) => a,
                        _ => Vec::new(),
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(match item {
                            Resolved::Ref(v) => resolve(shape, Some(v), cx)?,
                            other => resolve_owned(shape, other, cx)?,
                        });
                    }
                    Ok(Resolved::Arr(out))
                }
                "object" => {
                    let one = match root {
                        Resolved::Ref(v) => resolve(shape, Some(v), cx)?,
                        other => resolve_owned(shape, other, cx)?,
                    };
                    Ok(Resolved::Arr(vec![one]))
                }
                _ => Ok(root),
            }
        }
        Directive::Flatten {
            separator,
            value,
            omit_arrays,
        } => {
            let sep = resolve(separator, payload, cx)?;
            let Some(sep) = sep.as_str() else {
                return Err(TransformError::error(
                    "@flatten requires a string separator",
                ));
            };
            let v = resolve(value, payload, cx)?;
            let mut out = Vec::new();
            flatten_js(&v, "", sep, *omit_arrays, &mut out);
            Ok(Resolved::Obj(out))
        }
        Directive::Json { value, mode } => {
            let v = resolve(value, payload, cx)?;
            match mode {
                JsonMode::Encode => Ok(match v.to_json() {
                    Some(s) => string(s),
                    None => Resolved::Undef,
                }),
                JsonMode::Decode => match v.as_str() {
                    Some(s) => match Value::parse(s) {
                        Ok(parsed) => Ok(Resolved::Val(parsed)),
                        Err(_) => Ok(v),
                    },
                    None => Ok(v),
                },
                JsonMode::Other => Ok(Resolved::Undef),
            }
        }
        Directive::Merge { direction, objects } => {
            let dir = resolve(direction, payload, cx)?;
            let nodes = objects.as_ref().map_err(Clone::clone)?;
            let mut resolved = Vec::with_capacity(nodes.len());
            for n in nodes {
                resolved.push(resolve(n, payload, cx)?);
            }
            if dir.as_str() == Some("left") {
                resolved.reverse();
            }
            let mut out: Vec<(Str, Resolved<'a>)> = Vec::new();
            let mut proto = None;
            for src in resolved {
                assign(&mut out, &mut proto, src);
            }
            Ok(object_with_proto(out, proto))
        }
        Directive::Transform { apply, mapping } => {
            let empty = Value::Object(Object::new());
            let data = payload.unwrap_or(&empty);
            if !matches!(data, Value::Object(_)) {
                return Err(TransformError::error(format!(
                    "data must be an object, got {}",
                    usermaven_json::js::real_type_of(data)
                )));
            }
            let apply = apply.as_ref().map_err(Clone::clone)?;
            let new_payload = resolve(apply, Some(data), cx)?.into_value();
            Ok(resolve(mapping, new_payload.as_ref(), cx)?.into_owned())
        }
        Directive::ExcludeWhenNull(n) => {
            let v = resolve(n, payload, cx)?;
            if v.is_null() {
                return Ok(Resolved::Undef);
            }
            Ok(clean_nulls(v))
        }
        Directive::Liquid(l) => Ok(rendered(cx, "@liquid", l.render(payload, cx.now)?)),
    }
}

/// `value == ''`: JS loose equality with the empty string (objects and arrays are converted
/// to a primitive first, which can throw).
fn loose_eq_empty_string(v: &Resolved<'_>) -> Result<bool, TransformError> {
    Ok(match v {
        Resolved::Undef => false,
        Resolved::Obj(_) | Resolved::Arr(_) => {
            let mut s = String::new();
            v.write_js_string(&mut s)?;
            s.is_empty()
        }
        Resolved::Ref(x) => value_loose_eq_empty(x)?,
        Resolved::Val(x) => value_loose_eq_empty(x)?,
    })
}

fn value_loose_eq_empty(v: &Value) -> Result<bool, TransformError> {
    Ok(match v {
        Value::Null => false,
        Value::Bool(b) => !*b,
        Value::Number(n) => *n == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Array(_) | Value::Object(_) | Value::Builtin(_) => {
            usermaven_json::js::to_string(v)?.is_empty()
        }
    })
}

fn apply_replace(r: &Replacer, text: &str) -> Result<String, TransformError> {
    let (re, replacement, global) = match r {
        Replacer::Fail(e) => return Err(e.clone()),
        Replacer::Ok {
            re,
            replacement,
            global,
        } => (re, replacement, *global),
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in re.find_iter(text) {
        out.push_str(&text[last..m.start()]);
        expand_replacement(replacement, text, m.start(), m.end(), &mut out);
        last = m.end();
        if !global {
            break;
        }
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// JS `GetSubstitution` for a pattern without capture groups.
fn expand_replacement(rep: &str, text: &str, start: usize, end: usize, out: &mut String) {
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                out.push('$');
                chars.next();
            }
            Some('&') => {
                out.push_str(&text[start..end]);
                chars.next();
            }
            Some('`') => {
                out.push_str(&text[..start]);
                chars.next();
            }
            Some('\'') => {
                out.push_str(&text[end..]);
                chars.next();
            }
            _ => out.push('$'),
        }
    }
}

/// `Object.assign(target, src)` for one source: its own enumerable properties assigned in
/// order (an own `__proto__` key replaces the target's prototype, see [`proto_assignment`]).
fn assign<'a>(out: &mut Vec<(Str, Resolved<'a>)>, proto: &mut Option<Value>, src: Resolved<'a>) {
    let mut set = |out: &mut Vec<(Str, Resolved<'a>)>, k: Str, v: Resolved<'a>| {
        if &*k == "__proto__" {
            if let Some(p) = proto_assignment(v) {
                *proto = Some(p);
            }
        } else {
            obj_set(out, k, v);
        }
    };
    match src {
        Resolved::Undef => {}
        Resolved::Obj(entries) => {
            for (k, v) in entries {
                set(out, k, v);
            }
        }
        Resolved::Arr(items) => {
            for (i, v) in items.into_iter().enumerate() {
                set(out, index_key(i), v);
            }
        }
        Resolved::Ref(v) => match v {
            Value::Object(o) => {
                for (k, v) in o.iter() {
                    set(out, k.clone(), Resolved::Ref(v));
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    set(out, index_key(i), Resolved::Ref(v));
                }
            }
            Value::String(s) => {
                for (k, v) in string_entries(s) {
                    set(out, k, Resolved::Val(v));
                }
            }
            _ => {}
        },
        Resolved::Val(v) => match v {
            Value::Object(o) => {
                for (k, v) in o {
                    set(out, k, Resolved::Val(v));
                }
            }
            Value::Array(a) => {
                for (i, v) in a.into_iter().enumerate() {
                    set(out, index_key(i), Resolved::Val(v));
                }
            }
            Value::String(s) => {
                for (k, v) in string_entries(&s) {
                    set(out, k, Resolved::Val(v));
                }
            }
            _ => {}
        },
    }
}

/// `cleanNulls`: a copy (`Object.assign`) of an object whose `null` entries become
/// `undefined` and whose object entries are cleaned too (recursively through objects, not
/// arrays). An own `__proto__` key is assigned: an object value becomes the (cleaned)
/// prototype, `null` a `null` prototype.
fn clean_nulls(v: Resolved<'_>) -> Resolved<'_> {
    if !v.is_object() {
        return v;
    }
    let (entries, mut proto): (Vec<(Str, Resolved<'_>)>, Option<Value>) = match v {
        Resolved::Obj(o) => (o, None),
        Resolved::Ref(Value::Object(o)) => split_proto(
            o.iter()
                .map(|(k, v)| (k.clone(), Resolved::Ref(v)))
                .collect(),
        ),
        Resolved::Val(Value::Object(o)) => {
            split_proto(o.into_iter().map(|(k, v)| (k, Resolved::Val(v))).collect())
        }
        other => return other,
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if &*k == "__proto__" {
            if v.is_object() {
                proto = clean_nulls(v).into_payload();
            }
        } else if v.is_null() {
            out.push((k, Resolved::Undef));
        } else if v.is_object() {
            out.push((k, clean_nulls(v)));
        } else {
            out.push((k, v));
        }
    }
    object_with_proto(out, proto)
}

/// The prototype `Object.assign({}, …)` gives for own entries that may hold `__proto__`.
fn split_proto(entries: Vec<(Str, Resolved<'_>)>) -> (Vec<(Str, Resolved<'_>)>, Option<Value>) {
    let proto = entries
        .iter()
        .find(|(k, _)| &**k == "__proto__")
        .and_then(|(_, v)| proto_assignment(v.clone()));
    (entries, proto)
}
