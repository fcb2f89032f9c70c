//! Routing on every core, in input order: what `map` and `send` share for `--jobs N`.
//!
//! The calling thread reads the input and hands it out in chunks of lines; `jobs` worker
//! threads each run the caller's `work` on every line of a chunk; the calling thread takes
//! the results back, puts them in input order and gives each line's result to `each`. At most
//! `2 × jobs` chunks (each at most [`CHUNK_LINES`] lines or about [`CHUNK_BYTES`] bytes) are
//! read and not yet handed to `each`, so memory stays flat whatever the input's size.
//!
//! **Generated ids stay the sequential stream.** `Env::generate_id` is one seeded stream that
//! `--jobs 1` (and the reference harness) draws from in line order. Workers route with a
//! *probe* environment: the run's clock, and an id generator that only notes it was asked.
//! A line whose routing asked for an id (an event without an anonymous id) is routed again, in
//! order, on the calling thread with the real environment before `each` sees it — so every
//! line gets exactly the ids `--jobs 1` gives it, and the stream is never split or derived per
//! line. (Whether a line asks for an id never depends on the ids drawn before it.) Such lines
//! cost two routings; ordinary traffic carries an anonymous id.
//!
//! With `jobs == 1` nothing is spawned: each line is worked on the calling thread with the
//! real environment, exactly as before `--jobs` existed.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::Mutex;

use usermaven_destination::Env;
use usermaven_input::Lines;

/// Lines per chunk handed to a worker.
pub const CHUNK_LINES: usize = 256;
/// A chunk is closed once its text reaches this many bytes.
pub const CHUNK_BYTES: usize = 1 << 20;

/// One input line as the workers see it.
#[derive(Clone, Copy, Debug)]
pub struct LineRef<'a> {
    /// Index into the inputs.
    pub source: usize,
    /// 1-based line number in its input.
    pub number: u64,
    pub text: &'a str,
}

/// What `each` is given per input item, in input order.
pub enum Item<'a, T> {
    /// A line and what `work` made of it.
    Line(LineRef<'a>, T),
    /// A line the reader could not hand out (bad UTF-8, too long, a read error).
    Bad(usermaven_input::LineError),
}

/// The environment workers route with: the run's clock, and an id generator that only
/// records that it was asked (the line is then routed again with the real one).
struct ProbeEnv {
    now: jiff::Timestamp,
    asked: bool,
}

impl Env for ProbeEnv {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }
    fn generate_id(&mut self) -> String {
        self.asked = true;
        // Never seen: the line is routed again with the real generator.
        "0000000000".to_string()
    }
}

enum Slot {
    Line {
        source: usize,
        number: u64,
        start: usize,
        end: usize,
    },
    Bad(usermaven_input::LineError),
}

struct Chunk {
    seq: u64,
    text: String,
    slots: Vec<Slot>,
}

struct Done<T> {
    chunk: Chunk,
    /// Per slot: `work`'s result on a line (and whether it asked for an id).
    results: Vec<Option<(T, bool)>>,
}

/// Reads `lines`, runs `work` on every line on `jobs` threads, and calls `each` with every
/// item in input order. `each` returns `Ok(false)` to stop: nothing more is read or handed
/// to it (workers finish the chunks they hold; their results are dropped). An error of
/// `each` stops the same way and is returned.
pub fn route_lines<T, W, E, Err>(
    lines: &mut Lines,
    jobs: usize,
    env: &mut dyn Env,
    work: W,
    mut each: E,
) -> Result<(), Err>
where
    T: Send,
    W: Fn(LineRef<'_>, &mut dyn Env) -> T + Sync,
    E: FnMut(Item<'_, T>) -> Result<bool, Err>,
{
    if jobs <= 1 {
        while let Some(item) = lines.next_line() {
            let go = match item {
                Ok(line) => {
                    let line = LineRef {
                        source: line.source,
                        number: line.number,
                        text: line.text,
                    };
                    let t = work(line, env);
                    each(Item::Line(line, t))?
                }
                Err(e) => each(Item::Bad(e))?,
            };
            if !go {
                break;
            }
        }
        return Ok(());
    }
    let now = env.now();
    let (to_workers, from_reader) = mpsc::sync_channel::<Chunk>(jobs);
    let from_reader = Mutex::new(from_reader);
    let (to_collector, done) = mpsc::channel::<Done<T>>();
    let work = &work;
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let to_collector = to_collector.clone();
            let from_reader = &from_reader;
            scope.spawn(move || loop {
                let next = from_reader
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .recv();
                let Ok(chunk) = next else { break };
                let results = chunk
                    .slots
                    .iter()
                    .map(|slot| match *slot {
                        Slot::Line {
                            source,
                            number,
                            start,
                            end,
                        } => {
                            let mut probe = ProbeEnv { now, asked: false };
                            let line = LineRef {
                                source,
                                number,
                                text: &chunk.text[start..end],
                            };
                            let t = work(line, &mut probe);
                            Some((t, probe.asked))
                        }
                        Slot::Bad(_) => None,
                    })
                    .collect();
                if to_collector.send(Done { chunk, results }).is_err() {
                    break;
                }
            });
        }
        drop(to_collector);
        let result = collect(lines, jobs, env, work, &mut each, to_workers, &done);
        // Dropping the sender (inside `collect`) ends the workers; drain what they finish.
        while done.recv().is_ok() {}
        result
    })
}

