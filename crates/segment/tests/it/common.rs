use std::time::Duration;

use usermaven_destination::{Destination, Options, Settings};
use usermaven_mock::{MockConfig, MockState};
use usermaven_segment::{Clock, LocalSegment, MessageQuery, SegmentConfig};

pub const KEY: &str = "um-key";
pub const TOKEN: &str = "um-token";
pub const WRITE_KEY: &str = "wk-test";
pub const NOW: &str = "2026-03-04T05:06:07.089Z";

pub struct Setup {
    pub segment: LocalSegment,
    pub mock: MockState,
    pub http: reqwest::Client,
}

pub async fn start(config: SegmentConfig) -> Setup {
    start_with(
        config,
        Destination::new(Settings::new(KEY, TOKEN), Options::default()),
    )
    .await
}

/// Serves `destination` (its requests go to the mock on the same port).
pub async fn start_with(config: SegmentConfig, destination: Destination) -> Setup {
    let mock = MockState::new(MockConfig::new(KEY, TOKEN)).expect("mock state");
    let segment = LocalSegment::start(config, destination, Some(usermaven_mock::app(mock.clone())))
        .await
        .expect("start");
    Setup {
        segment,
        mock,
        http: reqwest::Client::new(),
    }
}

pub fn fixed() -> SegmentConfig {
    SegmentConfig {
        clock: Clock::Fixed(NOW.parse().unwrap()),
        seed: Some(7),
        ..SegmentConfig::default()
    }
}

impl Setup {
    pub async fn post(&self, path: &str, body: &str) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.segment.uri()))
            .basic_auth(WRITE_KEY, Some(""))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// Waits for `n` settled messages.
    pub async fn settled(&self, n: usize) -> Vec<usermaven_segment::Message> {
        self.segment
            .wait_for(&MessageQuery::new().settled(), n, Duration::from_secs(10))
            .await
            .expect("messages settle")
    }
}
