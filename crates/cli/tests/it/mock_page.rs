//! `usermaven-actions mock`: the start-up lines name the live page; beyond loopback they carry
//! the admin token once, and `/__mock/` answers nothing without it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{ChildStdout, Stdio};

use crate::{mock_command, Killed};

struct Mock {
    _child: Killed,
    stdout: BufReader<ChildStdout>,
}

impl Mock {
    fn start(extra: &[&str]) -> Mock {
        let mut child = mock_command("k_cli", "srv-token-cli-1")
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn mock");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Mock {
            _child: Killed(child),
            stdout,
        }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("a start-up line");
        line
    }
}

/// `http://HOST:PORT/__mock/…` from a start-up line.
fn page_url(line: &str) -> &str {
    let start = line.find("http://").expect("a URL");
    line[start..].split_whitespace().next().expect("URL")
}

/// One HTTP/1.0 request over loopback (no chunked body to decode); the status line and body.
fn get(port: &str, path: &str, headers: &str) -> (String, String) {
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n"
    )
    .expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let status = text.lines().next().unwrap_or("").to_owned();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn port_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http");
    let host_port = rest.split('/').next().expect("host");
    host_port.rsplit(':').next().expect("port").to_owned()
}

#[test]
fn loopback_prints_the_page_url() {
    let mut mock = Mock::start(&[]);
    let first = mock.line();
    assert!(first.starts_with("mock Usermaven listening on"), "{first}");
    let second = mock.line();
    assert!(second.starts_with("live page: "), "{second}");
    let url = page_url(&second);
    assert!(
        url.ends_with("/__mock/") && !second.contains("admin_token"),
        "{second}"
    );
    let (status, body) = get(&port_of(url), "/__mock/", "");
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("Usermaven mock"));
    assert!(!body.contains("srv-token-cli-1"));
}

#[test]
fn beyond_loopback_the_token_is_printed_once_and_required() {
    let mut mock = Mock::start(&["--host", "0.0.0.0", "--admin-token", "cli-admin-7d1e"]);
    mock.line();
    let second = mock.line();
    let url = page_url(&second);
    assert!(
        url.ends_with("/__mock/?admin_token=cli-admin-7d1e"),
        "{second}"
    );
    let port = port_of(url.split('?').next().unwrap());
    let (status, body) = get(&port, "/__mock/events", "");
    assert!(status.contains(" 401 "), "{status}");
    assert!(!body.contains("cli-admin-7d1e"));
    let (status, body) = get(
        &port,
        "/__mock/events",
        "X-Mock-Admin-Token: cli-admin-7d1e\r\n",
    );
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body.trim_end(), "[]");
}
