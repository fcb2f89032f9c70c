//! The destination's behaviour switches: where requests go, and the documented fixes of the
//! reference's bugs (off by default, so the defaults reproduce the reference exactly).
//!
//! [`Fixes`] is the one list of fixes: configuration files name them in `options` (by field
//! name, see [`Fixes::set`]), and the command line's flags are derived from the same struct
//! (the `clap` feature), so adding a fix is one field here and one arm in `set`.

use crate::perform;

/// Behaviour switches. The defaults reproduce the reference exactly, bugs included.
#[derive(Clone, Debug)]
pub struct Options {
    /// The API origin (`https://events.usermaven.com`).
    pub base_url: String,
    /// The documented fixes turned on (none by default).
    pub fixes: Fixes,
    /// Let [`crate::Destination::route_text`] take the fused fast path (`crate::fused`) where
    /// it applies. It gives the same results as the general path; off only to compare them.
    pub fused: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            base_url: perform::DEFAULT_BASE_URL.to_string(),
            fixes: Fixes::default(),
            fused: true,
        }
    }
}

/// The documented fixes of the reference's bugs. Each is off unless turned on by a
/// configuration's `options` or by its command-line flag (`--fix-company-custom`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Fixes {
    /// Apply the documented fix for the reference's company.custom bug.
    ///
    /// Remove `name`, `created_at`, `company_id` and `company_created_at` from
    /// `company.custom` as request-params.ts intends (the reference never does, because it
    /// tests `payload.company`, which never exists).
    #[cfg_attr(feature = "clap", arg(long))]
    pub fix_company_custom: bool,
    /// Compute local_tz_offset at the event's time (`utc_time`) instead of now (for replays).
    ///
    /// The event's time is the payload's `utc_time`, which the presets map from the event's
    /// `timestamp`; the reference uses *now*. When `utc_time` is missing or is not an RFC 3339
    /// date-time, *now* is used.
    #[cfg_attr(feature = "clap", arg(long))]
    pub tz_offset_at_event_time: bool,
    /// Apply the documented fix for the reference's local-midnight offset bug.
    ///
    /// At local midnight the reference's `hour12: false` prints hour `24`, so the offset is
    /// 1440 minutes too low at exactly `24:00:00` and `null` during the rest of that hour.
    /// With this option local midnight reads as hour 0.
    #[cfg_attr(feature = "clap", arg(long))]
    pub fix_tz_midnight: bool,
}

impl Fixes {
    /// Set the fix a configuration's `options` names; `false` if no fix has that name.
    pub fn set(&mut self, name: &str, on: bool) -> bool {
        let field = match name {
            "fix_company_custom" => &mut self.fix_company_custom,
            "tz_offset_at_event_time" => &mut self.tz_offset_at_event_time,
            "fix_tz_midnight" => &mut self.fix_tz_midnight,
            _ => return false,
        };
        *field = on;
        true
    }

    /// Every fix on in `self` or in `other`.
    pub fn or(self, other: Fixes) -> Fixes {
        Fixes {
            fix_company_custom: self.fix_company_custom | other.fix_company_custom,
            tz_offset_at_event_time: self.tz_offset_at_event_time | other.tz_offset_at_event_time,
            fix_tz_midnight: self.fix_tz_midnight | other.fix_tz_midnight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Fixes;

    #[test]
    fn set_names_every_fix_and_or_keeps_each() {
        for name in [
            "fix_company_custom",
            "tz_offset_at_event_time",
            "fix_tz_midnight",
        ] {
            let mut one = Fixes::default();
            assert!(one.set(name, true), "{name}");
            assert_ne!(one, Fixes::default(), "{name}");
            assert_eq!(Fixes::default().or(one), one, "{name}");
            assert_eq!(one.or(Fixes::default()), one, "{name}");
        }
        assert!(!Fixes::default().set("base_url", true));
    }
}
