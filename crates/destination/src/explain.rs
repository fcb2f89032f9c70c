//! Why Usermaven gets each value: [`Destination::explain`] runs the general path (trigger,
//! mapping transform, removeEmptyValues, validation, perform) with a [`Tracer`] that records
//! what each step did, and reads the [`Explanation`] off that record. Nothing here decides
//! anything the pipeline decides: every value shown is one the pipeline produced.
//!
//! Plain routing runs the same code with [`NoTrace`], whose hooks are empty and compile away.
//! `perform` is traced on its executable specification (`perform/object_spec.rs`), which
//! gives the same bytes as the one-pass writer the hot path uses; the fused path is never
//! used to explain.

use std::cell::RefCell;

use usermaven_fql::{Decider, Decision};
use usermaven_json::{Object, Value};
use usermaven_schema::ValidationError;

use crate::perform::trace::{PerformTrace, Source};
use crate::{ActionError, ActionKind, CountingEnv, Destination, Env, Request, Subscription};

/// The hooks of the general path (`Destination::general_result`). Every hook but the two
/// observers defaults to nothing.
pub(crate) trait Tracer {
    type Fql: usermaven_fql::Observer;
    type Map: usermaven_mapping::Observer;
    fn fql(&mut self) -> &mut Self::Fql;
    fn mapping(&self) -> &Self::Map;
    /// The payload `transform` made (`None`: `undefined`).
    fn transformed(&mut self, _payload: Option<&Value>) {}
    /// The payload as removeEmptyValues left it.
    fn emptied(&mut self, _payload: Option<&Value>) {}
    /// Validation failed with `error`.
    fn invalid(&mut self, _error: &ValidationError) {}
    /// The payload after validation (coerced, unknown keys removed).
    fn validated(&mut self, _payload: &Value) {}
    /// Where perform records what it does; `None` runs the one-pass writer, unrecorded.
    fn perform(&mut self) -> Option<&mut PerformTrace> {
        None
    }
}

/// Plain routing: no record.
pub(crate) struct NoTrace;

impl usermaven_fql::Observer for NoTrace {}

impl Tracer for NoTrace {
    type Fql = NoTrace;
    type Map = usermaven_mapping::NoObserver;
    #[inline(always)]
    fn fql(&mut self) -> &mut NoTrace {
        self
    }
    #[inline(always)]
    fn mapping(&self) -> &usermaven_mapping::NoObserver {
        &usermaven_mapping::NoObserver
    }
}

/// What the mapping's evaluation reported, per top-level field.
#[derive(Default)]
struct MappingRecord {
    /// Keys entered and not yet left: the first is the top-level field.
    open: Vec<String>,
    /// Per top-level field: what `@if`, `@template` and `@liquid` did inside it.
    steps: Vec<(String, String)>,
}

#[derive(Default)]
struct MappingRecorder(RefCell<MappingRecord>);

impl MappingRecorder {
    fn note(&self, text: String) {
        let mut r = self.0.borrow_mut();
        let field = r.open.first().cloned().unwrap_or_default();
        let at = if r.open.len() > 1 {
            format!(" (at {})", r.open[1..].join("."))
        } else {
            String::new()
        };
        r.steps.push((field, format!("{text}{at}")));
    }
}

impl usermaven_mapping::Observer for MappingRecorder {
    fn enter_key(&self, key: &str) {
        self.0.borrow_mut().open.push(key.to_string());
    }
    fn leave_key(&self, _key: &str, _value: Option<&Value>) {
        self.0.borrow_mut().open.pop();
    }
    fn if_branch(&self, condition: bool, branch_present: bool) {
        let branch = if condition { "then" } else { "else" };
        let missing = if branch_present {
            ""
        } else {
            " (missing: undefined)"
        };
        self.note(format!(
            "@if: the condition is {condition}, so the {branch} branch{missing}"
        ));
    }
    fn rendered(&self, directive: &'static str, text: &str) {
        self.note(format!(
            "{directive} rendered {}",
            Value::str(text).to_json()
        ));
    }
}

