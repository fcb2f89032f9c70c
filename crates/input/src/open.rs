//! Opening a source: the file or stdin, decompressed when its first bytes say so.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use crate::Source;

/// How a source's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// Recognise the format by its magic bytes (`head` is the start of the stream).
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

pub(crate) type Reader = Box<dyn BufRead + Send>;

/// Open `source` and wrap it in a decompressor when its magic bytes say so.
pub(crate) fn open(source: &Source, buffer: usize) -> io::Result<Reader> {
    let raw: Box<dyn Read + Send> = match &source.path {
        Some(p) => Box::new(File::open(p)?),
        None => Box::new(io::stdin()),
    };
    let mut raw = BufReader::with_capacity(buffer, raw);
    let head = fill_at_least(&mut raw, ZSTD_MAGIC.len())?;
    let decoder: Box<dyn Read + Send> = match Compression::sniff(head) {
        Compression::None => return Ok(Box::new(raw)),
        // Multi-member: `cat a.gz b.gz` is one valid gzip stream of both texts.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        Compression::Zstd => Box::new(ZstdFrames::new(raw)),
    };
    Ok(Box::new(BufReader::with_capacity(
        buffer,
        Pipelined::start(decoder, buffer),
    )))
}

/// Decompression on its own thread, a few chunks ahead of the reader: with a second core,
/// a compressed input costs about what a plain one does (measured by `cargo xtask bench map`).
/// The thread ends when the stream does, on an error (handed over in order), or when the
/// reader is dropped.
struct Pipelined {
    chunks: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
}

/// Chunks decompressed ahead of the reader (memory: this many × the buffer size).
const AHEAD: usize = 4;

impl Pipelined {
    fn start(mut decoder: Box<dyn Read + Send>, chunk: usize) -> Pipelined {
        let (tx, rx) = std::sync::mpsc::sync_channel(AHEAD);
        std::thread::spawn(move || loop {
            let mut buf = vec![0u8; chunk];
            let mut filled = 0;
            // Fill the chunk (a decoder may return little per read).
            let result = loop {
                match decoder.read(&mut buf[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == buf.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            buf.truncate(filled);
            let end = filled == 0 || result.is_err();
            if filled > 0 && tx.send(Ok(buf)).is_err() {
                return;
            }
            if let Err(e) = result {
                let _ = tx.send(Err(e));
            }
            if end {
                return;
            }
        });
        Pipelined {
            chunks: rx,
            current: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for Pipelined {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread ended: the stream is over.
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The buffer, holding at least `n` bytes unless the stream is shorter (a pipe may deliver
/// fewer bytes per read than the magic needs).
fn fill_at_least(r: &mut BufReader<Box<dyn Read + Send>>, n: usize) -> io::Result<&[u8]> {
    if r.fill_buf()?.len() < n {
        // Rare: move what is there into a fresh buffer that also holds the next reads.
        let mut head = Vec::with_capacity(n);
        while head.len() < n {
            let got = r.fill_buf()?;
            if got.is_empty() {
                break;
            }
            let take = got.len().min(n - head.len());
            head.extend_from_slice(&got[..take]);
            r.consume(take);
        }
        let rest = std::mem::replace(r, BufReader::new(Box::new(io::empty())));
        let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(rest));
        *r = BufReader::with_capacity(r.capacity().max(n), chained);
    }
    r.fill_buf()
}

/// A zstd stream of one or more frames (as `cat a.zst b.zst` or `zstd` on a pipe writes).
struct ZstdFrames<R: BufRead> {
    input: Option<R>,
    frame: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(input: R) -> ZstdFrames<R> {
        ZstdFrames {
            input: Some(input),
            frame: None,
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(frame) = &mut self.frame {
                let n = frame.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                // The frame is done: the next one, if any, follows in the same input.
                let done = self.frame.take().map(|f| f.into_inner());
                self.input = done;
            }
            let Some(mut input) = self.input.take() else {
                return Ok(0);
            };
            if input.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let frame = ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?;
            self.frame = Some(frame);
        }
    }
}
