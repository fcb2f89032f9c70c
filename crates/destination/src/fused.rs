//! The fused fast path of [`Destination::route_text`](crate::Destination::route_text): event
//! JSON text straight to the request body. This is the one full description of it; the crate
//! docs, ARCHITECTURE.md and README.md point here.
//!
//! **Why it is exact.** For a subscription whose mapping is *plain* ([`Plain`]: `@path`s,
//! `@if` with `exists`, objects of those — every preset's default mapping), the general
//! pipeline (parse into a [`Value`], transform, removeEmptyValues, validation with coercion,
//! audience membership, perform) does nothing for an ordinary event but copy values: each
//! field is looked up, already has its declared type, and is written to the body as
//! `JSON.stringify` prints it. This path does exactly that on the raw text, and declines
//! every event on which the general path would do anything else.
//!
//! **Planning** (once, in `Destination::with_subscriptions`, when `Options::fused` is on): a
//! subscription is planned when it is enabled, names an action, has a plain mapping that
//! produces every required field, and each mapped field's declaration (schema's typed
//! [`FieldDef`]) asks validation for a type check only (see [`ty_of`]). Its trigger must be
//! valid: `type = "…"` (every preset) is compared where the type lies in the text; any other
//! parsed trigger is evaluated by the FQL engine on a small event holding only the values it
//! reads (`usermaven_fql::Trigger::read_paths`), decoded from the text. Every path the plans
//! read, of every subscription, goes into one [`PathSet`], so one scan serves them all.
//!
//! **Per event**: one validating scan ([`Extract`]) of the text finds where those values are
//! (text the scan cannot read is parsed instead and takes the general path). Per planned
//! subscription: the trigger is told from the scan; each field is looked up and *guarded*
//! ([`guard`]): the fast path takes what the general path only keeps or drops —
//! - a value of the declared type ([`Ty`]: a string for a string field, an integer for an
//!   integer field, an object for an object field…) passes; when its text is canonical (what
//!   `JSON.stringify` would print) it is copied, otherwise (escapes such as `\"`, `\/` or
//!   `\u00e9`, numbers spelled `25.0` or `1e-07`, whitespace) it is decoded into a [`Value`]
//!   and written as the general path writes it;
//! - what removeEmptyValues removes is left out: `""` among the payload's own fields, `null`
//!   where the field does not allow it, and, inside an object the mapping builds, `null` and
//!   (for a non-string property) `""`; a `null` the field allows is kept;
//!
//! then the body writer of `perform` (the same code the general path uses) writes the body.
//!
//! **Declining.** On anything else — a value validation would coerce (a number in a string
//! field) or reject (a fraction or an infinity in an integer field), a required field missing
//! or removed, a value on the way that is not an object, a repeated key on a read path, an
//! escape in a key on a read path, a `__proto__` key in a decoded object, a `null` the
//! audience-membership step throws on ([`AUDIENCE_NULL_FAILURES`]), a trigger the scan cannot
//! tell — the path declines *before* any side effect (the id generator is untouched), and
//! that subscription takes the general path on the parsed event, which computes coercions and
//! errors as the reference does. `Routed::fused` says which path answered.
//!
//! **Checks.** `tests/it/fused.rs` holds both paths equal over every event fixture, the realistic
//! benchmark corpus (SDK captures, also respelled with other escapes, numbers and whitespace;
//! there the fast path must answer at least 95% of the results), generated events and many
//! trigger shapes; the conformance harness and the reference's route cases
//! (run through `route_text` by `usermaven-cases`) hold it to Segment's results.

use usermaven_json::extract::{Extract, Kind, PathSet, Raw};
use usermaven_json::{Object, Str, Value};
use usermaven_mapping::Plain;
use usermaven_schema::{FieldDef, FieldType};

use crate::perform::body_writer::{write_body, PayloadValue};
use crate::pipeline::AUDIENCE_NULL_FAILURES;
use crate::{ActionError, ActionKind, Env, FieldInfo, Options, Settings, SubscriptionTrigger};