/// The record of one subscription on one event.
#[derive(Default)]
struct Recorder {
    decision: Decision,
    mapping: MappingRecorder,
    transformed: Option<Option<Value>>,
    emptied: Option<Option<Value>>,
    invalid: Option<ValidationError>,
    validated: Option<Value>,
    perform: PerformTrace,
    performed: bool,
}

impl Tracer for Recorder {
    type Fql = Decision;
    type Map = MappingRecorder;
    fn fql(&mut self) -> &mut Decision {
        &mut self.decision
    }
    fn mapping(&self) -> &MappingRecorder {
        &self.mapping
    }
    fn transformed(&mut self, payload: Option<&Value>) {
        self.transformed = Some(payload.cloned());
    }
    fn emptied(&mut self, payload: Option<&Value>) {
        self.emptied = Some(payload.cloned());
    }
    fn invalid(&mut self, error: &ValidationError) {
        self.invalid = Some(error.clone());
    }
    fn validated(&mut self, payload: &Value) {
        self.validated = Some(payload.clone());
    }
    fn perform(&mut self) -> Option<&mut PerformTrace> {
        self.performed = true;
        Some(&mut self.perform)
    }
}

/// Why a subscription's trigger matched or not.
#[derive(Clone, Debug)]
pub struct TriggerExplanation {
    /// The trigger as configured.
    pub fql: String,
    /// The conditions that decided, with the values they read ([`Decision::decided_by`]).
    pub decided_by: Vec<Decider>,
    /// Why the trigger is invalid (it then never matches).
    pub invalid: Option<String>,
}

/// One step a field's value went through.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `mapping`, `removeEmptyValues`, `validation` or `perform`.
    pub stage: &'static str,
    /// What happened, in words.
    pub note: String,
    /// The value after the step (`None`: `undefined`, the field is gone).
    pub value: Option<Value>,
    /// Whether the step gives the field a value (an `@if` or a rendered template within
    /// the mapping only says what evaluation did on the way).
    pub gives_value: bool,
}

/// One action field: the mapping's directive and what became of its value.
#[derive(Clone, Debug)]
pub struct FieldExplanation {
    pub field: String,
    /// The directive as written in the mapping (`None`: the mapping does not name the field).
    pub directive: Option<Value>,
    /// The final value: what lands in the body, or the last value it had (`None`:
    /// `undefined`).
    pub value: Option<Value>,
    pub steps: Vec<Step>,
    /// Where the value is in the body (`None`: not in the body).
    pub body_pointer: Option<String>,
    /// Position of `body_pointer` in the body, depth first in key order.
    pub body_order: Option<usize>,
}

/// A value perform puts in the body by its own rule.
#[derive(Clone, Debug)]
pub struct Derived {
    pub body_pointer: String,
    pub rule: String,
    /// The value (a container perform assembles reads `{}`: its members are listed too).
    pub value: Value,
    pub body_order: Option<usize>,
}

/// An error, and the field it comes from when one does.
#[derive(Clone, Debug)]
pub struct ExplainedError {
    pub error: ActionError,
    /// The field whose value failed (validation, `url`, `timezone`, the key being mapped).
    pub field: Option<String>,
    /// The step that failed: `trigger`, `action` (no such action), `mapping`, `validation`,
    /// `audience`, `perform`.
    pub stage: &'static str,
}

/// One subscription on one event, explained.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// Index of the subscription in the destination's list.
    pub index: usize,
    pub subscription: String,
    /// `partnerAction` as configured.
    pub action: String,
    pub enabled: bool,
    pub trigger: TriggerExplanation,
    /// Whether the subscription runs for the event (enabled and its trigger matched; a
    /// trigger that throws counts as matched: the event gets the error).
    pub matched: bool,
    pub fields: Vec<FieldExplanation>,
    pub derived: Vec<Derived>,
    /// The request, or the error (`None` when the subscription does not run).
    pub result: Option<Result<Request, ExplainedError>>,
    /// Whether the body holds a generated `user.anonymous_id`.
    pub generated_id: bool,
}

