//! The admin-token rules of the page and `/__segment/` (as on the mock's page): loopback reads
//! are open, a web page cannot clear without the token, a rebound host name gets nothing.

use usermaven_segment::ADMIN_TOKEN_HEADER;

use crate::common::{fixed, start};

#[tokio::test]
async fn browsers_need_the_token_to_clear_and_foreign_hosts_to_read() {
    let s = start(fixed()).await;
    let messages = format!("{}/__segment/messages", s.segment.uri());
    assert_eq!(
        s.http
            .get(&messages)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let page = s
        .http
        .get(format!("{}/", s.segment.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(page.text().await.unwrap().contains(s.segment.admin_token()));
    // A request from a web page (Origin) without the token cannot clear.
    let r = s
        .http
        .delete(&messages)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = s
        .http
        .delete(&messages)
        .header("origin", "http://evil.example")
        .header(ADMIN_TOKEN_HEADER, s.segment.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // A host name that is not loopback (DNS rebinding) reads nothing without the token.
    let r = s
        .http
        .get(&messages)
        .header("host", "rebound.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
