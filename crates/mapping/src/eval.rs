//! Evaluation of a compiled mapping against one event: `resolve()` and the directive
//! functions of `packages/core/src/mapping-kit/index.ts`.

use usermaven_json::{Object, Str, Value};

use crate::compile::{ArrayRoot, CaseOp, Directive, IfCond, JsonMode, Node, Replacer};
use crate::error::TransformError;
use crate::flatten::flatten_js;
use crate::get::Path;
use crate::js::{index_key, obj_set, Js};
use crate::placeholders::Template;

/// What evaluation needs besides the payload.
pub(crate) struct Cx {
    pub(crate) now: jiff::Timestamp,
}

type R<'a> = Result<Js<'a>, TransformError>;

pub(crate) fn resolve<'a>(node: &'a Node, payload: Option<&'a Value>, cx: &Cx) -> R<'a> {
    match node {
        Node::Undef => Ok(Js::Undef),
        Node::Raw(v) => Ok(Js::Ref(v)),
        Node::Obj(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, n) in entries {
                out.push((k.clone(), resolve(n, payload, cx)?));
            }
            Ok(Js::Obj(out))
        }
        Node::Arr(items) => {
            let mut out = Vec::with_capacity(items.len());
            for n in items {
                out.push(resolve(n, payload, cx)?);
            }
            Ok(Js::Arr(out))
        }
        Node::Dir(d) => run(d, payload, cx),
    }
}

/// `resolve(node, payload).into_value()`, without building the intermediate [`Js`] tree
/// for the common shapes (objects of paths, `@if`, literals): the same values, errors
/// and evaluation order.
pub(crate) fn resolve_value(
    node: &Node,
    payload: Option<&Value>,
    cx: &Cx,
) -> Result<Option<Value>, TransformError> {
    match node {
        Node::Undef => Ok(None),
        Node::Raw(v) => Ok(Some(v.clone())),
        Node::Obj(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, n) in entries {
                if let Some(v) = resolve_value(n, payload, cx)? {
                    out.push((k.clone(), v));
                }
            }
            Ok(Some(Value::Object(Object::from_unique_entries(out))))
        }
        Node::Dir(d) => match &**d {
            Directive::Path(p) => Ok(p.lookup(payload).into_value()),
            Directive::Literal(n) => resolve_value(n, payload, cx),
            Directive::If {
                cond,
                then,
                otherwise,
            } => match if_branch(cond, then, otherwise, payload, cx)? {
                Some(branch) => resolve_value(branch, payload, cx),
                None => Ok(None),
            },
            _ => Ok(resolve(node, payload, cx)?.into_value()),
        },
        Node::Arr(_) => Ok(resolve(node, payload, cx)?.into_value()),
    }
}

/// Resolves `node` against a payload that is not borrowed for `'a` (an item of a
/// computed array, the output of `@transform`).
fn resolve_owned<'a>(node: &'a Node, payload: Js<'_>, cx: &Cx) -> R<'a> {
    match payload {
        Js::Undef => resolve(node, None, cx),
        Js::Ref(v) => Ok(resolve(node, Some(v), cx)?.into_owned()),
        other => {
            let owned = other.into_value();
            Ok(resolve(node, owned.as_ref(), cx)?.into_owned())
        }
    }
}

/// The branch `@if` takes (`None`: the branch it takes is missing, giving `undefined`).
fn if_branch<'n>(
    cond: &IfCond,
    then: &'n Option<Node>,
    otherwise: &'n Option<Node>,
    payload: Option<&Value>,
    cx: &Cx,
) -> Result<Option<&'n Node>, TransformError> {
    Ok(if if_condition(cond, payload, cx)? {
        then.as_ref()
    } else {
        otherwise.as_ref()
    })
}

/// The condition of `@if`: `exists` is "neither undefined nor null"; `blank` also excludes
/// values loosely equal to `""`.
fn if_condition<'a>(
    cond: &'a IfCond,
    payload: Option<&'a Value>,
    cx: &Cx,
) -> Result<bool, TransformError> {
    Ok(match cond {
        IfCond::Exists(n) => {
            let v = resolve(n, payload, cx)?;
            !v.is_undefined() && !v.is_null()
        }
        IfCond::Blank(n) => {
            let v = resolve(n, payload, cx)?;
            !v.is_undefined() && !v.is_null() && !loose_eq_empty_string(&v)
        }
    })
}

fn string<'a>(s: String) -> Js<'a> {
    Js::Val(Value::from(s))
}

fn expected_string(name: &str, v: &Js<'_>) -> TransformError {
    TransformError::error(format!("{name}: expected string, got {}", v.real_type()))
}

