use usermaven_input::{Lines, Options, Source};

use crate::{read_all, write};

#[test]
fn bom_crlf_blank_and_invalid_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":\"caf\xE9\"}\n{\"c\":3}\n\xF0\x9F\x98\n{\"d\":\"\xC3\xA9\"}";
    let p = write(dir.path(), "events.ndjson", text);
    let got = read_all(vec![Source::file(p)], Options::default());
    let want = vec![
        Ok((0, 1, "{\"a\":1}".to_string())),
        // Offsets: 0xE9 after 12 + 2 + 3 bytes of lines and 9 of its own; F0 after 38.
        Err((0, 4, "utf8@26:10".to_string())),
        Ok((0, 5, "{\"c\":3}".to_string())),
        Err((0, 6, "utf8@38:1".to_string())),
        Ok((0, 7, "{\"d\":\"é\"}".to_string())),
    ];
    assert_eq!(got, want);
}

#[test]
fn overlong_lines_are_skipped_without_losing_the_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = Vec::new();
    text.extend_from_slice(b"{\"ok\":1}\n");
    text.extend(std::iter::repeat_n(b'x', 5000));
    text.extend_from_slice(b"\n{\"ok\":2}\n");
    text.extend(std::iter::repeat_n(b'y', 101));
    let p = write(dir.path(), "long.ndjson", &text);
    let options = Options {
        max_line_bytes: 100,
        buffer_bytes: 64,
    };
    let got = read_all(vec![Source::file(p)], options);
    assert_eq!(
        got,
        vec![
            Ok((0, 1, "{\"ok\":1}".to_string())),
            Err((0, 2, "long:5000".to_string())),
            Ok((0, 3, "{\"ok\":2}".to_string())),
            Err((0, 4, "long:101".to_string())),
        ]
    );
}

#[test]
fn several_sources_in_order_and_a_missing_one_is_one_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a", b"1\n2\n");
    let b = write(dir.path(), "b", b"\xEF\xBB\xBF3\n");
    let gone = dir.path().join("gone");
    let got = read_all(
        vec![Source::file(a), Source::file(gone), Source::file(b)],
        Options::default(),
    );
    assert_eq!(
        got,
        vec![
            Ok((0, 1, "1".to_string())),
            Ok((0, 2, "2".to_string())),
            Err((1, 0, "open".to_string())),
            Ok((2, 1, "3".to_string())),
        ]
    );
}

#[test]
fn a_source_can_be_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a", b"1\n2\n3\n");
    let b = write(dir.path(), "b", b"4\n");
    let mut lines = Lines::new(vec![Source::file(a), Source::file(b)], Options::default());
    let first = lines
        .next_line()
        .expect("line")
        .expect("ok")
        .text
        .to_string();
    assert_eq!(first, "1");
    lines.skip_source();
    let next = lines.next_line().expect("line").expect("ok");
    assert_eq!((next.source, next.number, next.text), (1, 1, "4"));
    assert!(lines.next_line().is_none());
}

#[test]
fn error_messages_say_what_happened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "x", b"ab\xFFc\n");
    let mut lines = Lines::new(vec![Source::file(p)], Options::default());
    let e = lines.next_line().expect("item").expect_err("bad");
    assert_eq!(
        e.to_string(),
        "invalid UTF-8 at byte offset 2 (column 3); line skipped"
    );
}
