//! The destination (index.ts): settings, subscriptions (presets or user-built), routing.

use std::sync::Arc;

use usermaven_json::extract::Extract;
use usermaven_json::Value;

use crate::explain::{NoTrace, Tracer};
use crate::fused::Fused;
use crate::pipeline::{audience_membership, CompiledMapping};
use crate::{perform, ActionError, ActionKind, CountingEnv, Env, Options, Request, Settings};

/// A subscription's trigger (its FQL `subscribe` text), parsed once; evaluated per event.
///
/// Mirrors Segment's subscription handling: an empty trigger is "Failed to validate
/// subscription", one that does not parse is `"Invalid subscription : <parse error>"`; both
/// never match. An evaluation that throws in the reference is an error for that event.
#[derive(Clone, Debug)]
pub struct SubscriptionTrigger {
    source: String,
    parsed: Result<usermaven_fql::Trigger, String>,
}

impl SubscriptionTrigger {
    pub fn parse(fql: &str) -> SubscriptionTrigger {
        let parsed = if fql.is_empty() {
            Err("Failed to validate subscription".to_string())
        } else {
            usermaven_fql::parse(fql).map_err(|e| format!("Invalid subscription : {}", e.message))
        };
        SubscriptionTrigger {
            source: fql.to_string(),
            parsed,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Why the trigger is invalid, in Segment's words.
    pub fn error(&self) -> Option<&str> {
        self.parsed.as_ref().err().map(String::as_str)
    }

    /// The parsed condition tree, when valid.
    pub fn fql(&self) -> Option<&usermaven_fql::Trigger> {
        self.parsed.as_ref().ok()
    }

    pub fn matches(&self, event: &Value) -> bool {
        matches!(self.try_matches(event), Ok(true))
    }

    /// `validate(ast, event)`, with what the reference throws as an error.
    pub fn try_matches(&self, event: &Value) -> Result<bool, ActionError> {
        self.try_matches_observed(event, &mut usermaven_fql::NoObserver)
    }

    /// [`SubscriptionTrigger::try_matches`], observed ([`usermaven_fql::Observer`]).
    pub fn try_matches_observed<O: usermaven_fql::Observer>(
        &self,
        event: &Value,
        observer: &mut O,
    ) -> Result<bool, ActionError> {
        match &self.parsed {
            Ok(t) => t
                .try_matches_observed(event, observer)
                .map_err(|e| ActionError::new(&e.name, e.message)),
            Err(_) => Ok(false),
        }
    }
}

/// One subscription: a trigger, an action and a mapping (compiled once).
#[derive(Clone, Debug)]
pub struct Subscription {
    pub name: String,
    /// `partnerAction` as given.
    pub action_name: String,
    /// `None` when `partnerAction` names no action of this destination: Segment then runs
    /// nothing for the subscription (and `config check` reports it).
    pub action: Option<ActionKind>,
    pub trigger: SubscriptionTrigger,
    pub enabled: bool,
    mapping: Result<Arc<CompiledMapping>, ActionError>,
}

/// What `executeAction` does with a name that is not one of the destination's actions:
/// nothing (an `UnknownAction` note: no request is made), except that it looks the name up on
/// a plain object (`this.actions[name]`), so a member of `Object.prototype` (`constructor`,
/// `toString`, `__proto__`, …) is found and calling its `execute` is a `TypeError`.
pub fn unknown_action(name: &str) -> ActionError {
    if usermaven_json::js::is_object_member(name) {
        ActionError::new("TypeError", "action.execute is not a function")
    } else {
        let mut quoted = String::new();
        usermaven_json::write_js_string(&mut quoted, name);
        ActionError::new(
            "UnknownAction",
            format!("the destination has no action {quoted}: executeAction sends nothing"),
        )
    }
}

impl Subscription {
    /// A user-built subscription. An invalid mapping is kept: every event routed to it gets
    /// the reference's error, as Segment would report it per event.
    pub fn new(name: &str, action: ActionKind, subscribe: &str, mapping: &Value) -> Subscription {
        Subscription::for_action_name(name, action.name(), subscribe, mapping)
    }

    /// A subscription whose `partnerAction` may name no action.
    pub fn for_action_name(
        name: &str,
        action: &str,
        subscribe: &str,
        mapping: &Value,
    ) -> Subscription {
        Subscription {
            name: name.to_string(),
            action_name: action.to_string(),
            action: ActionKind::from_name(action),
            trigger: SubscriptionTrigger::parse(subscribe),
            enabled: true,
            mapping: CompiledMapping::compile(mapping).map(Arc::new),
        }
    }

    /// The mapping's validation error, if it is invalid.
    pub fn mapping_error(&self) -> Option<&ActionError> {
        self.mapping.as_ref().err()
    }

    /// The mapping as configured (for a preset, the action's default mapping), when valid.
    pub fn mapping_source(&self) -> Option<&Value> {
        self.mapping.as_ref().ok().map(|m| m.source())
    }

    pub(crate) fn compiled(&self) -> &Result<Arc<CompiledMapping>, ActionError> {
        &self.mapping
    }

    /// The preset of an action: its default mapping and `type = "…"` trigger.
    pub fn preset(kind: ActionKind) -> Subscription {
        let a = kind.action();
        Subscription {
            name: a.preset_name.clone(),
            action_name: kind.name().to_string(),
            action: Some(kind),
            trigger: SubscriptionTrigger::parse(&a.preset_subscribe),
            enabled: true,
            mapping: Ok(Arc::new(a.compiled_default.clone())),
        }
    }
}

/// What one subscription produced for one event.
#[derive(Clone, Debug)]
pub struct Routed {
    /// Index of the subscription in the destination's list.
    pub index: usize,
    pub subscription: String,
    /// `partnerAction` as configured.
    pub action_name: String,
    /// `None` when `partnerAction` names no action: nothing is sent and `result` is an
    /// `UnknownAction` error.
    pub action: Option<ActionKind>,
    pub result: Result<Request, ActionError>,
    /// Whether the body holds a generated `user.anonymous_id` (random unless the seed is fixed).
    pub generated_id: bool,
    /// Whether the fused fast path produced the result (the general path gives the same).
    pub fused: bool,
}

/// A configured destination: settings, options and subscriptions, all prepared once.
#[derive(Clone, Debug)]
pub struct Destination {
    settings: Settings,
    options: Options,
    target: perform::Target,
    subscriptions: Vec<Subscription>,
    fused: Option<Fused>,
}

impl Destination {
    /// The destination with its four presets (Track Event, Identify User, Group, Page).
    pub fn new(settings: Settings, options: Options) -> Destination {
        let subscriptions = ActionKind::PRESET_ORDER
            .into_iter()
            .map(Subscription::preset)
            .collect();
        Destination::with_subscriptions(settings, options, subscriptions)
    }

    /// The destination with user-built subscriptions instead of the presets.
    pub fn with_subscriptions(
        settings: Settings,
        options: Options,
        subscriptions: Vec<Subscription>,
    ) -> Destination {
        let target = perform::Target::new(&settings, &options);
        let fused = if options.fused {
            let plans: Vec<_> = subscriptions
                .iter()
                .map(|s| {
                    let plain = s.mapping.as_ref().ok().and_then(|m| m.plain());
                    let trigger = if s.enabled { Some(&s.trigger) } else { None };
                    (trigger, s.action, plain)
                })
                .collect();
            Fused::plan(&plans)
        } else {
            None
        };
        Destination {
            settings,
            options,
            target,
            subscriptions,
            fused,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subscriptions
    }

    /// Run every enabled subscription whose trigger matches, in order. An empty result means
    /// the event matched nothing (alias, screen…), which is not an error.
    pub fn route(&self, event: &Value, env: &mut dyn Env) -> Vec<Routed> {
        let Ok(routed) = self.route_all(&mut ParsedEvent(event), env);
        routed
    }

    /// [`Destination::route`] for an event given as JSON text: the same results, but a
    /// subscription with a fused plan goes from the text straight to the body when the event
    /// lets it (the fused fast path, described in full in `fused.rs`), and the text is parsed
    /// only when some subscription needs the value.
    pub fn route_text(
        &self,
        text: &str,
        env: &mut dyn Env,
    ) -> Result<Vec<Routed>, usermaven_json::ParseError> {
        let scanned = self.fused.as_ref().and_then(|f| Some((f, f.scan(text)?)));
        // Text the scan cannot read is parsed at once, so a syntax error fails the event
        // before any subscription runs.
        let parsed = match scanned {
            Some(_) => None,
            None => Some(Value::parse(text)?),
        };
        self.route_all(
            &mut TextEvent {
                text,
                scanned,
                parsed,
            },
            env,
        )
    }

    fn route_all<E: EventSource>(
        &self,
        event: &mut E,
        env: &mut dyn Env,
    ) -> Result<Vec<Routed>, E::Error> {
        let mut out = Vec::new();
        for (index, sub) in self.subscriptions.iter().enumerate() {
            if let Some(r) = self.route_sub(index, sub, event, env)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// One subscription on one event, the step `route` and `route_text` share: skip it when
    /// disabled; let the fused path answer when it can tell; otherwise match the trigger and
    /// run the action on the parsed event. `None`: the subscription does not apply.
    fn route_sub<E: EventSource>(
        &self,
        index: usize,
        sub: &Subscription,
        event: &mut E,
        env: &mut dyn Env,
    ) -> Result<Option<Routed>, E::Error> {
        if !sub.enabled {
            return Ok(None);
        }
        let mut counting = CountingEnv::new(env);
        let (result, fused) = match self.fused_result(index, event, &mut counting) {
            Some(None) => return Ok(None),
            Some(Some(result)) => (result, true),
            None => match self.general_result(sub, event.value()?, &mut counting, &mut NoTrace) {
                None => return Ok(None),
                Some(result) => (result, false),
            },
        };
        Ok(Some(self.routed(
            index,
            sub,
            result,
            counting.generated(),
            fused,
        )))
    }

    /// The fused path's answer for subscription `index`: `Some(None)` when its trigger does
    /// not match, `Some(Some(result))` when it produced the request; `None` when it cannot
    /// tell (no plan, not scanned, a guard failed), before any side effect.
    fn fused_result<E: EventSource>(
        &self,
        index: usize,
        event: &E,
        env: &mut dyn Env,
    ) -> Option<Option<Result<Request, ActionError>>> {
        let (fused, ex) = event.scanned()?;
        let plan = fused.sub(index)?;
        if !fused.matches(plan, ex)? {
            return Some(None);
        }
        let body = fused.body(plan, ex, &self.settings, &self.options, env)?;
        Some(Some(body.map(|b| perform::request(b, &self.target))))
    }

    /// The general path: the trigger, then the action on the parsed event. `None` when the
    /// trigger does not match.
    /// With a [`Tracer`] other than [`NoTrace`], each step reports to it (`explain`).
    pub(crate) fn general_result<T: Tracer>(
        &self,
        sub: &Subscription,
        event: &Value,
        env: &mut dyn Env,
        tracer: &mut T,
    ) -> Option<Result<Request, ActionError>> {
        match sub.trigger.try_matches_observed(event, tracer.fql()) {
            Ok(false) => None,
            Err(e) => Some(Err(e)),
            Ok(true) => Some(match (&sub.mapping, sub.action) {
                (_, None) => Err(unknown_action(&sub.action_name)),
                (Ok(m), Some(kind)) => self.execute_compiled(kind, m, event, env, tracer),
                (Err(e), _) => Err(e.clone()),
            }),
        }
    }

    pub(crate) fn routed(
        &self,
        index: usize,
        sub: &Subscription,
        result: Result<Request, ActionError>,
        generated_id: bool,
        fused: bool,
    ) -> Routed {
        // Segment marks validation errors of a subscription as 400s.
        let result = result.map_err(|mut e| {
            if e.name == "AggregateAjvError" || e.name == "ValidationError" {
                e.status = Some(400);
            }
            e
        });
        Routed {
            index,
            subscription: sub.name.clone(),
            action_name: sub.action_name.clone(),
            action: sub.action,
            result,
            generated_id,
            fused,
        }
    }

    /// Run one action on one event. `mapping: None` uses the action's default mapping; a
    /// given mapping replaces the defaults, as a user-built mapping does.
    pub fn execute(
        &self,
        kind: ActionKind,
        mapping: Option<&Value>,
        event: &Value,
        env: &mut dyn Env,
    ) -> Result<Request, ActionError> {
        match mapping {
            None => self.execute_compiled(
                kind,
                &kind.action().compiled_default,
                event,
                env,
                &mut NoTrace,
            ),
            Some(m) => {
                let compiled = CompiledMapping::compile(m)?;
                self.execute_compiled(kind, &compiled, event, env, &mut NoTrace)
            }
        }
    }

    pub(crate) fn execute_compiled<T: Tracer>(
        &self,
        kind: ActionKind,
        mapping: &CompiledMapping,
        event: &Value,
        env: &mut dyn Env,
        tracer: &mut T,
    ) -> Result<Request, ActionError> {
        let payload = mapping.transform_observed(event, env.now(), tracer.mapping())?;
        tracer.transformed(payload.as_ref());
        let payload = kind.action().schema.process_traced(payload, tracer)?;
        tracer.validated(&payload);
        audience_membership(event)?;
        let payload = match payload {
            Value::Object(o) => o,
            _ => usermaven_json::Object::new(),
        };
        match tracer.perform() {
            None => perform::perform(
                kind,
                payload,
                &self.settings,
                &self.target,
                &self.options,
                env,
            ),
            Some(trace) => perform::perform_traced(
                kind,
                payload,
                &self.settings,
                &self.target,
                &self.options,
                env,
                trace,
            ),
        }
    }
}

/// Where `route_all` reads the event from.
trait EventSource {
    type Error;
    /// The scan the fused path reads, when there is one.
    fn scanned(&self) -> Option<(&Fused, &Extract<'_>)>;
    /// The parsed event, parsed on first use.
    fn value(&mut self) -> Result<&Value, Self::Error>;
}

/// An event already parsed (`route`): nothing to scan, nothing can fail.
struct ParsedEvent<'e>(&'e Value);

impl EventSource for ParsedEvent<'_> {
    type Error = std::convert::Infallible;
    fn scanned(&self) -> Option<(&Fused, &Extract<'_>)> {
        None
    }
    fn value(&mut self) -> Result<&Value, Self::Error> {
        Ok(self.0)
    }
}

/// An event as JSON text (`route_text`): scanned once for the fused path, parsed when a
/// subscription needs the value.
struct TextEvent<'d, 't> {
    text: &'t str,
    scanned: Option<(&'d Fused, Extract<'t>)>,
    parsed: Option<Value>,
}

impl EventSource for TextEvent<'_, '_> {
    type Error = usermaven_json::ParseError;
    fn scanned(&self) -> Option<(&Fused, &Extract<'_>)> {
        self.scanned.as_ref().map(|(f, ex)| (*f, ex))
    }
    fn value(&mut self) -> Result<&Value, Self::Error> {
        let value = match self.parsed.take() {
            Some(v) => v,
            None => Value::parse(self.text)?,
        };
        Ok(self.parsed.insert(value))
    }
}