/// The paths every fused subscription of a destination reads, gathered in one set so one
/// scan serves them all.
#[derive(Clone, Debug)]
pub(crate) struct Fused {
    paths: PathSet,
    type_node: u32,
    /// The nodes of [`AUDIENCE_NULL_FAILURES`]: a `null` there fails the event.
    audience: Vec<u32>,
    /// One entry per subscription, in order: its fused form, if it has one.
    subs: Vec<Option<FusedSub>>,
}

#[derive(Clone, Debug)]
pub(crate) struct FusedSub {
    trigger: FastTrigger,
    kind: ActionKind,
    fields: Vec<Field>,
}

#[derive(Clone, Debug)]
struct Field {
    name: Str,
    src: Src,
    ty: Ty,
    required: bool,
    /// The field's type allows `null` (kept by removeEmptyValues, passed by validation).
    allow_null: bool,
}

/// How the trigger is told from the text.
#[derive(Clone, Debug)]
enum FastTrigger {
    /// `type = "<this>"` (every preset): the event type compared where it lies.
    TypeIs(Str),
    /// Any other parsed trigger: evaluated by the FQL engine on a small event holding only
    /// the values it reads (`usermaven_fql::Trigger::read_paths`), decoded from the text.
    Fql {
        trigger: usermaven_fql::Trigger,
        /// Each path read, shortest first.
        paths: Vec<ReadPath>,
    },
}

/// A path a trigger reads: its keys and their nodes.
type ReadPath = (Box<[Box<str>]>, Box<[u32]>);

/// A plain mapping, with its paths resolved to nodes of the scan's [`PathSet`] (every
/// prefix of a path, so that each step can be checked to be an object).
#[derive(Clone, Debug)]
enum Src {
    Path(Box<[u32]>),
    IfExists {
        cond: Box<[u32]>,
        then: Option<Box<Src>>,
        otherwise: Option<Box<Src>>,
    },
    /// An object of scalar fields (a field of type object with declared properties).
    Obj(Vec<(Str, Src, Ty)>),
}

/// The field types the guards know, and what passes unchanged through removeEmptyValues
/// and ajv (`coerceTypes`, `removeAdditional`) for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    /// A non-empty string (`""` is removed at the root; other types are coerced).
    String,
    /// A number with no fraction (canonical text, so finite and not `-0`).
    Integer,
    /// A number (canonical text, so finite).
    Number,
    Boolean,
    /// An object, field declared without properties: nothing inside is looked at.
    Object,
}

/// The guard type of a declared field; `None` when its declaration asks validation for more
/// than a type check: a fused field may only be required, nullable, defaulted and (for an
/// object) have properties; a property (`nested`) only a type. Anything else (`multiple`,
/// `format`, `choices`, bounds, a conditional `required`…) changes what validation does.
fn ty_of(def: &FieldDef, nested: bool) -> Option<Ty> {
    let plain_check = !def.multiple
        && def.format.is_none()
        && def.choices.is_none()
        && !def.additional_properties
        && def.minimum.is_none()
        && def.maximum.is_none()
        && def.required_if.is_none();
    let nested_ok = !nested
        || (!def.required && !def.allow_null && def.default.is_none() && def.properties.is_none());
    if !plain_check || !nested_ok {
        return None;
    }
    match def.kind {
        FieldType::String => Some(Ty::String),
        FieldType::Integer => Some(Ty::Integer),
        FieldType::Number => Some(Ty::Number),
        FieldType::Boolean => Some(Ty::Boolean),
        FieldType::Object => Some(Ty::Object),
        FieldType::Text | FieldType::Password | FieldType::Datetime => None,
    }
}

/// What planning needs of one subscription: its trigger (`None`: disabled), action and
/// plain mapping.
pub(crate) type SubInput<'a> = (
    Option<&'a SubscriptionTrigger>,
    Option<ActionKind>,
    Option<Vec<(Str, Plain)>>,
);

