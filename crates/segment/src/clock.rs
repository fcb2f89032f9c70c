//! The clock and the message-id generator, injected so a run can be reproduced byte for byte.
//!
//! `receivedAt` comes from [`Clock`]; message ids Segment adds come from [`MessageIds`]. With
//! a fixed clock and a seed (`dev --now … --seed …`) the same traffic gives the same messages.

use jiff::Timestamp;

/// Where `receivedAt` (and the destination's *now*) comes from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Ids for messages that arrive without a `messageId`: `api-` and a version-4 UUID drawn from
/// a seeded splitmix64 stream (Segment does not document the form of the ids it adds).
#[derive(Clone, Debug)]
pub struct MessageIds {
    state: u64,
}

impl MessageIds {
    pub fn new(seed: u64) -> MessageIds {
        MessageIds { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next id, `api-xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
    pub fn next_id(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "api-{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

/// A seed from the time and the process id, for runs without `--seed`.
pub fn random_seed() -> u64 {
    let t = Timestamp::now().as_nanosecond() as u64;
    t ^ u64::from(std::process::id()).rotate_left(32)
}

/// A fresh secret token: 128 bits from the operating system (`/dev/urandom`), hex.
pub fn random_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No urandom: the time and pid through splitmix (weaker, still unguessable in practice
        // from another site, which cannot read the page).
        let mut ids = MessageIds::new(random_seed());
        bytes[..8].copy_from_slice(&ids.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&ids.next_u64().to_be_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An ISO-8601 UTC time with milliseconds, as JavaScript's `toISOString` writes it.
pub fn iso(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_seeded_uuids() {
        let a: Vec<String> = {
            let mut g = MessageIds::new(7);
            (0..3).map(|_| g.next_id()).collect()
        };
        let mut g = MessageIds::new(7);
        assert_eq!(a[0], g.next_id());
        assert_ne!(a[0], a[1]);
        assert_eq!(a[0].len(), 40);
        assert_eq!(&a[0][18..19], "4");
    }

    #[test]
    fn iso_has_milliseconds() {
        let t: Timestamp = "2026-01-02T03:04:05.6789Z".parse().unwrap();
        assert_eq!(iso(t), "2026-01-02T03:04:05.678Z");
        let t: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(iso(t), "2026-01-02T03:04:05.000Z");
    }
}
