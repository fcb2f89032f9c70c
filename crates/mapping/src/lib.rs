//! `usermaven-mapping`: Segment's mapping-kit (`packages/core/src/mapping-kit/`:
//! `index.ts`, `validate.ts`, `placeholders.ts`, `flatten.ts`, `value-keys.ts`,
//! `liquid-directive.ts`, plus `packages/core/src/get.ts`), compiled once and
//! evaluated against many events.
//!
//! [`Mapping::compile`] runs the reference's `validate()` (every problem, same wording)
//! and turns the mapping into a tree of directives; [`Mapping::transform`] is the
//! reference's `transform(mapping, event)` without any string dispatch or
//! re-validation; [`transform`] does both in one call, as the reference's one function does.
//! [`Mapping::plain`] lets a caller evaluate the commonest mappings itself. The reference's
//! helpers (`get`, `render`, `flattenObject`, `getFieldValueKeys`) are not exported: their
//! ports back the directives (`getFieldValueKeys` is kept only to be checked) and unit tests
//! compare them with the reference. JS `undefined` is `None`: keys that resolve to `undefined` are
//! removed, `null` is kept, and a top-level `undefined` makes the result `None`.
//!
//! **Invariants:** no I/O; the clock is never read (the `now` passed to
//! [`Mapping::transform`] stands in for it); bad mappings or events never panic.
//!
//! JavaScript's object semantics come from [`usermaven_json::js`]: lookups walk the
//! prototype chain (`$.constructor.name` is `"Object"`, `$.__proto__` is `{}`), objects are
//! copied by assignment where the reference assigns (`resolved[key] = …`, `Object.assign`,
//! `removeUndefined`), so an own `__proto__` key replaces the copy's prototype or vanishes,
//! `String(obj)` throws `TypeError: Cannot convert object to primitive value` for an object
//! whose `toString` is not a function, and strings spread and index by UTF-16 code units.
//!
//! Known deviations from the reference: `undefined` items of arrays become `null` in
//! the output (the reference keeps `undefined`, which JSON prints as `null`) and in the
//! payload that `@transform` builds; an object whose prototype was replaced drops entries
//! holding `undefined` (lookups read them as `undefined` either way); a built-in function
//! called as `toString`/`toJSON` on an object is modelled as `usermaven_json::js` says
//! (not for regular-expression keys, ICU locale methods, or array methods that change it).
//! `@liquid` runs on our own liquidjs-compatible engine ([`liquid`](crate::liquid) lists
//! what differs from liquidjs).

mod aggregate_message;
mod compile;
mod error;
mod eval;
mod flatten;
mod get;
pub(crate) mod liquid;
mod placeholders;
mod resolved;
mod validate;
#[cfg(test)]
mod value_keys;

use usermaven_json::{Str, Value};

pub use error::{MappingError, TransformError};
pub use eval::{NoObserver, Observer};

use compile::Node;

/// A mapping, validated and compiled. Cheap to share (`Send + Sync`); cloning copies
/// the compiled tree.
#[derive(Clone, Debug)]
pub struct Mapping {
    root: Node,
}

impl Mapping {
    /// Validates `mapping` as `transform()` does before it resolves anything
    /// (`getMappingToProcess` then `validate`) and compiles it.
    pub fn compile(mapping: &Value) -> Result<Mapping, MappingError> {
        let processed = compile::mapping_to_process(mapping)?;
        validate::validate(&processed, &[]).map_err(MappingError::from_verr)?;
        Ok(Mapping {
            root: compile::build(&processed),
        })
    }

    /// `transform(mapping, input)`: `Ok(None)` is JS `undefined`. `now` is used only
    /// where the reference reads the clock (liquid `date` of `"now"` / `"today"`).
    pub fn transform(
        &self,
        input: &Value,
        now: jiff::Timestamp,
    ) -> Result<Option<Value>, TransformError> {
        self.transform_observed(input, now, &NoObserver)
    }

    /// [`Mapping::transform`], telling `observer` what evaluation does as it goes (each key
    /// resolved, the branch each `@if` takes, what each `@template` and `@liquid` rendered).
    /// The same evaluation: with [`NoObserver`] this is `transform`.
    pub fn transform_observed<O: Observer>(
        &self,
        input: &Value,
        now: jiff::Timestamp,
        observer: &O,
    ) -> Result<Option<Value>, TransformError> {
        check_data(input)?;
        let cx = eval::Cx { now, obs: observer };
        eval::resolve_value(&self.root, Some(input), &cx)
    }