impl Fused {
    /// Plans every subscription that can take the fast path; `None` when none can.
    pub(crate) fn plan(subs: &[SubInput<'_>]) -> Option<Fused> {
        let mut paths = PathSet::new();
        let mut planned = Vec::with_capacity(subs.len());
        for (trigger, kind, plain) in subs {
            let sub = match (trigger, kind, plain) {
                (Some(t), Some(kind), Some(plain)) => {
                    fast_trigger(&mut paths, t).and_then(|t| plan_sub(&mut paths, t, *kind, plain))
                }
                _ => None,
            };
            planned.push(sub);
        }
        if planned.iter().all(Option::is_none) {
            return None;
        }
        Some(Fused {
            type_node: paths.node(&["type"]),
            audience: AUDIENCE_NULL_FAILURES
                .iter()
                .map(|(path, _)| paths.node(path))
                .collect(),
            paths,
            subs: planned,
        })
    }

    /// Scans `text`; `None` when the fast path cannot read it (the caller parses it).
    pub(crate) fn scan<'t>(&self, text: &'t str) -> Option<Extract<'t>> {
        let ex = Extract::run(&self.paths, text)?;
        // mapping-kit's `transform` requires an object.
        (ex.get(PathSet::ROOT)?.kind == Kind::Object).then_some(ex)
    }

    pub(crate) fn sub(&self, index: usize) -> Option<&FusedSub> {
        self.subs.get(index)?.as_ref()
    }

    /// Whether the trigger matches: `None` when it cannot be told from the text (for
    /// `type = "…"`: the event type is missing or not a plain string; otherwise a value on
    /// the way to a path the trigger reads is not an object, or the evaluation throws).
    pub(crate) fn matches(&self, sub: &FusedSub, ex: &Extract<'_>) -> Option<bool> {
        match &sub.trigger {
            FastTrigger::TypeIs(x) => {
                let t = ex.get(self.type_node)?.plain_str()?;
                Some(t == &**x)
            }
            FastTrigger::Fql { trigger, paths } => {
                let mut event = Object::new();
                for (keys, nodes) in paths {
                    let Some(raw) = lookup_object_path(nodes, ex)? else {
                        continue;
                    };
                    insert_at(&mut event, keys, Value::parse(raw.text).ok()?);
                }
                trigger.try_matches(&Value::Object(event)).ok()
            }
        }
    }

    /// The request body for a matching event, or `None` when a guard fails (nothing has
    /// been done: the caller runs the general path). `env` is only used once the body is
    /// certain to be produced here.
    pub(crate) fn body(
        &self,
        sub: &FusedSub,
        ex: &Extract<'_>,
        settings: &Settings,
        options: &Options,
        env: &mut dyn Env,
    ) -> Option<Result<String, ActionError>> {
        // actions-core's audience-membership step fails the event: the general path says how.
        if self
            .audience
            .iter()
            .any(|&n| ex.get(n).is_some_and(|r| r.kind == Kind::Null))
        {
            return None;
        }
        // Evaluate and guard every field before writing anything: values that need decoding
        // (escapes, other spellings of numbers, whitespace) are parsed into `parsed` and the
        // objects the mapping builds go to `nested`; then the payload is assembled in field
        // order, borrowing from both.
        let mut nested: Vec<Vec<(&str, Raw<'_>)>> = Vec::new();
        let mut parsed: Vec<Value> = Vec::new();
        let mut decided: Vec<Decided<'_>> = Vec::with_capacity(sub.fields.len());
        for f in &sub.fields {
            let d = match &f.src {
                Src::Obj(entries) => obj_entries(entries, ex, &mut nested, &mut parsed)?,
                src => match eval(src, ex)? {
                    Got::Undef => Decided::Undef,
                    Got::Val(r, node) => match guard(r, node, f.ty, Place::Root(f.allow_null))? {
                        Take::Undef => Decided::Undef,
                        Take::Raw(r) => Decided::Raw(r),
                        Take::Entries(node) => Decided::Entries(node),
                        Take::Decode(r) => {
                            parsed.push(decode(r, f.ty)?);
                            Decided::Parsed(parsed.len() - 1)
                        }
                    },
                },
            };
            if f.required && matches!(d, Decided::Undef) {
                // Validation reports the missing field: the general path says how.
                return None;
            }
            decided.push(d);
        }
        let mut payload: Vec<(&str, PayloadValue<'_>)> = Vec::with_capacity(sub.fields.len());
        for (f, d) in sub.fields.iter().zip(decided) {
            let pv = match d {
                Decided::Undef => continue,
                Decided::Raw(r) => PayloadValue::Raw(r),
                Decided::Entries(node) => PayloadValue::Entries(ex, node),
                Decided::Parsed(i) => PayloadValue::Parsed(&parsed[i]),
                Decided::Obj(i) => PayloadValue::Obj(&nested[i]),
            };
            payload.push((&*f.name, pv));
        }
        Some(write_body(sub.kind, &payload, settings, options, env))
    }
}

enum Got<'t> {
    Undef,
    /// The value and the node it was found at.
    Val(Raw<'t>, u32),
}

/// Looks a plain mapping up: `None` when the fast path cannot tell the result.
fn eval<'t>(src: &Src, ex: &Extract<'t>) -> Option<Got<'t>> {
    match src {
        Src::Path(nodes) => lookup(nodes, ex),
        Src::IfExists {
            cond,
            then,
            otherwise,
        } => {
            let exists = match lookup(cond, ex)? {
                Got::Undef => false,
                Got::Val(r, _) => r.kind != Kind::Null,
            };
            match if exists { then } else { otherwise } {
                Some(b) => eval(b, ex),
                None => Some(Got::Undef),
            }
        }
        Src::Obj(_) => None,
    }
}