impl Destination {
    /// Every subscription on `event`, explained, in the destination's order (disabled ones
    /// and those whose trigger does not match included). `env` is used as [`route`] uses it,
    /// so with the same seed the requests are those `route` gives.
    ///
    /// [`route`]: Destination::route
    pub fn explain(&self, event: &Value, env: &mut dyn Env) -> Vec<Explanation> {
        (0..self.subscriptions().len())
            .filter_map(|i| self.explain_subscription(i, event, env))
            .collect()
    }

    /// Subscription `index` on `event`, explained (`None`: no such subscription).
    pub fn explain_subscription(
        &self,
        index: usize,
        event: &Value,
        env: &mut dyn Env,
    ) -> Option<Explanation> {
        let sub = self.subscriptions().get(index)?;
        let mut rec = Recorder::default();
        let mut counting = CountingEnv::new(env);
        let result = if sub.enabled {
            self.general_result(sub, event, &mut counting, &mut rec)
        } else {
            None
        };
        let generated_id = counting.generated();
        let result = result.map(|r| self.routed(index, sub, r, generated_id, false).result);
        Some(explanation(index, sub, rec, result, generated_id))
    }

    /// [`Destination::execute`] explained: one action on `event`, with its default mapping
    /// (`mapping: None`) or the given one, no trigger (`matched` is true, `trigger.fql`
    /// empty).
    pub fn explain_action(
        &self,
        kind: ActionKind,
        mapping: Option<&Value>,
        event: &Value,
        env: &mut dyn Env,
    ) -> Explanation {
        let mapping = mapping.unwrap_or(&kind.action().default_mapping);
        let mut sub = Subscription::new(kind.name(), kind, "", mapping);
        sub.enabled = true;
        let mut rec = Recorder::default();
        let mut counting = CountingEnv::new(env);
        let result = match sub.compiled() {
            Ok(m) => self.execute_compiled(kind, m, event, &mut counting, &mut rec),
            Err(e) => Err(e.clone()),
        };
        let generated_id = counting.generated();
        let mut x = explanation(0, &sub, rec, Some(result), generated_id);
        x.trigger.invalid = None;
        x
    }
}

fn explanation(
    index: usize,
    sub: &Subscription,
    rec: Recorder,
    result: Option<Result<Request, ActionError>>,
    generated_id: bool,
) -> Explanation {
    let trigger = TriggerExplanation {
        fql: sub.trigger.source().to_string(),
        decided_by: rec.decision.decided_by(),
        invalid: sub.trigger.error().map(str::to_string),
    };
    let fields = fields(sub.action, sub.mapping_source(), &rec);
    let derived = derived(&rec);
    let known_action = sub.action.is_some();
    let result = result.map(|r| r.map_err(|e| explained_error(e, known_action, &rec)));
    Explanation {
        index,
        subscription: sub.name.clone(),
        action: sub.action_name.clone(),
        enabled: sub.enabled,
        trigger,
        matched: result.is_some(),
        fields,
        derived,
        result,
        generated_id,
    }
}

/// The step that failed, read off how far the record goes.
fn explained_error(error: ActionError, known_action: bool, rec: &Recorder) -> ExplainedError {
    let (stage, field) = if rec.performed {
        ("perform", rec.perform.reading.clone())
    } else if rec.validated.is_some() {
        ("audience", None)
    } else if let Some(invalid) = &rec.invalid {
        ("validation", invalid.errors.iter().find_map(error_field))
    } else if rec.transformed.is_some() {
        ("validation", None)
    } else if !rec.decision.finished() {
        ("trigger", None)
    } else if !known_action {
        ("action", None)
    } else {
        ("mapping", rec.mapping.0.borrow().open.first().cloned())
    };
    ExplainedError {
        error,
        field,
        stage,
    }
}

/// The top-level field a validation error is about: the first token of its pointer, or the
/// field a root `required` error names.
fn error_field(e: &usermaven_schema::HumanError) -> Option<String> {
    if let Some(rest) = e.pointer.strip_prefix('/') {
        let token = rest.split('/').next().unwrap_or(rest);
        return Some(token.replace("~1", "/").replace("~0", "~"));
    }
    let (_, after) = e.message.split_once("missing the required field '")?;
    after.rsplit_once('\'').map(|(name, _)| name.to_string())
}

