//! The time-zone fixes as a user turns them on: configuration `options` → a destination whose
//! preset track request carries the fixed `local_tz_offset`, on the fused and general paths.

use usermaven_destination::{config, Destination, FixedEnv};
use usermaven_json::Value;

fn destination(options: &str) -> Destination {
    let text =
        format!(r#"{{"settings":{{"api_key":"k","server_token":"t"}},"options":{options}}}"#);
    let checked = config::check(&Value::parse(&text).unwrap(), &|_| None);
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    checked.destination.expect("a destination")
}

/// `local_tz_offset` of the track request for an Amsterdam event sent on 2024-01-10 09:00Z,
/// at `now`, through `route_text` (fused) and `route` (general).
fn offset(dest: &Destination, now: &str) -> String {
    let event = r#"{"type":"track","event":"Signed Up","anonymousId":"a1","timestamp":"2024-01-10T09:00:00.000Z","properties":{"timezone":"Europe/Amsterdam"}}"#;
    let now: jiff::Timestamp = now.parse().unwrap();
    let fused = dest.route_text(event, &mut FixedEnv::new(now, 7)).unwrap();
    let general = dest.route(&Value::parse(event).unwrap(), &mut FixedEnv::new(now, 7));
    let bodies: Vec<String> = [fused, general]
        .iter()
        .map(|routed| {
            let track: Vec<_> = routed.iter().filter(|r| r.action_name == "track").collect();
            assert_eq!(track.len(), 1);
            track[0].result.as_ref().unwrap().body.clone()
        })
        .collect();
    assert_eq!(bodies[0], bodies[1]);
    let body = Value::parse(&bodies[0]).unwrap();
    body.get("local_tz_offset").unwrap().to_json()
}

#[test]
fn offset_at_the_events_time() {
    // Replayed in summer: the reference uses now (summer time), the fix the event's winter.
    let summer = "2024-06-15T12:00:00Z";
    assert_eq!(offset(&destination("{}"), summer), "-120");
    assert_eq!(
        offset(&destination(r#"{"tz_offset_at_event_time":false}"#), summer),
        "-120"
    );
    assert_eq!(
        offset(&destination(r#"{"tz_offset_at_event_time":true}"#), summer),
        "-60"
    );
}

#[test]
fn midnight_fix() {
    // 2024-06-14T22:00Z is 24:00:00 in Amsterdam as the reference prints it.
    let midnight = "2024-06-14T22:00:00Z";
    let later = "2024-06-14T22:30:00Z";
    let reference = destination("{}");
    assert_eq!(offset(&reference, midnight), "-1560");
    assert_eq!(offset(&reference, later), "null");
    let fixed = destination(r#"{"fix_tz_midnight":true}"#);
    assert_eq!(offset(&fixed, midnight), "-120");
    assert_eq!(offset(&fixed, later), "-120");
}

#[test]
fn options_of_the_wrong_type_are_problems() {
    for bad in [
        r#"{"fix_tz_midnight":1}"#,
        r#"{"tz_offset_at_event_time":"yes"}"#,
    ] {
        let text =
            format!(r#"{{"settings":{{"api_key":"k","server_token":"t"}},"options":{bad}}}"#);
        let checked = config::check(&Value::parse(&text).unwrap(), &|_| None);
        assert_eq!(checked.problems.len(), 1, "{bad}");
    }
}