fn run<'a>(d: &'a Directive, payload: Option<&'a Value>, cx: &Cx) -> R<'a> {
    match d {
        Directive::Fail(e) => Err(e.clone()),
        Directive::Path(p) => Ok(p.lookup(payload)),
        Directive::PathDyn(n) => {
            let v = resolve(n, payload, cx)?;
            match v.as_str() {
                Some(s) => Ok(Path::parse_mapping_path(s).lookup(payload)),
                None => Err(expected_string("@path", &v)),
            }
        }
        Directive::Template(t) => Ok(string(t.render(payload))),
        Directive::TemplateDyn(n) => {
            let v = resolve(n, payload, cx)?;
            match v.as_str() {
                Some(s) => Ok(string(Template::parse(s).render(payload))),
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
            None => Ok(Js::Undef),
        },
        Directive::Case { value, op } => {
            let Some(n) = value else { return Ok(Js::Undef) };
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
                return Ok(Js::Undef);
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
                ArrayRoot::Path(p) => p.lookup(payload),
                ArrayRoot::Node(n) => resolve(n, payload, cx)?,
            };
            let Some(shape) = shape else { return Ok(root) };
            match root.real_type() {
                "array" => {
                    let items: Vec<Js<'a>> = match root {
                        Js::Ref(Value::Array(a)) => a.iter().map(Js::Ref).collect(),
                        Js::Val(Value::Array(a)) => a.into_iter().map(Js::Val).collect(),
                        Js::Arr(a) => a,
                        _ => Vec::new(),
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(match item {
                            Js::Ref(v) => resolve(shape, Some(v), cx)?,
                            other => resolve_owned(shape, other, cx)?,
                        });
                    }
                    Ok(Js::Arr(out))
                }
                "object" => {
                    let one = match root {
                        Js::Ref(v) => resolve(shape, Some(v), cx)?,
                        other => resolve_owned(shape, other, cx)?,
                    };
                    Ok(Js::Arr(vec![one]))
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
            Ok(Js::Obj(out))
        }
        Directive::Json { value, mode } => {
            let v = resolve(value, payload, cx)?;
            match mode {
                JsonMode::Encode => Ok(match v.to_json() {
                    Some(s) => string(s),
                    None => Js::Undef,
                }),
                JsonMode::Decode => match v.as_str() {
                    Some(s) => match Value::parse(s) {
                        Ok(parsed) => Ok(Js::Val(parsed)),
                        Err(_) => Ok(v),
                    },
                    None => Ok(v),
                },
                JsonMode::Other => Ok(Js::Undef),
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
            let mut out: Vec<(Str, Js<'a>)> = Vec::new();
            for src in resolved {
                assign(&mut out, src);
            }
            Ok(Js::Obj(out))
        }
        Directive::Transform { apply, mapping } => {
            let empty = Value::Object(Object::new());
            let data = payload.unwrap_or(&empty);
            if !matches!(data, Value::Object(_)) {
                return Err(TransformError::error(format!(
                    "data must be an object, got {}",
                    crate::js::real_type_of(data)
                )));
            }
            let apply = apply.as_ref().map_err(Clone::clone)?;
            let new_payload = resolve(apply, Some(data), cx)?.into_value();
            Ok(resolve(mapping, new_payload.as_ref(), cx)?.into_owned())
        }
        Directive::ExcludeWhenNull(n) => {
            let v = resolve(n, payload, cx)?;
            if v.is_null() {
                return Ok(Js::Undef);
            }
            Ok(clean_nulls(v))
        }
        Directive::Liquid(l) => Ok(string(l.render(payload, cx.now)?)),
    }
}

/// `value != ''` negated: JS loose equality with the empty string.
fn loose_eq_empty_string(v: &Js<'_>) -> bool {
    match v {
        Js::Undef => false,
        Js::Obj(_) => false,
        Js::Arr(_) => {
            let mut s = String::new();
            v.write_js_string(&mut s);
            s.is_empty()
        }
        Js::Ref(x) => value_loose_eq_empty(x),
        Js::Val(x) => value_loose_eq_empty(x),
    }
}

fn value_loose_eq_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Object(_) => false,
        Value::Bool(b) => !*b,
        Value::Number(n) => *n == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Array(_) => v.to_js_string().is_empty(),
    }
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

/// `Object.assign(target, src)` for one source.
fn assign<'a>(out: &mut Vec<(Str, Js<'a>)>, src: Js<'a>) {
    match src {
        Js::Undef => {}
        Js::Obj(entries) => {
            for (k, v) in entries {
                obj_set(out, k, v);
            }
        }
        Js::Arr(items) => {
            for (i, v) in items.into_iter().enumerate() {
                obj_set(out, index_key(i), v);
            }
        }
        Js::Ref(v) => match v {
            Value::Object(o) => {
                for (k, v) in o.iter() {
                    obj_set(out, k.clone(), Js::Ref(v));
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    obj_set(out, index_key(i), Js::Ref(v));
                }
            }
            Value::String(_) => assign_spread(out, v),
            _ => {}
        },
        Js::Val(v) => match v {
            Value::Object(o) => {
                for (k, v) in o {
                    obj_set(out, k, Js::Val(v));
                }
            }
            Value::Array(a) => {
                for (i, v) in a.into_iter().enumerate() {
                    obj_set(out, index_key(i), Js::Val(v));
                }
            }
            Value::String(_) => assign_spread(out, &v),
            _ => {}
        },
    }
}

fn assign_spread<'a>(out: &mut Vec<(Str, Js<'a>)>, v: &Value) {
    for (k, v) in crate::compile::spread(v) {
        obj_set(out, k, Js::Val(v));
    }
}

/// `cleanNulls`: `null` entries of an object (recursively through objects, not arrays)
/// become `undefined`.
fn clean_nulls(v: Js<'_>) -> Js<'_> {
    if !v.is_object() {
        return v;
    }
    let entries: Vec<(Str, Js<'_>)> = match v {
        Js::Obj(o) => o,
        Js::Ref(Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), Js::Ref(v))).collect(),
        Js::Val(Value::Object(o)) => o.into_iter().map(|(k, v)| (k, Js::Val(v))).collect(),
        other => return other,
    };
    Js::Obj(
        entries
            .into_iter()
            .map(|(k, v)| {
                if v.is_null() {
                    (k, Js::Undef)
                } else if v.is_object() {
                    (k, clean_nulls(v))
                } else {
                    (k, v)
                }
            })
            .collect(),
    )
}