/// The value at a path, `Some(None)` when absent; `None` when a value on the way is not an
/// object.
fn lookup_object_path<'t>(nodes: &[u32], ex: &Extract<'t>) -> Option<Option<Raw<'t>>> {
    let (&last, steps) = nodes.split_last()?;
    for &n in steps {
        match ex.get(n) {
            None => return Some(None),
            Some(r) if r.kind == Kind::Object => {}
            Some(_) => return None,
        }
    }
    Some(ex.get(last))
}

/// Sets `value` at `keys` in `event`, creating objects on the way; nothing when a shorter
/// path already put a whole value on the way (it holds this one).
fn insert_at(event: &mut Object, keys: &[Box<str>], value: Value) {
    let Some((last, way)) = keys.split_last() else {
        return;
    };
    let mut cur = event;
    for k in way {
        if cur.get(k).is_none() {
            cur.set(k, Value::Object(Object::new()));
        }
        match cur.get_mut(k) {
            Some(Value::Object(o)) => cur = o,
            _ => return,
        }
    }
    if cur.get(last).is_none() {
        cur.set(last, value);
    }
}

fn lookup<'t>(nodes: &[u32], ex: &Extract<'t>) -> Option<Got<'t>> {
    let (&last, steps) = nodes.split_last()?;
    if ex.parents_are_objects() {
        return Some(ex.get(last).map_or(Got::Undef, |r| Got::Val(r, last)));
    }
    for &n in steps {
        match ex.get(n) {
            None => return Some(Got::Undef),
            Some(r) if r.kind == Kind::Object => {}
            // A string, array or falsy value on the way: JS rules the fast path leaves
            // to the general one.
            Some(_) => return None,
        }
    }
    Some(ex.get(last).map_or(Got::Undef, |r| Got::Val(r, last)))
}

/// What a field's payload holds, decided before anything is written.
enum Decided<'t> {
    /// Absent: `undefined`, or removed by removeEmptyValues.
    Undef,
    Raw(Raw<'t>),
    Entries(u32),
    /// An index into the decoded values.
    Parsed(usize),
    /// An index into the objects the mapping builds from canonical scalars.
    Obj(usize),
}

/// Where a value ends up in the payload: a field (with whether it allows `null`), or a
/// property of an object the mapping builds.
#[derive(Clone, Copy)]
enum Place {
    Root(bool),
    Nested,
}

