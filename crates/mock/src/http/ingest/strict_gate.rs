//! The strict-mode step: runs [`crate::model::strict`] over the parsed events and, in reject mode,
//! answers 400 listing every problem when any is an error.

use axum::http::StatusCode;
use serde_json::json;

use super::parse::ParsedEvent;
use super::respond::{Reply, JSON_CT};
use crate::json::go::go_json_string;
use crate::model::strict::{self, Channel};
use crate::model::Outcome;
use crate::model::{Problem, Severity, StrictMode};

/// The findings for every event (empty when strict mode is off), or the rejection.
pub(crate) fn check(
    mode: StrictMode,
    events: &[ParsedEvent],
    api_key: &str,
    channel: Channel,
) -> Result<Vec<Problem>, Box<Reply>> {
    let mut problems: Vec<Problem> = Vec::new();
    if mode != StrictMode::Off {
        for (i, e) in events.iter().enumerate() {
            e.with_object(|event| strict::check_event(event, i, api_key, channel, &mut problems))
                .map_err(|msg| {
                    let msg = format!("Error parsing events body: {msg}");
                    Box::new(Reply::reject(StatusCode::BAD_REQUEST, &msg, msg.clone()))
                })?;
        }
    }
    let errors: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if mode == StrictMode::Reject && !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(|p| p.to_string()).collect();
        let msg = format!(
            "Event validation failed (mock strict mode): {} problem(s): {}",
            errors.len(),
            list.join("; ")
        );
        let payload = json!({ "problems": problems });
        let body = format!(
            "{{\"message\":{},\"payload\":{},\"error\":\"\"}}",
            go_json_string(&msg),
            payload
        );
        return Err(Box::new(Reply::new(
            StatusCode::BAD_REQUEST,
            Some(JSON_CT),
            body,
            Outcome::Rejected,
            Some(msg),
        )));
    }
    Ok(problems)
}