fn get<'v>(payload: Option<&'v Option<Value>>, field: &str) -> Option<&'v Value> {
    payload?.as_ref()?.get(field)
}

fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "undefined".to_string(), Value::to_json)
}

fn fields(
    kind: Option<ActionKind>,
    source: Option<&Value>,
    rec: &Recorder,
) -> Vec<FieldExplanation> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |k: &str| {
        if !names.iter().any(|n| n == k) {
            names.push(k.to_string());
        }
    };
    if let Some(Value::Object(o)) = source {
        o.iter().for_each(|(k, _)| add(k));
    }
    if let Some(Some(Value::Object(o))) = &rec.transformed {
        o.iter().for_each(|(k, _)| add(k));
    }
    if let Some(invalid) = &rec.invalid {
        invalid
            .errors
            .iter()
            .filter_map(error_field)
            .for_each(|f| add(&f));
    }
    let validated = rec.validated.clone().map(Some);
    names
        .into_iter()
        .map(|name| {
            let directive = source.and_then(|s| s.get(&name)).cloned();
            let mut steps = Vec::new();
            let mut value = None;
            let mapped = rec.transformed.is_some();
            for (field, note) in rec.mapping.0.borrow().steps.iter() {
                if *field == name {
                    steps.push(Step {
                        stage: "mapping",
                        note: note.clone(),
                        value: None,
                        gives_value: false,
                    });
                }
            }
            if mapped {
                value = get(rec.transformed.as_ref(), &name).cloned();
                let note = match &value {
                    Some(v) => format!("resolved to {}", v.to_json()),
                    None => "resolved to undefined: the field is left out".to_string(),
                };
                steps.push(Step {
                    stage: "mapping",
                    note,
                    value: value.clone(),
                    gives_value: true,
                });
            }
            if let Some(emptied) = &rec.emptied {
                let after = get(Some(emptied), &name).cloned();
                if after != value {
                    let note = match &after {
                        None => format!("removed {} (an empty value)", shown(value.as_ref())),
                        Some(v) => format!("emptied {} → {}", shown(value.as_ref()), v.to_json()),
                    };
                    steps.push(Step {
                        stage: "removeEmptyValues",
                        note,
                        value: after.clone(),
                        gives_value: true,
                    });
                    value = after;
                }
            }
            if let Some(invalid) = &rec.invalid {
                for e in invalid.errors.iter().filter(|e| error_field(e).as_deref() == Some(&name)) {
                    steps.push(Step {
                        stage: "validation",
                        note: format!("error: {}", e.message),
                        value: value.clone(),
                        gives_value: true,
                    });
                }
            }
            if validated.is_some() {
                let after = get(validated.as_ref(), &name).cloned();
                if after != value {
                    let declared = kind.is_some_and(|k| {
                        k.action().fields.iter().any(|f| f.name == name)
                    });
                    let note = match (&value, &after) {
                        (Some(_), None) if !declared => format!(
                            "dropped as additional: {} is not a field of the action",
                            Value::str(&name).to_json()
                        ),
                        (_, None) => "removed by validation".to_string(),
                        (Some(a), Some(b)) if kind_of(a) != kind_of(b) => {
                            format!("coerced {} → {}", a.to_json(), b.to_json())
                        }
                        (a, Some(b)) => format!("changed {} → {}", shown(a.as_ref()), b.to_json()),
                    };
                    steps.push(Step {
                        stage: "validation",
                        note,
                        value: after.clone(),
                        gives_value: true,
                    });
                    value = after;
                }
            }
            let mut body_pointer = None;
            let mut body_order = None;
            if rec.performed && value.is_some() {
                let mine = |p: &&crate::perform::trace::Placed| {
                    matches!(&p.source, Source::Field { name: n, .. } if *n == name)
                };
                let live = rec.perform.placed.iter().filter(mine).find(|p| p.gone.is_none());
                match live {
                    Some(p) => {
                        if let Source::Field { note: Some(note), .. } = &p.source {
                            steps.push(Step {
                                stage: "perform",
                                note: note.clone(),
                                value: Some(p.value.clone()),
                                gives_value: true,
                            });
                        }
                        value = Some(p.value.clone());
                        body_pointer = Some(p.pointer.clone());
                        body_order = p.order;
                    }
                    None => {
                        let why = rec
                            .perform
                            .placed
                            .iter()
                            .rev()
                            .filter(mine)
                            .find_map(|p| p.gone.clone());
                        steps.push(Step {
                            stage: "perform",
                            note: why.unwrap_or_else(|| "not in the body".to_string()),
                            value: None,
                            gives_value: true,
                        });
                    }
                }
            }
            FieldExplanation {
                field: name,
                directive,
                value,
                steps,
                body_pointer,
                body_order,
            }
        })
        .collect()
}

