//! Bounded memory: retention of events and of the request journal, counters exact over the
//! whole run, and stored events that keep only their own text.

use axum::http::StatusCode;
use serde_json::json;
use usermaven_mock::{EventQuery, MockConfig, Outcome, Store, StrictMode, Verdict};

use crate::{event, get_json, post, s2s_uri, KEY, SECRET};

fn bounded(max_events: usize, max_requests: usize) -> Store {
    Store::new(
        MockConfig::new(KEY, SECRET)
            .with_strict(StrictMode::Warn)
            .with_max_events(max_events)
            .with_max_requests(max_requests),
    )
    .expect("state")
}

#[tokio::test]
async fn the_newest_events_are_kept_and_counters_count_every_one() {
    let s = bounded(3, 2);
    for i in 0..5 {
        let kind = if i % 2 == 0 { "even" } else { "odd" };
        assert_eq!(
            post(&s, &s2s_uri(), event(kind).to_string()).await.status,
            StatusCode::OK
        );
    }
    // One batch of two: both count, the oldest retained ones go.
    let batch = format!("[{},{}]", event("odd"), event("even"));
    assert_eq!(post(&s, &s2s_uri(), batch).await.status, StatusCode::OK);
    assert_eq!(
        post(&s, &s2s_uri(), "{bad").await.status,
        StatusCode::BAD_REQUEST
    );

    let ids: Vec<u64> = s.events().iter().map(|e| e.id).collect();
    assert_eq!(ids, [5, 6, 7], "the newest three, oldest first");
    assert!(s.event(4).is_none(), "evicted");
    assert_eq!(s.event(6).unwrap().event_type(), Some("odd"));
    assert_eq!(
        s.events_matching(&EventQuery::new().since_id(5))
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [6, 7]
    );

    let stats = get_json(&s, "/__mock/stats").await;
    assert_eq!(stats["events"], 7);
    assert_eq!(stats["by_type"], json!({"even": 4, "odd": 3}));
    assert_eq!(stats["requests"], 7);
    assert_eq!(stats["by_outcome"], json!({"accepted": 6, "rejected": 1}));
    assert_eq!(stats["by_status"], json!({"200": 6, "400": 1}));
    assert_eq!(stats["retained_events"], 3);
    assert_eq!(stats["evicted_events"], 4);
    assert_eq!(stats["retained_requests"], 2);

    let journal: Vec<u64> = s.requests().iter().map(|r| r.id).collect();
    assert_eq!(journal, [6, 7], "the journal keeps the newest two requests");
    assert_eq!(s.requests()[1].outcome, Outcome::Rejected);
}

#[tokio::test]
async fn reset_clears_events_journal_and_counters() {
    let s = bounded(10, 10);
    post(&s, &s2s_uri(), event("a").to_string()).await;
    s.reset().unwrap();
    let stats = get_json(&s, "/__mock/stats").await;
    assert_eq!(stats["events"], 0);
    assert_eq!(stats["requests"], 0);
    assert!(s.events().is_empty() && s.requests().is_empty());
}

#[tokio::test]
async fn a_batch_event_keeps_only_its_own_text() {
    let s = bounded(10_000, 10);
    let one = event("track").to_string();
    let batch = format!("[{}]", vec![one.as_str(); 2_000].join(","));
    assert_eq!(
        post(&s, &s2s_uri(), batch.clone()).await.status,
        StatusCode::OK
    );
    let events = s.events();
    assert_eq!(events.len(), 2_000);
    let kept: usize = events.iter().map(|e| e.approx_bytes()).sum();
    let serialized: usize = events
        .iter()
        .map(|e| serde_json::to_string(e.as_ref()).unwrap().len())
        .sum();
    assert!(
        kept <= 2 * serialized,
        "{kept} bytes kept for {serialized} bytes serialized"
    );
    // Of the order of the batch, not one batch copy per event (2,000 × the batch).
    assert!(kept < 10 * batch.len(), "{kept} vs batch {}", batch.len());
    for e in &events {
        assert_eq!(e.body, one);
    }
}

#[tokio::test]
async fn summaries_carry_verdict_findings_and_the_redacted_request() {
    let s = bounded(10, 10);
    let mut e = event("track");
    e["user"]["id"] = json!(5);
    let r = post(&s, &s2s_uri(), e.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = s.events()[0].id;
    let sum = s.event_summary(id).unwrap();
    assert_eq!(sum.event_type.as_deref(), Some("track"));
    assert_eq!(sum.anonymous_id.as_deref(), Some("a1"));
    assert_eq!(sum.event_id.as_deref(), Some("msg-1"));
    assert_eq!(sum.verdict, Verdict::Error);
    assert_eq!(sum.warning_count, sum.findings.len());
    assert!(
        sum.findings.iter().any(|p| p.path == "/user/id"),
        "{:?}",
        sum.findings
    );
    let req = sum.request.expect("the journal holds the request");
    assert_eq!(req.status, Some(200));
    assert_eq!(req.target, "/api/v1/s2s/event?token=REDACTED");
    let text = serde_json::to_string(&s.event_summary(s.events()[0].id)).unwrap();
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn large_batches_answer_like_small_ones() {
    let s = bounded(10_000, 10);
    let one = event("track").to_string();
    let many = |last: &str| {
        let mut items = vec![one.as_str(); 99];
        items.push(last);
        format!("[ {} ]", items.join(" ,\n"))
    };
    // A number among objects: Go's type error, nothing stored.
    let r = post(&s, &s2s_uri(), many("3")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("cannot unmarshal number into Go value of type events.Event"),
        "{}",
        r.body
    );
    // A null element: the collector's 500.
    assert_eq!(
        post(&s, &s2s_uri(), many("null")).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // Trailing bytes after the array are ignored, as by Go's decoder.
    let r = post(&s, &s2s_uri(), format!("{} trailing", many(&one))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events = s.events();
    assert_eq!(events.len(), 100);
    assert!(
        events.iter().all(|e| e.body == one),
        "each keeps its own text"
    );
    // Strict findings point at the right event of a large batch.
    let mut bad = event("track");
    bad["user"] = json!({});
    let r = post(&s, &s2s_uri(), many(&bad.to_string())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let last = s.events().last().cloned().unwrap();
    assert_eq!(last.index, 99);
    assert_eq!(last.verdict(), Verdict::Error);
    assert!(s.events()[s.events().len() - 2].warnings.is_empty());
}
