//! Target `reference`: differential fuzzing against Segment's code. Hostile events and
//! user-built mappings (JS-special keys, lone surrogates, emoji, numbers at the edges) become
//! cases of every kind — `route` through the presets and through user subscriptions, `action`
//! with default and mutated mappings, `transform`, `fql` — run in batches through
//! `node reference/run-cases.js` (so node's start-up is paid once per batch) and through
//! `usermaven_actions::cases`. Results must be equal, bodies byte for byte.
//!
//! Every mismatch is a finding, those on keys special to a JavaScript object (`__proto__`,
//! `constructor`, …) and on UTF-16 edge cases included: the value layer models JS objects
//! (`usermaven_json::js`), so such cases must agree like any other.
//!
//! Input file: one case (the `reference/run-cases.js` contract); a committed regression case
//! is `{"case": …, "expected": …}` with the reference's answer.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use usermaven_destination::ActionKind;
use usermaven_json::{Object, Value};

use super::mutate::{directive_pieces, hostile_value, mutate_value, random_value, HOSTILE_KEYS};
use super::rng::Rng;
use super::seeds::Seeds;
use super::Target;
use usermaven_cases::same_result as same;
use usermaven_conformance::corpus::describe;
use usermaven_conformance::differential::{action_case, route_case, run_reference, NOW};
use usermaven_conformance::Fixed;

pub struct Reference {
    root: PathBuf,
    seeds: Seeds,
    events: Vec<Value>,
    pieces: Vec<Value>,
    fixed: Fixed,
    next_id: u64,
}

/// Is node there and does the reference project set up?
pub fn prepare(root: &Path) -> anyhow::Result<()> {
    let status = Command::new("node")
        .arg(root.join("reference/setup.js"))
        .current_dir(root)
        .env("TZ", "UTC")
        .status()
        .context("node is not installed")?;
    if !status.success() {
        bail!("reference/setup.js failed ({status})");
    }
    Ok(())
}

impl Reference {
    pub fn new(root: &Path, seeds: Seeds) -> anyhow::Result<Reference> {
        prepare(root)?;
        let mut pieces = Vec::new();
        for m in &seeds.mappings {
            directive_pieces(m, &mut pieces);
        }
        let events = seeds
            .events
            .iter()
            .filter_map(|e| Value::parse(e).ok())
            .collect();
        Ok(Reference {
            root: root.to_path_buf(),
            seeds,
            events,
            pieces,
            fixed: Fixed::default(),
            next_id: 0,
        })
    }

    fn event(&self, rng: &mut Rng) -> Value {
        let mut e = self.events[rng.below(self.events.len())].clone();
        for _ in 0..1 + rng.small(4) {
            mutate_value(rng, &mut e, &[]);
        }
        if let Value::Object(o) = &mut e {
            if rng.chance(1, 3) {
                let k = *rng.pick(HOSTILE_KEYS);
                o.insert(k.into(), hostile_value(rng));
            }
        }
        e
    }

    fn mapping(&self, rng: &mut Rng) -> Value {
        let mut m = self.seeds.mappings[rng.below(self.seeds.mappings.len())].clone();
        for _ in 0..1 + rng.small(3) {
            mutate_value(rng, &mut m, &self.pieces);
        }
        m
    }

    /// Runs cases through both sides; one verdict per case.
    pub fn compare(&mut self, cases: &[Value]) -> Vec<Result<(), String>> {
        let dir = self.root.join("target").join("fuzz");
        let _ = std::fs::create_dir_all(&dir);
        // One file per process, so that runs with different seeds can go side by side.
        let file = dir.join(format!(
            "reference-batch-{}.cases.ndjson",
            std::process::id()
        ));
        let lines: Vec<String> = cases.iter().map(Value::to_json).collect();
        let expected = match run_reference(&self.root, &file, &lines) {
            Ok(e) => e,
            Err(e) => return vec![Err(format!("the reference runner failed: {e:#}")); cases.len()],
        };
        lines
            .iter()
            .zip(&expected)
            .map(|(line, exp)| self.verdict(line, exp))
            .collect()
    }

    fn verdict(&mut self, line: &str, expected: &Value) -> Result<(), String> {
        let got = usermaven_cases::run_line(line);
        if same(expected, &got) {
            return Ok(());
        }
        let diff = describe(expected, &got);
        // The first difference names the kind of mismatch (findings are grouped by first line).
        let first = diff.lines().next().unwrap_or("").trim().to_string();
        Err(format!("reference mismatch: {first}\n{diff}"))
    }
}

impl Target for Reference {
    fn name(&self) -> &'static str {
        "reference"
    }

    /// Node's start-up (loading the destination, ~0.3 s of CPU) is paid once per batch; at
    /// ~1 ms per case a batch of 1,000 keeps it under a fifth of the run.
    fn batch(&self) -> usize {
        1000
    }

    fn input(&mut self, rng: &mut Rng) -> Vec<u8> {
        self.next_id += 1;
        let id = format!("fuzz/{}", self.next_id);
        let kinds = ActionKind::PRESET_ORDER;
        let case = match rng.below(6) {
            0 | 1 => route_case(&id, &self.event(rng), &self.fixed),
            2 => {
                let kind = kinds[rng.below(kinds.len())];
                action_case(&id, kind.name(), &self.event(rng), None, &self.fixed)
            }
            3 => {
                let kind = kinds[rng.below(kinds.len())];
                let m = self.mapping(rng);
                action_case(&id, kind.name(), &self.event(rng), Some(&m), &self.fixed)
            }
            4 => {
                let mut c = route_case(&id, &self.event(rng), &self.fixed);
                let subs = (0..1 + rng.small(3))
                    .map(|_| {
                        let mut o = Object::new();
                        let q = &self.seeds.fql[rng.below(self.seeds.fql.len())];
                        o.set("subscribe", Value::str(q));
                        o.set(
                            "partnerAction",
                            Value::str(kinds[rng.below(kinds.len())].name()),
                        );
                        o.set("mapping", self.mapping(rng));
                        Value::Object(o)
                    })
                    .collect();
                if let Value::Object(o) = &mut c {
                    o.set("subscriptions", Value::Array(subs));
                }
                c
            }
            _ => {
                let mut o = Object::new();
                o.set("id", Value::str(&id));
                if rng.chance(1, 2) {
                    o.set("kind", Value::str("transform"));
                    o.set("mapping", self.mapping(rng));
                    o.set("input", self.event(rng));
                    o.set("now", Value::str(NOW));
                } else {
                    o.set("kind", Value::str("fql"));
                    let q = &self.seeds.fql[rng.below(self.seeds.fql.len())];
                    o.set("fql", Value::str(q));
                    // Now and then no event (the reference's `undefined`) or one that is
                    // not an object.
                    match rng.below(16) {
                        0 => {}
                        1 => o.set("event", random_value(rng, 2)),
                        _ => o.set("event", self.event(rng)),
                    }
                }
                Value::Object(o)
            }
        };
        case.to_json().into_bytes()
    }

    fn check(&mut self, input: &[u8]) -> Result<(), String> {
        self.check_batch(&[input.to_vec()]).remove(0)
    }

    fn check_batch(&mut self, inputs: &[Vec<u8>]) -> Vec<Result<(), String>> {
        let cases: Vec<Value> = inputs
            .iter()
            .map(|i| Value::parse(&String::from_utf8_lossy(i)).unwrap_or_default())
            .collect();
        self.compare(&cases)
    }
}
