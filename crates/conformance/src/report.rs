//! Results of a conformance run and their three renderings: a one-screen summary for people,
//! JUnit XML and a JSON summary (both under `<workspace>/target/conformance/`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use usermaven_snapshot::junit::xml_escape as xml;

/// The parts of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// A fixture × subscription request/error against its committed snapshot.
    Snapshot,
    /// A compiled mapping (route) against a fresh compile (execute) of the same mapping.
    Compile,
    /// A generated event against the properties.
    Property,
    /// A committed case under `fixtures/conformance/` against its reference expectation.
    Corpus,
    /// A generated case against the real reference (`--reference`).
    Reference,
    /// A snapshotted request delivered through the sender to the mock.
    E2e,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Snapshot,
        Stage::Compile,
        Stage::Property,
        Stage::Corpus,
        Stage::Reference,
        Stage::E2e,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Snapshot => "snapshot",
            Stage::Compile => "compile",
            Stage::Property => "property",
            Stage::Corpus => "corpus",
            Stage::Reference => "reference",
            Stage::E2e => "e2e",
        }
    }
}

/// One checked case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub stage: Stage,
    /// `track`, `identify`, `group`, `page`, `routing`, …
    pub action: String,
    pub name: String,
    /// `None` when it passed; otherwise what differs (first line is a headline).
    pub failure: Option<String>,
}

/// Everything a run found.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
    /// Informational lines (skipped stages, saved cases, timings).
    pub notes: Vec<String>,
    /// Counts shown in the JSON summary (fixtures, snapshots, generated cases, …).
    pub counts: BTreeMap<String, u64>,
    pub timings: Vec<(String, Duration)>,
    pub seed: u64,
}

#[derive(Default, Clone, Copy)]
struct Row {
    cases: u64,
    passed: u64,
    per_stage: [u64; 6],
}

impl Report {
    pub fn record(&mut self, stage: Stage, action: &str, name: &str, failure: Option<String>) {
        self.results.push(CaseResult {
            stage,
            action: action.to_string(),
            name: name.to_string(),
            failure,
        });
    }

