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
