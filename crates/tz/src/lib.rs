//! The reference's time-zone database: the zone names V8 accepts and each zone's offsets as
//! Node 20's ICU has them (ICU 78.2, tz 2025c), for everything that reads a time zone as the
//! reference does — the destination's `local_tz_offset` and liquid's `date` filter.
//!
//! [`resolve_zone`] resolves a name as V8 does ([`canonicalize`], then an exact ICU ID);
//! [`Zone::offset_at`] gives its UTC offset at an instant, to the second.
//!
//! ## The data
//!
//! Names and offsets come from `src/icu-zones.txt`, which `reference/tz/gen-tz.js` reads out of
//! the reference's ICU (Node 20.20.2: ICU 78.2, tz 2025c) under `cargo xtask reference`: every
//! name ICU accepts, and for each zone its offset on 1800-01-01 and every change of offset
//! up to 2101-01-01, to the second. ICU compiles the IANA release *without* `backzone`
//! (`Europe/Amsterdam` before 1940 is Brussels' time, `Africa/Malabo` is Lagos'), keeps IDs
//! IANA dropped (`US/Pacific-New`, `Canada/East-Saskatchewan`, `SystemV/*`, `PST`…) and V8
//! rejects some names a tz install ships (`Factory`, `Etc/Unknown`, `localtime`,
//! `posixrules`); a tz database compiled by zic (such as jiff's bundled one) differs on all
//! of these. The table is parsed once, on first use.
//!
//! Range of the table: before 1800-01-01 the offset of 1800-01-01 applies, which is also
//! ICU's (no zone changes earlier: checked for every name at 1000, 1500, 1700 and 1799).
//! After 2101-01-01 the last offset of 2100 applies: ICU would go on with the zone's
//! daylight-saving rule there, so for zones with DST this is a known gap (far outside the
//! 1900–2037 range the reference corpus checks).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The zone table (see the crate docs): generated, never edited by hand.
const TABLE_TEXT: &str = include_str!("icu-zones.txt");

/// One zone's history: the offset before the first change, then each change.
#[derive(Debug)]
pub struct Zone {
    initial: i32,
    /// Seconds since 1970 at which an offset starts, ascending.
    starts: Box<[i64]>,
    /// The offset in seconds (east of UTC positive) from the matching start on.
    offsets: Box<[i32]>,
}

impl Zone {
    /// The UTC offset in seconds at `unix_seconds`.
    pub fn offset_at(&self, unix_seconds: i64) -> i32 {
        match self.starts.partition_point(|&s| s <= unix_seconds) {
            0 => self.initial,
            i => self.offsets[i - 1],
        }
    }
}

struct Table {
    zones: Vec<Zone>,
    /// Exact ICU ID → index into `zones`.
    names: HashMap<&'static str, usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(TABLE_TEXT).expect("icu-zones.txt is well-formed"))
}

/// Parses the table format `reference/tz/gen-tz.js` writes.
fn parse_table(text: &'static str) -> Result<Table, String> {
    let mut zones = Vec::new();
    let mut zone_index: HashMap<&str, usize> = HashMap::new();
    let mut names = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("line {}: {what}", n + 1);
        let mut parts = line.split(' ');
        match parts.next() {
            Some("Z") => {
                let name = parts.next().ok_or_else(|| bad("zone name"))?;
                let initial = parts
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("initial offset"))?;
                let (mut starts, mut offsets) = (Vec::new(), Vec::new());
                let mut t = 0i64;
                for change in parts {
                    let (delta, offset) = change
                        .split_once(',')
                        .and_then(|(d, o)| Some((d.parse::<i64>().ok()?, o.parse().ok()?)))
                        .ok_or_else(|| bad("change"))?;
                    t += delta;
                    starts.push(t);
                    offsets.push(offset);
                }
                zone_index.insert(name, zones.len());
                zones.push(Zone {
                    initial,
                    starts: starts.into(),
                    offsets: offsets.into(),
                });
            }
            Some("N") => {
                let (Some(name), Some(zone), None) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad("name record"));
                };
                let i = *zone_index.get(zone).ok_or_else(|| bad("unknown zone"))?;
                names.insert(name, i);
            }
            Some(c) if c.starts_with('#') => {}
            _ => return Err(bad("unknown record")),
        }
    }
    Ok(Table { zones, names })
}