    /// The mapping as a [`Plain`] object of fields (in JS order), when it has that shape:
    /// an object whose values are `@path`s, `@if` with `exists` on a `@path`, or objects of
    /// those. The default mappings of every action have it. A caller that can look paths up
    /// cheaply may evaluate such a mapping itself (see [`Plain`] for the semantics it must
    /// keep); `None` for every other mapping.
    pub fn plain(&self) -> Option<Vec<(Str, Plain)>> {
        match &self.root {
            compile::Node::Obj(entries) => plain_entries(entries),
            _ => None,
        }
    }
}

/// A mapping of the shape [`Mapping::plain`] recognises. Evaluating it against an object
/// `event` as [`Mapping::transform`] does:
/// - `Path(keys)`: `keys` looked up object by object from the root. A missing key gives
///   `undefined` (no key is a member of `Object.prototype`). (When a value on the way is not an object the lookup follows JS rules
///   instead — strings and arrays have members, falsy values are returned as they are — so
///   a caller that only walks objects must not handle that case itself.)
/// - `IfExists`: `then` when the value at `cond` is neither `undefined` nor `null`, else
///   `otherwise`; a missing branch gives `undefined`.
/// - `Obj`: an object of the entries whose value is not `undefined`, in order.
#[derive(Clone, Debug)]
pub enum Plain {
    Path(Vec<Str>),
    IfExists {
        cond: Vec<Str>,
        then: Option<Box<Plain>>,
        otherwise: Option<Box<Plain>>,
    },
    Obj(Vec<(Str, Plain)>),
}

fn plain_entries(entries: &[(Str, compile::Node)]) -> Option<Vec<(Str, Plain)>> {
    entries
        .iter()
        .map(|(k, n)| {
            // Array-index keys would be re-ordered by the object built from them.
            if usermaven_json::is_array_index(k) {
                return None;
            }
            Some((k.clone(), plain_node(n)?))
        })
        .collect()
}

fn plain_path(node: &compile::Node) -> Option<Vec<Str>> {
    match node {
        compile::Node::Dir(d) => match &**d {
            // A key `Object.prototype` has (`constructor`, `__proto__`, …) is found on every
            // object, so a walk over own keys would answer differently.
            compile::Directive::Path(p)
                if p.key_names().len() > 0
                    && !p
                        .key_names()
                        .any(|k| usermaven_json::js::is_object_member(k)) =>
            {
                Some(p.key_names().cloned().collect())
            }
            _ => None,
        },
        _ => None,
    }
}

fn plain_node(node: &compile::Node) -> Option<Plain> {
    match node {
        compile::Node::Obj(entries) => Some(Plain::Obj(plain_entries(entries)?)),
        compile::Node::Dir(d) => match &**d {
            compile::Directive::Path(_) => Some(Plain::Path(plain_path(node)?)),
            compile::Directive::If {
                cond: compile::IfCond::Exists(c),
                then,
                otherwise,
            } => {
                let branch = |b: &Option<compile::Node>| -> Option<Option<Box<Plain>>> {
                    match b {
                        None | Some(compile::Node::Undef) => Some(None),
                        Some(n) => Some(Some(Box::new(plain_node(n)?))),
                    }
                };
                Some(Plain::IfExists {
                    cond: plain_path(c)?,
                    then: branch(then)?,
                    otherwise: branch(otherwise)?,
                })
            }
            _ => None,
        },
        _ => None,
    }
}

fn check_data(input: &Value) -> Result<(), TransformError> {
    if let Value::Object(_) = input {
        Ok(())
    } else {
        Err(TransformError::error(format!(
            "data must be an object, got {}",
            usermaven_json::js::real_type_of(input)
        )))
    }
}

/// The reference's `transform(mapping, input)` in one call, for a mapping used once (test
/// cases, conformance cases). It keeps the reference's order of checks: an input that is not
/// an object is reported before an invalid mapping, where [`Mapping::compile`] followed by
/// [`Mapping::transform`] reports the mapping first. A mapping used for many events is
/// compiled once with [`Mapping::compile`].
pub fn transform(
    mapping: &Value,
    input: &Value,
    now: jiff::Timestamp,
) -> Result<Option<Value>, TransformError> {
    check_data(input)?;
    Mapping::compile(mapping)?.transform(input, now)
}

#[cfg(test)]
mod helper_suites;
#[cfg(test)]
mod tests;
