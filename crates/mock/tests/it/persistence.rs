//! `store`: accepted events are appended as NDJSON before the 200 and reloaded on start.

use usermaven_mock::{MockConfig, MockUsermaven, StrictMode};

use crate::{event, s2s_token, KEY, SECRET};

async fn send(mock: &MockUsermaven, body: String) -> u16 {
    let url = format!("{}/api/v1/s2s/event?token={}", mock.uri(), s2s_token());
    reqwest::Client::new()
        .post(url)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn events_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let config = || {
        MockConfig::new(KEY, SECRET)
            .with_strict(StrictMode::Reject)
            .with_store(&path)
    };

    let mock = MockUsermaven::start(config()).await.unwrap();
    assert_eq!(send(&mock, event("a").to_string()).await, 200);
    // The line is on disk as soon as the 200 arrives.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert_eq!(
        send(&mock, format!("[{},{}]", event("b"), event("c"))).await,
        200
    );
    assert_eq!(send(&mock, "{bad".into()).await, 400);
    let before = mock.events();
    mock.shutdown().await;

    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(!text.contains(SECRET));

    let mock = MockUsermaven::start(config()).await.unwrap();
    assert_eq!(mock.events(), before);
    assert_eq!(send(&mock, event("d").to_string()).await, 200);
    let after = mock.events();
    assert_eq!(after.len(), 4);
    assert_eq!(after[3].id, 4, "ids continue after a reload");
    assert!(after[3].request_id > before[2].request_id);
    mock.reset().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "",
        "reset truncates the store"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn a_corrupt_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    std::fs::write(&path, "{not json}\n").unwrap();
    let err = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_store(&path))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[tokio::test]
async fn each_event_of_a_batch_is_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_store(&path))
        .await
        .unwrap();
    let batch: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|t| event(t).to_string())
        .collect();
    assert_eq!(send(&mock, format!("[{}]", batch.join(","))).await, 200);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for (line, sent) in lines.iter().zip(&batch) {
        assert_eq!(line["body"], sent.as_str(), "its own event, not the batch");
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn reloading_keeps_the_newest_max_events_and_compacts_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_store(&path))
        .await
        .unwrap();
    for t in ["a", "b", "c", "d", "e"] {
        assert_eq!(send(&mock, event(t).to_string()).await, 200);
    }
    mock.shutdown().await;

    let mock = MockUsermaven::start(
        MockConfig::new(KEY, SECRET)
            .with_store(&path)
            .with_max_events(2),
    )
    .await
    .unwrap();
    let kept: Vec<_> = mock.events().iter().map(|e| e.id).collect();
    assert_eq!(kept, [4, 5]);
    assert_eq!(
        mock.state().stats().events,
        5,
        "the file's events are counted"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().lines().count(),
        2,
        "the file is rewritten with the retained events"
    );
    assert_eq!(send(&mock, event("f").to_string()).await, 200);
    assert_eq!(mock.events().last().unwrap().id, 6);
    mock.shutdown().await;
}

#[tokio::test]
async fn a_torn_last_line_is_dropped_and_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_store(&path))
        .await
        .unwrap();
    assert_eq!(send(&mock, event("a").to_string()).await, 200);
    assert_eq!(send(&mock, event("b").to_string()).await, 200);
    mock.shutdown().await;
    // A crash while writing the third line leaves part of it.
    let mut text = std::fs::read_to_string(&path).unwrap();
    let whole = text.clone();
    let second = text.lines().nth(1).unwrap().to_owned();
    text.push_str(&second[..second.len() / 2]);
    std::fs::write(&path, &text).unwrap();

    let mock = MockUsermaven::start(MockConfig::new(KEY, SECRET).with_store(&path))
        .await
        .unwrap();
    assert_eq!(mock.events().len(), 2);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), whole);
    assert_eq!(send(&mock, event("c").to_string()).await, 200);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    for l in text.lines() {
        serde_json::from_str::<serde_json::Value>(l).expect("every line whole");
    }
    mock.shutdown().await;
}
