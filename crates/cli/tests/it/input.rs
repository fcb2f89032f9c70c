//! The input rules seen from outside, through `map`: a bad byte, a BOM, CRLF and blank lines
//! lose nothing valid; gzip reads like plain text; several files and a directory work.

use std::io::Write;
use std::path::Path;

use crate::{bin, root, run, scratch};

fn map(inputs: &[&Path]) -> (Option<i32>, String, String) {
    let (out, _) = run(bin()
        .args(["map", "--api-key", "k", "--server-token", "t"])
        .args(["--now", "2025-03-14T09:30:00Z", "--seed", "7"])
        .args(inputs));
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sample_lines() -> Vec<String> {
    std::fs::read_to_string(root().join("fixtures/samples/events.ndjson"))
        .expect("samples")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The output lines of one run, keyed by the input line they name (`"line":N` dropped).
fn by_line(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .map(|l| {
            let v = usermaven_json::Value::parse(l).expect("output line is JSON");
            let n = v.get("line").and_then(|n| n.as_f64()).expect("line") as u64;
            let rest = l.replacen(&format!("\"line\":{n},"), "", 1);
            (n, rest)
        })
        .collect()
}

/// A copy of the samples with a BOM, CRLF ends, blank lines and two lines of invalid UTF-8
/// (a Latin-1 name, a truncated multi-byte character). Returns the bytes and, per dirty line
/// number, the clean line number of a valid line.
fn dirty_copy(lines: &[String]) -> (Vec<u8>, Vec<(u64, u64)>, Vec<u64>) {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    let mut valid = Vec::new();
    let mut bad = Vec::new();
    let mut n = 0u64;
    for (i, l) in lines.iter().enumerate() {
        n += 1;
        bytes.extend_from_slice(l.as_bytes());
        bytes.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"\n" });
        valid.push((n, i as u64 + 1));
        if i == 3 {
            n += 1;
            bytes.extend_from_slice(
                b"{\"type\":\"track\",\"event\":\"Caf\xE9\",\"userId\":\"u\"}\n",
            );
            bad.push(n);
            // Two blank lines.
            bytes.extend_from_slice(b"\n   \n");
            n += 2;
        }
        if i == 40 {
            n += 1;
            bytes.extend_from_slice(b"{\"type\":\"track\",\"event\":\"\xE2\x82\"}\n");
            bad.push(n);
        }
    }
    (bytes, valid, bad)
}

#[test]
fn bad_bytes_lose_nothing_valid_and_gzip_reads_the_same() {
    let dir = scratch();
    let lines = sample_lines();
    let clean = dir.path().join("clean.ndjson");
    std::fs::write(&clean, lines.join("\n") + "\n").expect("write");
    let (bytes, valid, bad) = dirty_copy(&lines);
    let dirty = dir.path().join("dirty.ndjson");
    std::fs::write(&dirty, &bytes).expect("write");

    let (code, clean_out, _) = map(&[&clean]);
    assert_eq!(code, Some(0));
    let (code, dirty_out, stderr) = map(&[&dirty]);
    assert_eq!(code, Some(1), "{stderr}");

    // Every valid line gives the output lines of its clean copy; each bad line one error.
    let got = by_line(&dirty_out);
    let clean_by_line = by_line(&clean_out);
    assert_eq!(got.len(), clean_by_line.len() + bad.len(), "{dirty_out}");
    for (d, c) in &valid {
        let want: Vec<_> = clean_by_line
            .iter()
            .filter(|(n, _)| n == c)
            .map(|x| &x.1)
            .collect();
        let have: Vec<_> = got.iter().filter(|(n, _)| n == d).map(|x| &x.1).collect();
        assert_eq!(have, want, "dirty line {d} maps as clean line {c}");
    }
    for b in &bad {
        let err: Vec<_> = got.iter().filter(|(n, _)| n == b).collect();
        assert_eq!(err.len(), 1, "bad line {b}");
        assert!(
            err[0].1.contains("\"name\":\"InvalidUtf8\"") && err[0].1.contains("byte offset"),
            "{}",
            err[0].1
        );
    }

    // The same bytes gzip-compressed, under a name that does not say so.
    let gz = dir.path().join("dirty.export");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&bytes).expect("gzip");
    std::fs::write(&gz, e.finish().expect("gzip")).expect("write");
    let (code, gz_out, _) = map(&[&gz]);
    assert_eq!(code, Some(1));
    assert_eq!(gz_out, dirty_out);
}

#[test]
fn two_files_and_a_directory_are_read_in_order_and_named() {
    let dir = scratch();
    let lines = sample_lines();
    let a = dir.path().join("a.ndjson");
    std::fs::write(&a, format!("{}\n{}\n", lines[0], lines[1])).expect("write");
    let b = dir.path().join("b.ndjson");
    std::fs::write(&b, format!("{}\nnot json\n", lines[2])).expect("write");
    let d = dir.path().join("archive");
    std::fs::create_dir_all(d.join("2025/02")).expect("mkdir");
    std::fs::write(d.join("2025/02/02.ndjson"), format!("{}\n", lines[4])).expect("write");
    std::fs::write(d.join("2025/02/01.ndjson"), format!("{}\n", lines[3])).expect("write");

    let (code, out, stderr) = map(&[&a, &b, &d]);
    assert_eq!(code, Some(1), "{stderr}");
    let place = |l: &str| {
        let v = usermaven_json::Value::parse(l).expect("JSON");
        let file = v
            .get("file")
            .and_then(|f| f.as_str())
            .expect("file")
            .to_string();
        let line = v.get("line").and_then(|n| n.as_f64()).expect("line") as u64;
        (file, line, v.get("error").is_some())
    };
    let got: Vec<_> = out.lines().map(place).collect();
    let name = |p: &Path| p.display().to_string();
    let month = d.join("2025/02");
    assert_eq!(
        got,
        vec![
            (name(&a), 1, false),
            (name(&a), 2, false),
            (name(&b), 1, false),
            (name(&b), 2, true),
            (name(&month.join("01.ndjson")), 1, false),
            (name(&month.join("02.ndjson")), 1, false),
        ]
    );
    // The mapped requests are those of one file with the same events.
    let single = dir.path().join("single.ndjson");
    std::fs::write(&single, format!("{}\n", lines[3])).expect("write");
    let (_, one, _) = map(&[&single]);
    let from_dir = out.lines().nth(4).expect("line 5");
    let strip_file = from_dir.replacen(
        &format!("\"file\":\"{}\",", name(&month.join("01.ndjson"))),
        "",
        1,
    );
    assert_eq!(strip_file, one.trim_end());
}

#[test]
fn stdin_is_a_dash_and_a_missing_input_is_a_usage_error() {
    let dir = scratch();
    let (out, text) = run(bin()
        .args(["map", "--api-key", "k", "--server-token", "t"])
        .arg(dir.path().join("nope.ndjson")));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("nope.ndjson"), "{text}");

    let mut child = bin()
        .args(["map", "--api-key", "k", "--server-token", "t", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let line = sample_lines().remove(0);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{line}\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.starts_with("{\"line\":1,\"action\":"), "{text}");
}
