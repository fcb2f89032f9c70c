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
///
/// The generator is mulberry32 seeded with the low 32 bits of `seed`, fed through lodash's
/// integer `random(lower, upper)` formula: the same stream `reference/run-cases.js` installs in
/// place of lodash's `Math.random`, so generated ids agree with the reference run byte for byte.
#[derive(Clone, Debug)]
pub struct FixedEnv {
    now: Timestamp,
    state: u32,
}

impl FixedEnv {
    pub fn new(now: Timestamp, seed: u64) -> FixedEnv {
        FixedEnv {
            now,
            state: seed as u32,
        }
    }

    /// mulberry32: a float in [0, 1).
    fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x6D2B_79F5);
        let mut t = self.state;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
}

impl Env for FixedEnv {
    fn now(&self) -> Timestamp {
        self.now
    }

    fn generate_id(&mut self) -> String {
        const LOW: f64 = 1_000_000_000.0;
        const HIGH: f64 = 9_999_999_999.0;
        let n = LOW + (self.next_f64() * (HIGH - LOW + 1.0)).floor();
        let mut s = String::with_capacity(10);
        usermaven_json::write_number(&mut s, n);
        s
    }
}

/// Counts the ids generated through it, so a result can say whether it holds one
/// (`Routed::generated_id`, the case runner's `nondeterministic`).
pub struct CountingEnv<'a> {
    inner: &'a mut dyn Env,
    generated: u32,
}

impl<'a> CountingEnv<'a> {
    pub fn new(inner: &'a mut dyn Env) -> CountingEnv<'a> {
        CountingEnv {
            inner,
            generated: 0,
        }
    }

    /// Whether an id was generated through this env.
    pub fn generated(&self) -> bool {
        self.generated > 0
    }
}

impl Env for CountingEnv<'_> {
    fn now(&self) -> Timestamp {
        self.inner.now()
    }
    fn generate_id(&mut self) -> String {
        self.generated += 1;
        self.inner.generate_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ten_digits_and_reproducible() {
        let now = Timestamp::UNIX_EPOCH;
        let a: Vec<String> = {
            let mut e = FixedEnv::new(now, 42);
            (0..50).map(|_| e.generate_id()).collect()
        };
        let b: Vec<String> = {
            let mut e = FixedEnv::new(now, 42);
            (0..50).map(|_| e.generate_id()).collect()
        };
        assert_eq!(a, b);
        assert!(a
            .iter()
            .all(|id| id.len() == 10 && id.bytes().all(|c| c.is_ascii_digit())));
        assert_ne!(a[0], a[1]);
    }
}