fn kind_of(v: &Value) -> &'static str {
    usermaven_json::js::real_type_of(v)
}

fn derived(rec: &Recorder) -> Vec<Derived> {
    rec.perform
        .placed
        .iter()
        .filter(|p| p.gone.is_none())
        .filter_map(|p| match &p.source {
            Source::Rule(rule) => Some(Derived {
                body_pointer: p.pointer.clone(),
                rule: rule.clone(),
                value: p.value.clone(),
                body_order: p.order,
            }),
            Source::Field { .. } => None,
        })
        .collect()
}

/// The body an explanation describes: its fields' and derived values placed at their
/// pointers in body order. Equal to the request's body when the explanation is right (the
/// check `explain`'s tests make over every committed case).
pub fn rebuild_body(fields: &[FieldExplanation], derived: &[Derived]) -> Option<String> {
    let mut placed: Vec<(usize, &str, &Value)> = Vec::new();
    for f in fields {
        if let (Some(p), Some(o), Some(v)) = (&f.body_pointer, f.body_order, &f.value) {
            placed.push((o, p, v));
        }
    }
    for d in derived {
        placed.push((d.body_order?, &d.body_pointer, &d.value));
    }
    placed.sort_by_key(|(o, _, _)| *o);
    let mut body = Object::new();
    for (_, pointer, value) in placed {
        set_at(&mut body, pointer, value.clone())?;
    }
    let mut text = String::new();
    Value::Object(body).write_json(&mut text);
    Some(text)
}

fn set_at(o: &mut Object, pointer: &str, value: Value) -> Option<()> {
    let tokens: Vec<String> = pointer
        .strip_prefix('/')?
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = tokens.split_last()?;
    let mut at = o;
    for t in parents {
        at = match at.get_mut(t)? {
            Value::Object(inner) => inner,
            _ => return None,
        };
    }
    at.set(last, value);
    Some(())
}

/// What put the value at a body pointer: an action field (through the mapping key of that
/// name) or one of perform's rules.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    Field(&'a FieldExplanation),
    Derived(&'a Derived),
}

fn at_or_under(pointer: &str, root: &str) -> bool {
    pointer == root
        || (pointer.starts_with(root) && pointer.as_bytes().get(root.len()) == Some(&b'/'))
}