/// What the general path does with a value it finds.
enum Take<'t> {
    /// removeEmptyValues removes it.
    Undef,
    /// Passes unchanged; its text is what `JSON.stringify` prints.
    Raw(Raw<'t>),
    /// A canonical object at a whole node (written from the node's entries).
    Entries(u32),
    /// Passes unchanged, but its text is spelled otherwise (escapes, another spelling of
    /// the number, whitespace): [`decode`] it.
    Decode(Raw<'t>),
}

/// What the general path does with `r` (found at `node`) as a value of type `ty` at
/// `place`; `None` when it does more than keep or drop it (coercion, a validation error).
///
/// removeEmptyValues drops `null` where the type does not allow it, `""` where it does not
/// allow strings, and every `""` among the payload's own keys; validation then only checks
/// the type of what is left.
fn guard(r: Raw<'_>, node: u32, ty: Ty, place: Place) -> Option<Take<'_>> {
    let keep = |canonical: bool| {
        Some(if canonical {
            Take::Raw(r)
        } else {
            Take::Decode(r)
        })
    };
    match (r.kind, ty) {
        (Kind::Null, _) => match place {
            Place::Root(true) => Some(Take::Raw(r)),
            _ => Some(Take::Undef),
        },
        (Kind::String, _) if r.text.len() == 2 => match (place, ty) {
            (Place::Nested, Ty::String) => Some(Take::Raw(r)),
            _ => Some(Take::Undef),
        },
        // A string field is also read as a string (a URL, a time zone): copied only when it
        // has no escape at all.
        (Kind::String, Ty::String) => keep(r.plain_str().is_some()),
        (Kind::Number, Ty::Integer) => keep(r.canonical && !r.text.contains('.')),
        (Kind::Number, Ty::Number) => keep(r.canonical),
        (Kind::True | Kind::False, Ty::Boolean) => Some(Take::Raw(r)),
        (Kind::Object, Ty::Object) if r.canonical => Some(Take::Entries(node)),
        (Kind::Object, Ty::Object) => Some(Take::Decode(r)),
        _ => None,
    }
}

/// The value the general path holds for `r`, a value [`guard`] found to pass with another
/// spelling; `None` when validation would not let it pass after all (a fraction or an
/// infinity for an integer, an infinity for a number) or when an object has a `__proto__`
/// key (the general path's copies treat it specially).
fn decode(r: Raw<'_>, ty: Ty) -> Option<Value> {
    let v = Value::parse(r.text).ok()?;
    let ok = match (&v, ty) {
        (Value::String(_), Ty::String) => true,
        (Value::Number(n), Ty::Number) => n.is_finite(),
        (Value::Number(n), Ty::Integer) => n.is_finite() && n.fract() == 0.0,
        (Value::Object(_), Ty::Object) => !has_proto_key(&v),
        _ => false,
    };
    ok.then_some(v)
}

fn has_proto_key(v: &Value) -> bool {
    match v {
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| &**k == "__proto__" || has_proto_key(v)),
        Value::Array(items) => items.iter().any(has_proto_key),
        _ => false,
    }
}

/// The object a plain mapping builds from scalar paths (`utm`, `screen`): its entries as
/// canonical text (into `nested`) or, when one of them is spelled otherwise, as a decoded
/// object (into `parsed`). `None` when a guard fails.
fn obj_entries<'p, 't>(
    entries: &'p [(Str, Src, Ty)],
    ex: &Extract<'t>,
    nested: &mut Vec<Vec<(&'p str, Raw<'t>)>>,
    parsed: &mut Vec<Value>,
) -> Option<Decided<'t>> {
    let mut obj: Vec<(&'p str, Raw<'t>)> = Vec::with_capacity(entries.len());
    let mut decoded: Option<Object> = None;
    for (k, src, ty) in entries {
        let Got::Val(r, node) = eval(src, ex)? else {
            continue;
        };
        match guard(r, node, *ty, Place::Nested)? {
            Take::Undef => {}
            Take::Raw(r) => match &mut decoded {
                Some(o) => o.set(k, Value::parse(r.text).ok()?),
                None => obj.push((&**k, r)),
            },
            Take::Decode(r) => {
                let o = decoded.get_or_insert_with(|| {
                    let mut o = Object::new();
                    for (k, r) in &obj {
                        o.set(k, Value::parse(r.text).unwrap_or_default());
                    }
                    o
                });
                o.set(k, decode(r, *ty)?);
            }
            Take::Entries(_) => return None,
        }
    }
    Some(match decoded {
        Some(o) => {
            parsed.push(Value::Object(o));
            Decided::Parsed(parsed.len() - 1)
        }
        None => {
            nested.push(obj);
            Decided::Obj(nested.len() - 1)
        }
    })
}

