//! Target `mapping`: mapping-kit on arbitrary mappings and events. `Mapping::compile` and
//! `transform` never panic; `transform` is deterministic (the same event twice gives the same
//! result) and isolated (a baseline event gives the same result before and after a hostile
//! one, so nothing — no `__proto__` — leaks from one event into the next); and every
//! transform, liquid included, finishes within liquidjs' `renderLimit` of 500 ms (5 s in a
//! debug build), the bound the reference enforces.
//!
//! Input file: `{"mapping": …, "event": …}`.

use std::time::{Duration, Instant};

use usermaven_json::{Object, Value};
use usermaven_mapping::Mapping;

use super::mutate::{directive_pieces, havoc, mutate_value};
use super::rng::Rng;
use super::seeds::Seeds;
use super::Target;

const LIQUID_TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{{-",
    "-}}",
    " | ",
    "upcase",
    "append: ",
    "split: \"\"",
    "size",
    "date: \"%Y\"",
    "times: 1e308",
    "plus: ",
    "slice: -1",
    "join",
    "first",
    "default: ",
    "if ",
    "endif",
    "else",
    "unless ",
    "endunless",
    "assign x = ",
    "capture c",
    "endcapture",
    "raw",
    "endraw",
    "comment",
    "endcomment",
    "increment i",
    "properties.a",
    "__proto__",
    "constructor",
    "toString",
    "\"",
    "'",
    "..",
    "(1..1000000)",
    "🎉",
    "\\ud800",
    "truncate: 1",
    "replace: \"a\"",
    "strip_html",
    "url_encode",
    "sha256",
    "where: ",
    "map: ",
    "sort",
    "reverse",
    "at_least: ",
    "divided_by: 0",
    "modulo: 0",
    " contains ",
    " == ",
    " or ",
    " and ",
    "nil",
    "empty",
    "blank",
];

pub struct MappingTarget {
    mappings: Vec<Value>,
    pieces: Vec<Value>,
    events: Vec<Value>,
    baseline: Value,
    now: jiff::Timestamp,
    limit: Duration,
    /// Mappings that compiled, and transforms that gave a value (not an error).
    compiled: u64,
    transformed: u64,
}

impl MappingTarget {
    pub fn new(seeds: Seeds) -> MappingTarget {
        let mut pieces = Vec::new();
        for m in &seeds.mappings {
            directive_pieces(m, &mut pieces);
        }
        let events: Vec<Value> = seeds
            .events
            .iter()
            .filter_map(|e| Value::parse(e).ok())
            .collect();
        let baseline = events.first().cloned().unwrap_or_default();
        MappingTarget {
            mappings: seeds.mappings,
            pieces,
            events,
            baseline,
            now: jiff::Timestamp::from_second(1_718_452_800).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            limit: if cfg!(debug_assertions) {
                Duration::from_secs(5)
            } else {
                Duration::from_millis(500)
            },
            compiled: 0,
            transformed: 0,
        }
    }
}

/// Every `@liquid` / `@template` string of `v`, havocked.
fn mutate_templates(rng: &mut Rng, v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, c) in o.iter_mut() {
                if (&**k == "@liquid" || &**k == "@template") && rng.chance(1, 2) {
                    if let Value::String(s) = c {
                        let out = havoc(rng, s.as_bytes(), b"", LIQUID_TOKENS);
                        *c = Value::str(&String::from_utf8_lossy(&out));
                    }
                } else {
                    mutate_templates(rng, c);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| mutate_templates(rng, c)),
        _ => {}
    }
}

fn outcome(r: &Result<Option<Value>, usermaven_mapping::TransformError>) -> String {
    match r {
        Ok(Some(v)) => v.to_json(),
        Ok(None) => "undefined".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// CPU time this thread has used (`utime + stime` of `/proc/thread-self/stat`, in the usual
/// 100 Hz clock ticks); `None` where there is no procfs.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The oracle on one mapping and event.
pub fn check_pair(
    mapping: &Value,
    event: &Value,
    baseline: &Value,
    now: jiff::Timestamp,
    limit: Duration,
) -> Result<Counted, String> {
    let Ok(m) = Mapping::compile(mapping) else {
        return Ok(Counted::default());
    };
    let before = outcome(&m.transform(baseline, now));
    let t = Instant::now();
    let first = outcome(&m.transform(event, now));
    let mut took = t.elapsed();
    // Wall-clock time on a shared machine is noisy: a slow run is timed again by the CPU
    // time of this thread, best of three.
    for _ in 0..3 {
        if took <= limit {
            break;
        }
        let (Some(c0), t) = (thread_cpu_time(), Instant::now()) else {
            break;
        };
        let _ = m.transform(event, now);
        let cpu = thread_cpu_time().map(|c1| c1.saturating_sub(c0));
        took = took.min(cpu.unwrap_or_else(|| t.elapsed()));
    }
    if took > limit {
        return Err(format!(
            "transform took {took:?} of CPU time, best of three (bound {limit:?})\n  mapping: {}",
            mapping.to_json()
        ));
    }
    let second = outcome(&m.transform(event, now));
    if first != second {
        return Err(format!(
            "transform is not deterministic\n  first:  {first}\n  second: {second}"
        ));
    }
    let after = outcome(&m.transform(baseline, now));
    if before != after {
        return Err(format!(
            "an event changed the result for the next one\n  before: {before}\n  after:  {after}"
        ));
    }
    let _ = m.plain();
    Ok(Counted {
        compiled: true,
        transformed: !first.starts_with("error: "),
    })
}

/// What one input got to.
#[derive(Default)]
pub struct Counted {
    pub compiled: bool,
    pub transformed: bool,
}

impl Target for MappingTarget {
    fn name(&self) -> &'static str {
        "mapping"
    }

    fn input(&mut self, rng: &mut Rng) -> Vec<u8> {
        let mut mapping = self.mappings[rng.below(self.mappings.len())].clone();
        for _ in 0..rng.small(3) {
            mutate_value(rng, &mut mapping, &self.pieces);
        }
        mutate_templates(rng, &mut mapping);
        let mut event = self.events[rng.below(self.events.len())].clone();
        for _ in 0..rng.small(4) {
            mutate_value(rng, &mut event, &[]);
        }
        let mut o = Object::new();
        o.set("mapping", mapping);
        o.set("event", event);
        Value::Object(o).to_json().into_bytes()
    }

    fn check(&mut self, input: &[u8]) -> Result<(), String> {
        // An envelope that is not JSON (AFL mutates whole files) is no input of this target.
        let Ok(v) = Value::parse(&String::from_utf8_lossy(input)) else {
            return Ok(());
        };
        let mapping = v.get("mapping").cloned().unwrap_or_default();
        let event = v.get("event").cloned().unwrap_or_default();
        let c = check_pair(&mapping, &event, &self.baseline, self.now, self.limit)?;
        self.compiled += u64::from(c.compiled);
        self.transformed += u64::from(c.transformed);
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "{} mappings compiled, {} transforms gave a value rather than an error",
            self.compiled, self.transformed
        )]
    }
}
