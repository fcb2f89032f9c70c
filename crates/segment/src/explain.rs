//! For the page's detail view: every subscription of the destination against one message as
//! the destination saw it — its trigger, whether it matched and, when it did not, which parts
//! of the trigger failed.
//!
//! "Which part failed" comes from the trigger's top-level conditions: each is evaluated on its
//! own (`usermaven-fql` has no evaluation trace). For an `and` the failing conditions are
//! listed; for an `or` every alternative failed, so all are. A nested group is one part.
//!
//! Each entry's `explanation` is the destination's own explanation of the subscription
//! ([`Destination::explain_subscription`], the general path traced, as `usermaven-actions
//! explain` prints it with `--format json`). It is computed lazily, only when the detail view
//! asks for the message, so routing pays nothing for it. It runs with its own
//! [`FixedEnv`] (now = the message's `receivedAt`, seed 0), so it never draws from the run's
//! id stream and never touches what the sender delivers. With `dev --now` (a fixed clock) the
//! explained values equal the delivered body; with the system clock the destination ran a few
//! microseconds after `receivedAt`, and a generated `anonymous_id` (a message with neither id)
//! is drawn from the explanation's own stream, so that one value differs from the delivered one.

use serde::Serialize;
use usermaven_destination::{Destination, FixedEnv, Subscription};
use usermaven_fql::{Node, Trigger};
use usermaven_json::{Object, Value};

/// One subscription against one message.
#[derive(Debug, Serialize)]
pub struct SubscriptionCheck {
    pub name: String,
    pub action: String,
    pub enabled: bool,
    /// The trigger as configured (FQL).
    pub trigger: String,
    /// Whether it matched (`false` for a disabled subscription or an invalid trigger).
    pub matched: bool,
    /// The trigger's top-level parts that failed (FQL text), when it did not match.
    pub failed: Vec<String>,
    /// Why there is no part list: an invalid trigger, an evaluation error, a disabled
    /// subscription, or a part that cannot be printed.
    pub note: Option<String>,
    /// The destination's explanation of the subscription on this message (`docs/explain.md`).
    pub explanation: Option<serde_json::Value>,
}

/// Checks every subscription of `destination` on `seen` (the message's JSON text), and
/// explains each with the destination's clock at `now`.
pub fn check_all(
    destination: &Destination,
    seen: &str,
    now: jiff::Timestamp,
) -> Vec<SubscriptionCheck> {
    let event = Value::parse(seen).ok();
    destination
        .subscriptions()
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut out = check(s, event.as_ref());
            out.explanation = event.as_ref().and_then(|e| {
                let mut env = FixedEnv::new(now, 0);
                let explained = destination.explain_subscription(index, e, &mut env)?;
                serde_json::from_str(&explained.to_value().to_json()).ok()
            });
            out
        })
        .collect()
}

fn check(sub: &Subscription, event: Option<&Value>) -> SubscriptionCheck {
    let mut out = SubscriptionCheck {
        name: sub.name.clone(),
        action: sub.action_name.clone(),
        enabled: sub.enabled,
        trigger: sub.trigger.source().to_string(),
        matched: false,
        failed: Vec::new(),
        note: None,
        explanation: None,
    };
    let Some(event) = event else {
        out.note = Some("the message is not JSON".into());
        return out;
    };
    if !sub.enabled {
        out.note = Some("the subscription is disabled".into());
        return out;
    }
    if let Some(e) = sub.trigger.error() {
        out.note = Some(e.to_string());
        return out;
    }
    match sub.trigger.try_matches(event) {
        Ok(true) => out.matched = true,
        Err(e) => out.note = Some(format!("evaluating the trigger throws {e}")),
        Ok(false) => match sub.trigger.fql() {
            Some(t) => out.failed = failed_parts(t, event),
            None => out.note = Some("the trigger did not parse".into()),
        },
    }
    out
}

/// The top-level parts of `trigger` that are false on `event`, as FQL.
fn failed_parts(trigger: &Trigger, event: &Value) -> Vec<String> {
    let Some(root) = trigger.root() else {
        return Vec::new();
    };
    let operator = root.operator().unwrap_or("and").to_string();
    root.children()
        .iter()
        .filter_map(|node| {
            let alone = single(node, &operator);
            match alone.try_matches(event) {
                Ok(true) => None,
                _ => Some(
                    alone
                        .generate()
                        .unwrap_or_else(|_| node.to_value().to_json()),
                ),
            }
        })
        .collect()
}

/// A trigger of one part.
fn single(node: &Node, operator: &str) -> Trigger {
    let mut group = Object::new();
    group.set("type", Value::str("group"));
    group.set("operator", Value::str(operator));
    group.set("children", Value::Array(vec![node.to_value()]));
    Trigger::from_value(&Value::Object(group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use usermaven_destination::{ActionKind, Options, Settings};

    #[test]
    fn a_failing_and_names_its_failing_condition() {
        let sub = Subscription::new(
            "Big orders",
            ActionKind::Track,
            r#"type = "track" and event = "Order Completed""#,
            &Value::parse("{}").unwrap(),
        );
        let dest =
            Destination::with_subscriptions(Settings::new("k", "t"), Options::default(), vec![sub]);
        let checks = check_all(&dest, r#"{"type":"track","event":"Signed Up"}"#, now());
        assert!(!checks[0].matched);
        assert_eq!(checks[0].failed, [r#"event = "Order Completed""#]);
        let checks = check_all(
            &dest,
            r#"{"type":"track","event":"Order Completed"}"#,
            now(),
        );
        assert!(checks[0].matched);
        assert!(checks[0].failed.is_empty());
        let explained = checks[0].explanation.as_ref().expect("an explanation");
        assert_eq!(explained["matched"], serde_json::json!(true));
        // The subscription's mapping is empty: the explanation names the missing field.
        assert_eq!(
            explained["error"]["field"],
            serde_json::json!("event"),
            "{explained}"
        );
        assert_eq!(
            checks[0].explanation.as_ref().unwrap()["trigger"]["fql"],
            serde_json::json!(r#"type = "track" and event = "Order Completed""#)
        );
    }

    fn now() -> jiff::Timestamp {
        "2026-01-02T03:04:05Z".parse().unwrap()
    }
}