/// The `X` of a trigger `type = "X"` (exactly that text, `X` of lower-case letters and
/// underscores): the form of every preset's trigger.
fn type_trigger(fql: &str) -> Option<&str> {
    let x = fql.strip_prefix("type = \"")?.strip_suffix('"')?;
    (!x.is_empty() && x.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')).then_some(x)
}

/// How the fast path tells `trigger`; `None` when it cannot (not parsed, odd tree).
fn fast_trigger(paths: &mut PathSet, trigger: &SubscriptionTrigger) -> Option<FastTrigger> {
    if let Some(x) = type_trigger(trigger.source()) {
        return Some(FastTrigger::TypeIs(Str::from(x)));
    }
    let fql = trigger.fql()?;
    let mut read = fql.read_paths()?;
    // A key `Object.prototype` has is found on every object even when the text lacks it; the
    // small event would not have it.
    if read
        .iter()
        .flatten()
        .any(|k| usermaven_json::js::is_object_member(k))
    {
        return None;
    }
    read.sort_by_key(Vec::len);
    read.dedup();
    let paths = read
        .into_iter()
        .map(|keys| {
            let names: Vec<Str> = keys.iter().map(|k| Str::from(&**k)).collect();
            let nodes = path_nodes(paths, &names, false);
            (keys.into_boxed_slice(), nodes)
        })
        .collect();
    Some(FastTrigger::Fql {
        trigger: fql.clone(),
        paths,
    })
}

fn plan_sub(
    paths: &mut PathSet,
    trigger: FastTrigger,
    kind: ActionKind,
    plain: &[(Str, Plain)],
) -> Option<FusedSub> {
    let declared = &kind.action().fields;
    // A required field the mapping does not produce fails every event: the general path
    // reports it.
    if declared
        .iter()
        .filter(|f| f.def.required)
        .any(|f| !plain.iter().any(|(n, _)| **n == *f.name))
    {
        return None;
    }
    let mut fields = Vec::with_capacity(plain.len());
    for (name, p) in plain {
        let info: &FieldInfo = declared.iter().find(|f| f.name == **name)?;
        let def = &info.def;
        let ty = ty_of(def, false)?;
        let src = match (ty, &def.properties, p) {
            (Ty::Object, Some(props), Plain::Obj(entries)) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, inner) in entries {
                    let prop = props.iter().find(|(n, _)| n == &**k).map(|(_, d)| d)?;
                    let inner_ty = ty_of(prop, true)?;
                    if inner_ty == Ty::Object {
                        return None;
                    }
                    out.push((k.clone(), leaf(paths, inner, false)?, inner_ty));
                }
                Src::Obj(out)
            }
            (_, None, p) => leaf(paths, p, ty == Ty::Object)?,
            _ => return None,
        };
        fields.push(Field {
            name: name.clone(),
            src,
            ty,
            required: def.required,
            allow_null: def.allow_null,
        });
    }
    Some(FusedSub {
        trigger,
        kind,
        fields,
    })
}

/// A plain mapping of one value (no objects); `whole`: its paths' values are used whole.
fn leaf(paths: &mut PathSet, p: &Plain, whole: bool) -> Option<Src> {
    Some(match p {
        Plain::Path(keys) => Src::Path(path_nodes(paths, keys, whole)),
        Plain::IfExists {
            cond,
            then,
            otherwise,
        } => {
            let mut branch = |b: &Option<Box<Plain>>| -> Option<Option<Box<Src>>> {
                match b {
                    None => Some(None),
                    Some(b) => Some(Some(Box::new(leaf(paths, b, whole)?))),
                }
            };
            let then = branch(then)?;
            let otherwise = branch(otherwise)?;
            Src::IfExists {
                cond: path_nodes(paths, cond, false),
                then,
                otherwise,
            }
        }
        Plain::Obj(_) => return None,
    })
}

fn path_nodes(paths: &mut PathSet, keys: &[Str], whole: bool) -> Box<[u32]> {
    let keys: Vec<&str> = keys.iter().map(|k| &**k).collect();
    let nodes: Box<[u32]> = (1..=keys.len()).map(|i| paths.node(&keys[..i])).collect();
    if whole {
        if let Some(&last) = nodes.last() {
            paths.mark_whole(last);
        }
    }
    nodes
}