    pub fn count(&mut self, key: &str, n: u64) {
        *self.counts.entry(key.to_string()).or_default() += n;
    }

    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.results.iter().filter(|r| r.failure.is_some())
    }

    pub fn ok(&self) -> bool {
        self.failures().next().is_none()
    }

    fn rows(&self) -> BTreeMap<String, Row> {
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        for r in &self.results {
            let row = rows.entry(r.action.clone()).or_default();
            row.cases += 1;
            if r.failure.is_none() {
                row.passed += 1;
            } else {
                let i = Stage::ALL.iter().position(|s| *s == r.stage).unwrap_or(0);
                row.per_stage[i] += 1;
            }
        }
        rows
    }

    /// The one-screen human summary, with the first `max_diffs` failures in full.
    pub fn summary(&self, max_diffs: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<10} {:>7} {:>7} {:>9} {:>8} {:>9} {:>8} {:>7} {:>5}",
            "action", "cases", "passed", "snapshot", "compile", "property", "corpus", "ref", "e2e"
        );
        let mut total = Row::default();
        for (action, row) in self.rows() {
            let p = row.per_stage;
            let _ = writeln!(
                s,
                "{:<10} {:>7} {:>7} {:>9} {:>8} {:>9} {:>8} {:>7} {:>5}",
                action, row.cases, row.passed, p[0], p[1], p[2], p[3], p[4], p[5]
            );
            total.cases += row.cases;
            total.passed += row.passed;
            for (t, n) in total.per_stage.iter_mut().zip(p) {
                *t += n;
            }
        }
        let p = total.per_stage;
        let _ = writeln!(
            s,
            "{:<10} {:>7} {:>7} {:>9} {:>8} {:>9} {:>8} {:>7} {:>5}",
            "total", total.cases, total.passed, p[0], p[1], p[2], p[3], p[4], p[5]
        );
        let _ = writeln!(
            s,
            "(columns after `passed`: failures by stage; ref = mismatches with Segment's reference)"
        );
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        let failures: Vec<&CaseResult> = self.failures().collect();
        if !failures.is_empty() {
            let _ = writeln!(s, "\n{} failure(s); the first ones:", failures.len());
            for f in failures.iter().take(max_diffs) {
                let _ = writeln!(
                    s,
                    "- [{}] {}",
                    f.stage.name(),
                    f.failure.as_deref().unwrap_or("").replace('\n', "\n  ")
                );
            }
            if failures.len() > max_diffs {
                let _ = writeln!(
                    s,
                    "… and {} more (see the JUnit/JSON reports)",
                    failures.len() - max_diffs
                );
            }
        }
        s
    }

    /// JUnit XML: one `<testsuite>` per stage, one `<testcase classname="<action>">` per case.
    pub fn junit(&self) -> String {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.failures().count();
        let total_time: f64 = self
            .timings
            .iter()
            .filter(|(n, _)| n != "total")
            .map(|(_, d)| d.as_secs_f64())
            .sum();
        let _ = writeln!(
            s,
            "<testsuites name=\"conformance\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{total_time:.3}\">",
            self.results.len()
        );
        for stage in Stage::ALL {
            let cases: Vec<&CaseResult> =
                self.results.iter().filter(|r| r.stage == stage).collect();
            if cases.is_empty() {
                continue;
            }
            let fails = cases.iter().filter(|c| c.failure.is_some()).count();
            let time = self
                .timings
                .iter()
                .find(|(n, _)| n == stage.name())
                .map(|(_, d)| d.as_secs_f64())
                .unwrap_or(0.0);
            let _ = writeln!(
                s,
                "  <testsuite name=\"conformance.{}\" tests=\"{}\" failures=\"{fails}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\">",
                stage.name(),
                cases.len()
            );
            for c in cases {
                let _ = write!(
                    s,
                    "    <testcase classname=\"conformance.{}.{}\" name=\"{}\"",
                    stage.name(),
                    xml(&c.action),
                    xml(&c.name)
                );
                match &c.failure {
                    None => s.push_str("/>\n"),
                    Some(f) => {
                        let headline = f.lines().next().unwrap_or("");
                        let _ = writeln!(
                            s,
                            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                            xml(headline),
                            stage.name(),
                            xml(f)
                        );
                    }
                }
            }
            s.push_str("  </testsuite>\n");
        }
        s.push_str("</testsuites>\n");
        s
    }

    /// The JSON summary.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let rows: serde_json::Map<String, serde_json::Value> = self
            .rows()
            .into_iter()
            .map(|(a, r)| {
                let mut by_stage = serde_json::Map::new();
                for (i, st) in Stage::ALL.iter().enumerate() {
                    by_stage.insert(st.name().to_string(), json!(r.per_stage[i]));
                }
                (
                    a,
                    json!({"cases": r.cases, "passed": r.passed, "failed_by_stage": by_stage}),
                )
            })
            .collect();
        let failures: Vec<serde_json::Value> = self
            .failures()
            .map(|f| {
                json!({"stage": f.stage.name(), "action": f.action, "name": f.name,
                       "detail": f.failure})
            })
            .collect();
        json!({
            "ok": self.ok(),
            "seed": self.seed,
            "cases": self.results.len(),
            "passed": self.results.len() - failures.len(),
            "counts": self.counts,
            "per_action": rows,
            "timings_seconds": self.timings.iter().map(|(n, d)| (n.clone(), json!(d.as_secs_f64()))).collect::<serde_json::Map<_, _>>(),
            "notes": self.notes,
            "failures": failures,
        })
    }

    /// Write `junit.xml`, `summary.json` and `summary.txt` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let junit = dir.join("junit.xml");
        let json = dir.join("summary.json");
        let txt = dir.join("summary.txt");
        std::fs::write(&junit, self.junit())?;
        std::fs::write(&json, serde_json::to_string_pretty(&self.json())? + "\n")?;
        std::fs::write(&txt, self.summary(usize::MAX))?;
        Ok(vec![junit, json, txt])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts() {
        let mut r = Report::default();
        r.record(Stage::Snapshot, "track", "a & <b>", None);
        r.record(Stage::E2e, "page", "p", Some("bad \"x\"\n\u{1}".into()));
        let x = r.junit();
        assert!(x.contains("tests=\"2\" failures=\"1\""));
        assert!(x.contains("name=\"a &amp; &lt;b&gt;\""));
        assert!(x.contains("message=\"bad &quot;x&quot;\""));
        assert!(x.contains("\\u{1}"));
        assert!(!r.ok());
        assert!(r.summary(5).contains("[e2e] bad"));
    }
}