impl Explanation {
    /// What produced the value at `pointer` in the body (or the value it is part of): the
    /// field or derived value placed at the longest pointer that holds it.
    pub fn origin(&self, pointer: &str) -> Option<Origin<'_>> {
        let fields = self.fields.iter().filter_map(|f| {
            let p = f.body_pointer.as_deref()?;
            at_or_under(pointer, p).then_some((p.len(), Origin::Field(f)))
        });
        let derived = self.derived.iter().filter_map(|d| {
            at_or_under(pointer, &d.body_pointer)
                .then_some((d.body_pointer.len(), Origin::Derived(d)))
        });
        fields
            .chain(derived)
            .max_by_key(|(len, _)| *len)
            .map(|(_, o)| o)
    }

    /// The action field `name`, as explained.
    pub fn field(&self, name: &str) -> Option<&FieldExplanation> {
        self.fields.iter().find(|f| f.field == name)
    }

    /// The explanation as JSON, in the shape `usermaven-actions explain --format json`
    /// prints (`line` is added there): `subscription`, `action`, `matched`,
    /// `trigger: {fql, decided_by}`, `fields: [{field, directive, value, steps,
    /// body_pointer}]`, `derived: [{body_pointer, rule, value}]`, then `request` or `error`.
    /// A value that is `undefined` is `null` with `"defined": false` beside it.
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.set("subscription", Value::from(self.subscription.as_str()));
        o.set("action", Value::from(self.action.as_str()));
        o.set("enabled", Value::from(self.enabled));
        o.set("matched", Value::from(self.matched));
        let mut t = Object::new();
        t.set("fql", Value::from(self.trigger.fql.as_str()));
        let decided: Vec<Value> = self
            .trigger
            .decided_by
            .iter()
            .map(|d| {
                let mut x = Object::new();
                x.set("condition", Value::from(d.fql.as_str()));
                x.set("result", Value::from(d.result));
                set_maybe(&mut x, "actual", d.actual.as_ref());
                Value::Object(x)
            })
            .collect();
        t.set("decided_by", Value::Array(decided));
        if let Some(invalid) = &self.trigger.invalid {
            t.set("invalid", Value::from(invalid.as_str()));
        }
        o.set("trigger", Value::Object(t));
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut x = Object::new();
                x.set("field", Value::from(f.field.as_str()));
                x.set("directive", f.directive.clone().unwrap_or(Value::Null));
                set_maybe(&mut x, "value", f.value.as_ref());
                let steps: Vec<Value> = f
                    .steps
                    .iter()
                    .map(|s| {
                        let mut y = Object::new();
                        y.set("stage", Value::from(s.stage));
                        y.set("note", Value::from(s.note.as_str()));
                        if s.gives_value {
                            set_maybe(&mut y, "value", s.value.as_ref());
                        }
                        Value::Object(y)
                    })
                    .collect();
                x.set("steps", Value::Array(steps));
                x.set("body_pointer", opt_str(f.body_pointer.as_deref()));
                x.set("body_order", opt_num(f.body_order));
                Value::Object(x)
            })
            .collect();
        o.set("fields", Value::Array(fields));
        let derived: Vec<Value> = self
            .derived
            .iter()
            .map(|d| {
                let mut x = Object::new();
                x.set("body_pointer", Value::from(d.body_pointer.as_str()));
                x.set("rule", Value::from(d.rule.as_str()));
                x.set("value", d.value.clone());
                x.set("body_order", opt_num(d.body_order));
                Value::Object(x)
            })
            .collect();
        o.set("derived", Value::Array(derived));
        match &self.result {
            None => {}
            Some(Ok(req)) => o.set("request", request_value(req)),
            Some(Err(e)) => {
                let mut x = Object::new();
                x.set("name", Value::from(e.error.name.as_str()));
                x.set("message", Value::from(e.error.message.as_str()));
                if let Some(status) = e.error.status {
                    x.set("status", Value::Number(f64::from(status)));
                }
                x.set("stage", Value::from(e.stage));
                x.set("field", opt_str(e.field.as_deref()));
                o.set("error", Value::Object(x));
            }
        }
        Value::Object(o)
    }
}

/// A request as JSON: the URL redacted, headers as an object, the body text as sent.
fn request_value(req: &Request) -> Value {
    let mut x = Object::new();
    x.set("url", Value::from(req.redacted_url()));
    x.set("method", Value::from(req.method));
    let mut h = Object::new();
    for (k, v) in &req.headers {
        h.set(k, Value::from(v.as_ref()));
    }
    x.set("headers", Value::Object(h));
    x.set("body", Value::from(req.body.as_str()));
    Value::Object(x)
}

fn set_maybe(o: &mut Object, key: &str, v: Option<&Value>) {
    o.set(key, v.cloned().unwrap_or(Value::Null));
    if v.is_none() {
        o.set("defined", Value::from(false));
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

fn opt_num(n: Option<usize>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(n as f64))
}
