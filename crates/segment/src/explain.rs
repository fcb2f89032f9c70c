//! For the page's detail view: every subscription of the destination against one message as
//! the destination saw it — its trigger, whether it matched and, when it did not, which parts
//! of the trigger failed.
//!
//! "Which part failed" comes from the trigger's top-level conditions: each is evaluated on its
//! own (`usermaven-fql` has no evaluation trace). For an `and` the failing conditions are
//! listed; for an `or` every alternative failed, so all are. A nested group is one part.
//! Each entry has an `explanation` slot, empty for now, for a fuller per-subscription
//! explanation (the destination's `explain`) to fill later.

use serde::Serialize;
use usermaven_destination::{Destination, Subscription};
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
    /// Reserved for a fuller explanation of the subscription's result (issue 18).
    pub explanation: Option<serde_json::Value>,
}

/// Checks every subscription of `destination` on `seen` (the message's JSON text).
pub fn check_all(destination: &Destination, seen: &str) -> Vec<SubscriptionCheck> {
    let event = Value::parse(seen).ok();
    destination
        .subscriptions()
        .iter()
        .map(|s| check(s, event.as_ref()))
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
        let checks = check_all(&dest, r#"{"type":"track","event":"Signed Up"}"#);
        assert!(!checks[0].matched);
        assert_eq!(checks[0].failed, [r#"event = "Order Completed""#]);
        let checks = check_all(&dest, r#"{"type":"track","event":"Order Completed"}"#);
        assert!(checks[0].matched);
        assert!(checks[0].failed.is_empty());
    }
}