/// Resolve a zone name as V8/ICU does for `Intl.DateTimeFormat({timeZone})`.
pub fn resolve_zone(name: &str) -> Option<&'static Zone> {
    let t = table();
    let id = canonicalize(name)?;
    t.names.get(id.as_str()).map(|&i| &t.zones[i])
}

/// V8's `JSDateTimeFormat::CanonicalizeTimeZoneID` (Node 20): the spelling handed to ICU,
/// whose lookup is case-sensitive. ASCII case is folded to the IDs' title case
/// (`bueNos_airES` → `Buenos_Aires`, with `of`, `es` and `au` in lower case), with special
/// cases for three-letter IDs, `XXXnXXX` IDs, `Etc/GMT±n`, `US/`, `SystemV/` and a fixed list
/// of mixed-case IDs. `None` where V8 gives up (any byte other than ASCII letters, `_`, `-`
/// and `/` on the title-case path): ICU then has no such zone.
pub fn canonicalize(input: &str) -> Option<String> {
    let upper = input.to_ascii_uppercase();
    let b = upper.as_bytes();
    if b.len() == 3 {
        return Some(if upper == "GMT" {
            "UTC".to_string()
        } else {
            upper
        });
    }
    if b.len() == 7 && b[3].is_ascii_digit() {
        return Some(upper);
    }
    if b.len() > 3 {
        if upper.starts_with("ETC") {
            if matches!(upper.as_str(), "ETC/UTC" | "ETC/GMT" | "ETC/UCT") {
                return Some("UTC".to_string());
            }
            if upper.starts_with("ETC/GMT") {
                return gmt_id(input.as_bytes());
            }
        } else if upper.starts_with("GMT") {
            if matches!(upper.as_str(), "GMT0" | "GMT+0" | "GMT-0") {
                return Some("UTC".to_string());
            }
        } else if upper.starts_with("US/") {
            let mut title = title_case(input)?;
            if title.len() >= 2 {
                // "Us/" → "US/"
                title.replace_range(1..2, "S");
            }
            return Some(title);
        } else if let Some(rest) = upper.strip_prefix("SYSTEMV/") {
            return Some(format!("SystemV/{rest}"));
        }
    }
    const SPECIAL: [&str; 16] = [
        "America/Argentina/ComodRivadavia",
        "America/Knox_IN",
        "Antarctica/DumontDUrville",
        "Antarctica/McMurdo",
        "Australia/ACT",
        "Australia/LHI",
        "Australia/NSW",
        "Brazil/DeNoronha",
        "Chile/EasterIsland",
        "GB",
        "GB-Eire",
        "Mexico/BajaNorte",
        "Mexico/BajaSur",
        "NZ",
        "NZ-CHAT",
        "W-SU",
    ];
    if let Some(special) = SPECIAL.iter().find(|s| s.eq_ignore_ascii_case(&upper)) {
        return Some((*special).to_string());
    }
    title_case(input)
}

/// V8's `GetGMTTzID`: `Etc/GMT0`, `Etc/GMT±d`, `Etc/GMT±1d` (d ≤ 4 in the last form), with
/// the sign and digits as typed; anything else is no zone.
fn gmt_id(input: &[u8]) -> Option<String> {
    let tail = match input.len() {
        8 if input[7] == b'0' => "0".to_string(),
        9 if matches!(input[7], b'+' | b'-') && input[8].is_ascii_digit() => {
            format!("{}{}", input[7] as char, input[8] as char)
        }
        10 if matches!(input[7], b'+' | b'-')
            && input[8] == b'1'
            && (b'0'..=b'4').contains(&input[9]) =>
        {
            format!("{}1{}", input[7] as char, input[9] as char)
        }
        _ => return None,
    };
    Some(format!("Etc/GMT{tail}"))
}

