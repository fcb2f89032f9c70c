//! The clock and the random-id generator, injected so output is reproducible.

use jiff::Timestamp;

/// What the reference reads from the outside world: `new Date()` (time-zone offsets,
/// liquid dates) and lodash `random` (`generateId` in `vars.ts`).
pub trait Env {
    /// The current time.
    fn now(&self) -> Timestamp;
    /// `generateId()`: a random 10-digit decimal id in `[1000000000, 9999999999]`.
    fn generate_id(&mut self) -> String;
}

/// A fixed clock and a seeded id generator: the same `(now, seed)` always gives the same ids.
#[derive(Clone, Debug)]
pub struct FixedEnv {
    now: Timestamp,
    state: u64,
}

impl FixedEnv {
    pub fn new(now: Timestamp, seed: u64) -> FixedEnv {
        FixedEnv { now, state: seed }
    }

    /// SplitMix64: small, fast and stable across releases (unlike library RNGs).
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Env for FixedEnv {
    fn now(&self) -> Timestamp {
        self.now
    }

    fn generate_id(&mut self) -> String {
        const LOW: u64 = 1_000_000_000;
        const SPAN: u64 = 9_000_000_000;
        (LOW + self.next_u64() % SPAN).to_string()
    }
}
