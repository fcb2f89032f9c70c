use usermaven_input::{Compression, Options, Source};

use crate::{gzip, read_all, write, zstd};

const TEXT: &[u8] = b"\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":\"\xFF\"}\n{\"c\":3}";

#[test]
fn gzip_and_zstd_by_magic_bytes_read_like_plain_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = write(dir.path(), "plain.ndjson", TEXT);
    // No telling names: the bytes decide.
    let gz = write(dir.path(), "archive-0001", &gzip(TEXT));
    let zst = write(dir.path(), "archive-0002", &zstd(TEXT));
    let want = read_all(vec![Source::file(plain)], Options::default());
    assert_eq!(want.len(), 3, "{want:?}");
    for p in [gz, zst] {
        for buffer_bytes in [16, 1 << 16] {
            let options = Options {
                buffer_bytes,
                ..Options::default()
            };
            assert_eq!(read_all(vec![Source::file(&p)], options), want, "{p:?}");
        }
    }
}

#[test]
fn concatenated_members_are_one_stream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = gzip(b"1\n2\n");
    gz.extend(gzip(b"3\n"));
    let mut zs = zstd(b"1\n2\n");
    zs.extend(zstd(b"3\n"));
    for (name, bytes) in [("g", gz), ("z", zs)] {
        let p = write(dir.path(), name, &bytes);
        let got = read_all(vec![Source::file(p)], Options::default());
        let texts: Vec<_> = got.into_iter().map(|i| i.expect("ok").2).collect();
        assert_eq!(texts, ["1", "2", "3"], "{name}");
    }
}

#[test]
fn a_corrupt_archive_is_one_read_error_and_the_next_source_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = gzip(&b"{\"a\":1}\n".repeat(1000));
    let n = gz.len();
    gz.truncate(n / 2);
    let bad = write(dir.path(), "bad.gz", &gz);
    let good = write(dir.path(), "good", b"{\"z\":1}\n");
    let got = read_all(
        vec![Source::file(bad), Source::file(good)],
        Options::default(),
    );
    let (last, rest) = got.split_last().expect("items");
    assert_eq!(last, &Ok((1, 1, "{\"z\":1}".to_string())));
    let (err, oks) = rest.split_last().expect("error");
    assert!(matches!(err, Err((0, _, k)) if k == "read"), "{err:?}");
    assert!(oks
        .iter()
        .all(|i| i.as_ref().is_ok_and(|l| l.2 == "{\"a\":1}")));
}

#[test]
fn sniffing() {
    assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
    assert_eq!(
        Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
        Compression::Zstd
    );
    assert_eq!(Compression::sniff(b"{\"a\""), Compression::None);
    assert_eq!(Compression::sniff(&[0x1f]), Compression::None);
}
