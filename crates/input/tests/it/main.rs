//! Integration tests of the reader over real files and stdin-like streams.
//!
//! - `lines`: BOM, CRLF, blank lines, invalid UTF-8, overlong lines, several sources.
//! - `compressed`: gzip and zstd recognised by their bytes, output identical to plain text.
//! - `props`: arbitrary bytes never panic; every valid line comes out unchanged.

mod compressed;
mod lines;
mod props;

use std::io::Write;
use std::path::{Path, PathBuf};

use usermaven_input::{ErrorKind, Lines, Options, Source};

/// What the reader produced, owned: `Ok((source, line, text))` or `Err((source, line, kind))`.
pub type Item = Result<(usize, u64, String), (usize, u64, String)>;

pub fn kind_name(k: &ErrorKind) -> String {
    match k {
        ErrorKind::InvalidUtf8 { offset, column } => format!("utf8@{offset}:{column}"),
        ErrorKind::TooLong { bytes, .. } => format!("long:{bytes}"),
        ErrorKind::Open(_) => "open".into(),
        ErrorKind::Read(_) => "read".into(),
        _ => "other".into(),
    }
}

pub fn read_all(sources: Vec<Source>, options: Options) -> Vec<Item> {
    let mut lines = Lines::new(sources, options);
    let mut out = Vec::new();
    while let Some(item) = lines.next_line() {
        out.push(match item {
            Ok(l) => Ok((l.source, l.number, l.text.to_string())),
            Err(e) => Err((e.source, e.line, kind_name(&e.kind))),
        });
    }
    out
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write");
    p
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}