/// V8's `ToTitleCaseTimezoneLocation`: each word (run of ASCII letters) capitalised, the rest
/// lower case; two-letter words `Of`, `Es`, `Au` before a separator in lower case.
fn title_case(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    let mut word = 0usize;
    for c in input.bytes() {
        if c.is_ascii_alphabetic() {
            out.push(if word == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            } as char);
            word += 1;
        } else if matches!(c, b'_' | b'-' | b'/') {
            if word == 2 {
                let pos = out.len() - 2;
                if matches!(&out[pos..], "Of" | "Es" | "Au") {
                    out.replace_range(pos..pos + 1, &out[pos..pos + 1].to_ascii_lowercase());
                }
            }
            out.push(c as char);
            word = 0;
        } else {
            return None;
        }
    }
    Some(out)
}

/// The message of the RangeError V8 throws for a zone it does not know:
/// `Invalid time zone specified: X`, with X as [`v8_latin1`] renders it.
pub fn invalid_zone_message(zone: &str) -> String {
    format!("Invalid time zone specified: {}", v8_latin1(zone))
}

/// V8 builds this RangeError message from the zone's UTF-8 bytes read as Latin-1, with NUL
/// printed as a space: `"é"` (e + U+0301) reads `eÌ\u{81}`. A lone surrogate (which a Rust
/// string holds as its stand-in, [`usermaven_json::lone_surrogate_char`]) is written as the
/// three bytes of its generalized UTF-8 (`\udfff` → `ED BF BF`, read `í¿¿`), as the reference
/// prints it (fuzz target `reference`).
fn v8_latin1(zone: &str) -> String {
    let mut out = String::with_capacity(zone.len());
    let mut utf8 = [0u8; 4];
    for c in zone.chars() {
        let bytes: &[u8] = match usermaven_json::lone_surrogate_unit(c) {
            Some(u) => &[
                0xED,
                0xA0 | ((u >> 6) & 0x1F) as u8,
                0x80 | (u & 0x3F) as u8,
            ],
            None => c.encode_utf8(&mut utf8).as_bytes(),
        };
        out.extend(
            bytes
                .iter()
                .map(|&b| if b == 0 { ' ' } else { char::from(b) }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_resolve() {
        let t = table();
        assert!(t.zones.len() > 300, "{} zones", t.zones.len());
        assert!(t.names.len() > t.zones.len());
        for name in [
            "Europe/Amsterdam",
            "US/Pacific-New",
            "SystemV/AST4",
            "PST",
            "UTC",
        ] {
            assert!(resolve_zone(name).is_some(), "{name}");
        }
        for name in ["Factory", "Etc/Unknown", "localtime", "posixrules", "CEST"] {
            assert!(resolve_zone(name).is_none(), "{name}");
        }
    }

    #[test]
    fn bad_table_lines_are_errors() {
        assert!(parse_table("Z A 0 10\n").is_err());
        assert!(parse_table("N A B\n").is_err());
        assert!(parse_table("X\n").is_err());
        assert!(parse_table("Z A 0 10,3600\nN B A\n").is_ok());
    }

    #[test]
    fn canonicalization_follows_v8() {
        let c = |s: &str| canonicalize(s);
        assert_eq!(c("bueNos_airES").as_deref(), Some("Buenos_Aires"));
        assert_eq!(
            c("america/port_of_spain").as_deref(),
            Some("America/Port_of_Spain")
        );
        assert_eq!(
            c("america/port-au-prince").as_deref(),
            Some("America/Port-au-Prince")
        );
        assert_eq!(
            c("africa/dar_es_salaam").as_deref(),
            Some("Africa/Dar_es_Salaam")
        );
        assert_eq!(c("gmt").as_deref(), Some("UTC"));
        assert_eq!(c("est5edt").as_deref(), Some("EST5EDT"));
        assert_eq!(c("etc/gmt+5").as_deref(), Some("Etc/GMT+5"));
        assert_eq!(c("ETC/GMT+05"), None);
        assert_eq!(c("us/pacific-new").as_deref(), Some("US/Pacific-New"));
        assert_eq!(c("systemv/ast4").as_deref(), Some("SystemV/AST4"));
        assert_eq!(c("nz-chat").as_deref(), Some("NZ-CHAT"));
        assert_eq!(c("Europe/Zürich"), None);
        assert_eq!(c("GMT+5"), None);
    }
}
