//! For the page's detail view: every subscription of the destination against one message as
//! the destination saw it — its trigger, whether it matched and, when it did not, the
//! conditions that decided it (`usermaven-fql`'s [`Decision`], read off the real evaluation:
//! of an `and`, the condition that was false and stopped it, at any depth; of an `or`, every
//! alternative's).
//!
//! Each entry's `explanation` is the destination's own explanation of the subscription
//! ([`Destination::explain_subscription`], the general path traced, as `usermaven-actions
//! explain` prints it with `--format json`). It is computed lazily, only when the detail view
//! asks for the message, so routing pays nothing for it but a copy of its environment (a few
//! dozen bytes per message). It runs on a copy of the destination's environment as it was just before the
//! message was routed ([`RunEnv`]: the same *now* and the id stream at the same place), so it
//! generates the same ids as the real run without drawing from the run's stream, and never
//! touches what the sender delivers: the explained values are the delivered ones.

use serde::Serialize;
use usermaven_destination::{Destination, Env, FixedEnv, Subscription};
use usermaven_fql::Decision;
use usermaven_json::Value;

/// The destination's environment for one message: its *now* and the run's id stream where it
/// stood. Copied before the message is routed, so the message can be explained later with the
/// ids the real run generated.
#[derive(Clone, Debug)]
pub struct RunEnv {
    pub now: jiff::Timestamp,
    pub ids: FixedEnv,
}

impl Env for RunEnv {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }
    fn generate_id(&mut self) -> String {
        self.ids.generate_id()
    }
}

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
/// explains each in order on one copy of `env`, as `route` runs them, so each subscription
/// draws its ids where the real run drew them.
pub fn check_all(destination: &Destination, seen: &str, env: &RunEnv) -> Vec<SubscriptionCheck> {
    let event = Value::parse(seen).ok();
    let mut env = env.clone();
    destination
        .subscriptions()
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let mut out = check(s, event.as_ref());
            out.explanation = event.as_ref().and_then(|e| {
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
    let mut decision = Decision::new();
    match sub.trigger.try_matches_observed(event, &mut decision) {
        Ok(true) => out.matched = true,
        Err(e) => out.note = Some(format!("evaluating the trigger throws {e}")),
        Ok(false) => {
            out.failed = decision
                .decided_by()
                .into_iter()
                .filter(|d| !d.result)
                .map(|d| d.fql)
                .collect()
        }
    }
    out
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
        let checks = check_all(&dest, r#"{"type":"track","event":"Signed Up"}"#, &env());
        assert!(!checks[0].matched);
        assert_eq!(checks[0].failed, [r#"event = "Order Completed""#]);
        let checks = check_all(
            &dest,
            r#"{"type":"track","event":"Order Completed"}"#,
            &env(),
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

    fn env() -> RunEnv {
        let now = "2026-01-02T03:04:05Z".parse().unwrap();
        RunEnv {
            now,
            ids: FixedEnv::new(now, 1),
        }
    }
}