/// The calling thread's side: read chunks, keep at most `2 × jobs` in flight, hand results
/// to `each` in order.
fn collect<T, W, E, Err>(
    lines: &mut Lines,
    jobs: usize,
    env: &mut dyn Env,
    work: &W,
    each: &mut E,
    to_workers: mpsc::SyncSender<Chunk>,
    done: &mpsc::Receiver<Done<T>>,
) -> Result<(), Err>
where
    W: Fn(LineRef<'_>, &mut dyn Env) -> T + Sync,
    E: FnMut(Item<'_, T>) -> Result<bool, Err>,
{
    let max_in_flight = 2 * jobs as u64;
    let mut next_seq = 0u64; // the next chunk to read
    let mut next_out = 0u64; // the next chunk to hand out
    let mut ready: BTreeMap<u64, Done<T>> = BTreeMap::new();
    let mut input_left = true;
    let mut to_workers = Some(to_workers);
    loop {
        while input_left && next_seq - next_out < max_in_flight {
            match read_chunk(lines, next_seq) {
                Some(chunk) => {
                    next_seq += 1;
                    let sent = to_workers.as_ref().map(|tx| tx.send(chunk));
                    if !matches!(sent, Some(Ok(()))) {
                        input_left = false;
                    }
                }
                None => input_left = false,
            }
        }
        if !input_left {
            to_workers = None;
        }
        if next_out == next_seq {
            return Ok(());
        }
        let Ok(d) = done.recv() else {
            // Every worker is gone (one panicked): nothing more will come.
            return Ok(());
        };
        ready.insert(d.chunk.seq, d);
        while let Some(d) = ready.remove(&next_out) {
            next_out += 1;
            let Done { chunk, results } = d;
            let text = &chunk.text;
            for (slot, result) in chunk.slots.into_iter().zip(results) {
                let go = match slot {
                    Slot::Line {
                        source,
                        number,
                        start,
                        end,
                    } => {
                        let line = LineRef {
                            source,
                            number,
                            text: &text[start..end],
                        };
                        let t = match result {
                            Some((t, false)) => t,
                            // It drew ids: route it again, in order, with the real stream.
                            _ => work(line, env),
                        };
                        each(Item::Line(line, t))?
                    }
                    Slot::Bad(e) => each(Item::Bad(e))?,
                };
                if !go {
                    return Ok(());
                }
            }
        }
    }
}

/// The next chunk of the input; `None` at its end.
fn read_chunk(lines: &mut Lines, seq: u64) -> Option<Chunk> {
    let mut chunk = Chunk {
        seq,
        text: String::new(),
        slots: Vec::with_capacity(CHUNK_LINES),
    };
    while chunk.slots.len() < CHUNK_LINES && chunk.text.len() < CHUNK_BYTES {
        let Some(item) = lines.next_line() else { break };
        match item {
            Ok(line) => {
                let start = chunk.text.len();
                chunk.text.push_str(line.text);
                chunk.slots.push(Slot::Line {
                    source: line.source,
                    number: line.number,
                    start,
                    end: chunk.text.len(),
                });
            }
            Err(e) => chunk.slots.push(Slot::Bad(e)),
        }
    }
    (!chunk.slots.is_empty()).then_some(chunk)
}

/// The default for `--jobs`: the cores this process may use.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
