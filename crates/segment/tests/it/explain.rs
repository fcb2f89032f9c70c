//! The detail view's explanation over HTTP (`GET /__segment/messages/{id}`): for a track
//! message, the explained values placed at their body pointers (in body order), with perform's
//! derived values, rebuild the body the mock received, byte for byte.

use serde_json::{Map, Value};

use crate::common::{fixed, start};

/// Places `value` at the JSON pointer `pointer` inside `root`, creating objects on the way.
fn place(root: &mut Map<String, Value>, pointer: &str, value: Value) {
    let keys: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = keys.split_last().expect("a pointer below the root");
    let mut at = root;
    for k in parents {
        at = at
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("an object on the way");
    }
    at.insert(last.clone(), value);
}

#[tokio::test]
async fn explained_values_at_their_pointers_rebuild_the_delivered_body() {
    let s = start(fixed()).await;
    let (status, _) = s
        .post(
            "/v1/track",
            r#"{"userId":"u-explain","event":"Order Completed","properties":{"total":12,"currency":"EUR"},"context":{"page":{"url":"https://shop.example/cart?x=1"}}}"#,
        )
        .await;
    assert_eq!(status, 200);
    let m = &s.settled(1).await[0];
    let detail: Value = s
        .http
        .get(format!("{}/__segment/messages/{}", s.segment.uri(), m.id))
        .header("x-segment-admin-token", s.segment.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subs = detail["subscriptions"].as_array().expect("subscriptions");
    let track = subs
        .iter()
        .find(|c| c["name"] == "Track Event")
        .unwrap_or_else(|| panic!("Track Event in {subs:?}"));
    let x = &track["explanation"];
    assert_eq!(x["matched"], true, "{x}");

    let mut placed: Vec<(u64, String, Value)> = Vec::new();
    for f in x["fields"].as_array().unwrap() {
        if let (Some(p), Some(o)) = (f["body_pointer"].as_str(), f["body_order"].as_u64()) {
            if f["defined"] != false {
                placed.push((o, p.to_string(), f["value"].clone()));
            }
        }
    }
    let derived = x["derived"].as_array().unwrap();
    assert!(!derived.is_empty(), "{x}");
    for d in derived {
        let o = d["body_order"].as_u64().expect("derived in the body");
        placed.push((
            o,
            d["body_pointer"].as_str().unwrap().to_string(),
            d["value"].clone(),
        ));
    }
    placed.sort_by_key(|(o, _, _)| *o);
    let mut body = Map::new();
    for (_, p, v) in placed {
        place(&mut body, &p, v);
    }
    let rebuilt = serde_json::to_string(&Value::Object(body)).unwrap();

    let events = s.mock.events();
    assert_eq!(events.len(), 1);
    assert_eq!(rebuilt, events[0].body);
    assert_eq!(x["request"]["body"], Value::String(events[0].body.clone()));
    // The explanation did not disturb the run: the stored request is the delivered one.
    assert_eq!(
        m.routes
            .iter()
            .find(|r| r.subscription == "Track Event")
            .unwrap()
            .request
            .as_ref()
            .unwrap()
            .body,
        events[0].body
    );
}
