//! The reader against a model of what it must do, over arbitrary bytes and over lines built
//! to mix valid text with invalid bytes, BOMs, CRs and blank lines.

use proptest::prelude::*;
use usermaven_input::{Compression, Options, Source};

use crate::{gzip, read_all, write, Item};

/// What the reader must give for `bytes` (the issue's rules, written from scratch).
fn model(bytes: &[u8], max: usize) -> Vec<Item> {
    let mut out = Vec::new();
    let mut pieces: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    for (i, raw) in pieces.into_iter().enumerate() {
        let n = i as u64 + 1;
        if raw.len() > max {
            out.push(Err((0, n, format!("long:{}", raw.len()))));
            continue;
        }
        let mut t = raw;
        if n == 1 {
            t = t.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(t);
        }
        t = t.strip_suffix(b"\r").unwrap_or(t);
        if t.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            continue;
        }
        match std::str::from_utf8(t) {
            Ok(s) => out.push(Ok((0, n, s.to_string()))),
            Err(_) => out.push(Err((0, n, "utf8".into()))),
        }
    }
    out
}

/// The reader's items with UTF-8 error details dropped (the model does not compute offsets).
fn coarse(items: Vec<Item>) -> Vec<Item> {
    items
        .into_iter()
        .map(|i| {
            i.map_err(|(s, n, k)| {
                (
                    s,
                    n,
                    if k.starts_with("utf8") {
                        "utf8".into()
                    } else {
                        k
                    },
                )
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Piece {
    Valid(String),
    Invalid(Vec<u8>),
    Blank(String),
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => "[^\n]{0,40}".prop_map(Piece::Valid),
        1 => prop::collection::vec(any::<u8>(), 1..12).prop_map(|mut v| {
            v.retain(|b| *b != b'\n');
            v.push(0xFF); // never valid UTF-8
            Piece::Invalid(v)
        }),
        1 => "[ \t]{0,3}".prop_map(Piece::Blank),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_match_the_model(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        buffer_bytes in 1usize..40,
        max in 1usize..60,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(dir.path(), "x", &bytes);
        let options = Options { max_line_bytes: max, buffer_bytes };
        let got = read_all(vec![Source::file(&p)], options);
        if Compression::sniff(&bytes) == Compression::None {
            prop_assert_eq!(coarse(got), model(&bytes, max));
        }
        // Otherwise a compressed stream's garbage: reading it must end without a panic.
    }

    #[test]
    fn garbage_after_a_magic_never_panics(
        zstd_magic in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = if zstd_magic { vec![0x28, 0xb5, 0x2f, 0xfd] } else { vec![0x1f, 0x8b] };
        bytes.extend(tail);
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(dir.path(), "x", &bytes);
        let got = read_all(vec![Source::file(&p)], Options::default());
        // A read error ends the source: at most one, and nothing after it.
        let first_read_error = got.iter().position(|i| matches!(i, Err((_, _, k)) if k == "read"));
        if let Some(i) = first_read_error {
            prop_assert_eq!(i + 1, got.len());
        }
    }

    #[test]
    fn every_valid_line_comes_out_unchanged(
        pieces in prop::collection::vec(piece(), 0..30),
        bom in any::<bool>(),
        crlf in prop::collection::vec(any::<bool>(), 30),
        final_newline in any::<bool>(),
        buffer_bytes in 1usize..64,
        gzipped in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let mut want = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let n = i as u64 + 1;
            match p {
                Piece::Valid(s) => {
                    // A valid line ending in CR (or only whitespace) is another case.
                    let s = s.trim_end_matches('\r');
                    bytes.extend_from_slice(s.as_bytes());
                    // A line 1 that starts with U+FEFF starts with a BOM.
                    let s = if n == 1 && !bom { s.strip_prefix('\u{feff}').unwrap_or(s) } else { s };
                    if !s.trim_matches([' ', '\t', '\r']).is_empty() {
                        want.push(Ok((0, n, s.to_string())));
                    }
                }
                Piece::Invalid(v) => {
                    bytes.extend_from_slice(v);
                    want.push(Err((0, n, "utf8".to_string())));
                }
                Piece::Blank(s) => bytes.extend_from_slice(s.as_bytes()),
            }
            if crlf[i] {
                bytes.push(b'\r');
            }
            if i + 1 < pieces.len() || final_newline {
                bytes.push(b'\n');
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let content = if gzipped { gzip(&bytes) } else { bytes.clone() };
        let p = write(dir.path(), "events", &content);
        let options = Options { buffer_bytes, ..Options::default() };
        let got = coarse(read_all(vec![Source::file(&p)], options));
        prop_assert_eq!(got, want);
    }
}
