//! The armed faults: the script (each fault with the requests it still hits), seeded random
//! faults, and the log of those injected.

use std::collections::VecDeque;

use crate::model::fault::{FaultPlan, ScriptedFault};
use crate::model::{Fault, FaultOrigin, FaultRecord, RandomFaults};

/// A small deterministic generator (SplitMix64): the same seed gives the same fault sequence.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Scripted and random faults, and the injected-fault log (the newest `max_log`).
pub(crate) struct Faults {
    script: VecDeque<(Fault, u32)>,
    random: Option<(SplitMix64, RandomFaults)>,
    log: VecDeque<FaultRecord>,
    max_log: usize,
}

impl Faults {
    pub(crate) fn new(max_log: usize) -> Self {
        Faults {
            script: VecDeque::new(),
            random: None,
            log: VecDeque::new(),
            max_log: max_log.max(1),
        }
    }

    /// Some fault may still hit a request.
    pub(crate) fn armed(&self) -> bool {
        !self.script.is_empty() || self.random.is_some()
    }

    /// The next `n` requests get `fault` (after any already scripted).
    pub(crate) fn script(&mut self, fault: Fault, n: u32) {
        self.script.push_back((fault, n));
    }

    pub(super) fn set_random(&mut self, seed: u64, probs: RandomFaults) {
        self.random = Some((SplitMix64::new(seed), probs));
    }

    /// Disarms the script and the random faults (the log stays).
    pub(super) fn disarm(&mut self) {
        self.script.clear();
        self.random = None;
    }

    pub(super) fn random_armed(&self) -> bool {
        self.random.is_some()
    }

    /// The pending script and the random probabilities.
    pub(crate) fn plan(&self) -> FaultPlan {
        FaultPlan {
            pending: self
                .script
                .iter()
                .map(|(fault, times)| ScriptedFault {
                    fault: fault.clone(),
                    times: *times,
                })
                .collect(),
            random: self.random.as_ref().map(|(_, p)| p.clone()),
        }
    }

    /// Logs an injected fault, evicting the oldest beyond the limit.
    pub(crate) fn log(&mut self, record: FaultRecord) {
        if self.log.len() >= self.max_log {
            self.log.pop_front();
        }
        self.log.push_back(record);
    }

    pub(super) fn logged(&self) -> impl Iterator<Item = &FaultRecord> {
        self.log.iter()
    }

    pub(super) fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Picks the fault for the next ingestion request: the script first, then the dice.
    pub(super) fn choose(&mut self) -> Option<(Fault, FaultOrigin)> {
        if let Some((fault, left)) = self.script.front_mut() {
            let fault = fault.clone();
            *left -= 1;
            if *left == 0 {
                self.script.pop_front();
            }
            return Some((fault, FaultOrigin::Script));
        }
        let (rng, p) = self.random.as_mut()?;
        let roll = rng.next_f64();
        let pick = rng.next_u64();
        let mut acc = 0.0;
        let kinds: [(f64, &dyn Fn() -> Fault); 7] = [
            (p.status, &|| {
                let statuses = if p.statuses.is_empty() {
                    vec![503]
                } else {
                    p.statuses.clone()
                };
                let status = statuses[(pick % statuses.len() as u64) as usize];
                Fault::Status {
                    status,
                    retry_after: p.retry_after.clone(),
                    body: None,
                }
            }),
            (p.delay, &|| Fault::Delay { ms: p.delay_ms }),
            (p.drop, &|| Fault::Drop {
                after_processing: pick % 2 == 1,
            }),
            (p.partial, &|| Fault::Partial),
            (p.slow, &|| Fault::Slow {
                byte_delay_ms: p.slow_byte_delay_ms.max(1),
            }),
            (p.reset, &|| Fault::Reset),
            (p.partial_read, &|| Fault::PartialRead),
        ];
        for (prob, make) in kinds {
            acc += prob.clamp(0.0, 1.0);
            if roll < acc {
                return Some((make(), FaultOrigin::Random));
            }
        }
        None
    }
}
