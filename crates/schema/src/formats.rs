//! String and number formats: `ajv-formats` 3 "full" mode, plus the two formats Segment adds
//! in `packages/core/src/schema-validation.ts` (`text`, `date-like`).
//!
//! Regular expressions are compiled once per process. JS regexes there are ASCII
//! case-insensitive (`/i` without `/u`): we lower-case ASCII in the input and match
//! lower-case patterns, and spell `\d` as `[0-9]`.

use std::sync::OnceLock;

use regex::Regex;

/// A format ajv knows. `Always` formats accept everything (`password`, `binary`, `text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Always,
    Date,
    Time { strict_tz: bool },
    DateTime { strict_tz: bool },
    Duration,
    Uri,
    UriReference,
    UriTemplate,
    Url,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
    Regex,
    Uuid,
    JsonPointer,
    JsonPointerUriFragment,
    RelativeJsonPointer,
    Byte,
    Int32,
    Int64,
    AnyNumber,
    DateLike,
}

impl Format {
    pub(crate) fn lookup(name: &str) -> Option<Format> {
        Some(match name {
            "date" => Format::Date,
            "time" => Format::Time { strict_tz: true },
            "date-time" => Format::DateTime { strict_tz: true },
            "iso-time" => Format::Time { strict_tz: false },
            "iso-date-time" => Format::DateTime { strict_tz: false },
            "duration" => Format::Duration,
            "uri" => Format::Uri,
            "uri-reference" => Format::UriReference,
            "uri-template" => Format::UriTemplate,
            "url" => Format::Url,
            "email" => Format::Email,
            "hostname" => Format::Hostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "regex" => Format::Regex,
            "uuid" => Format::Uuid,
            "json-pointer" => Format::JsonPointer,
            "json-pointer-uri-fragment" => Format::JsonPointerUriFragment,
            "relative-json-pointer" => Format::RelativeJsonPointer,
            "byte" => Format::Byte,
            "int32" => Format::Int32,
            "int64" => Format::Int64,
            "float" | "double" => Format::AnyNumber,
            "password" | "binary" | "text" => Format::Always,
            "date-like" => Format::DateLike,
            _ => return None,
        })
    }

    /// Does this format validate numbers (ajv `type: "number"` format definitions)?
    pub(crate) fn is_number_format(self) -> bool {
        matches!(self, Format::Int32 | Format::Int64 | Format::AnyNumber)
    }

    pub(crate) fn check_number(self, n: f64) -> bool {
        let is_int = n.is_finite() && n.fract() == 0.0;
        match self {
            Format::Int32 => is_int && (-2_147_483_648.0..=2_147_483_647.0).contains(&n),
            Format::Int64 => is_int,
            _ => true,
        }
    }

    pub(crate) fn check_string(self, s: &str) -> bool {
        match self {
            Format::Always | Format::Int32 | Format::Int64 | Format::AnyNumber => true,
            Format::Date => date(s),
            Format::Time { strict_tz } => time(s, strict_tz),
            Format::DateTime { strict_tz } => date_time(s, strict_tz),
            Format::Duration => duration(s),
            Format::Uri => {
                (s.contains('/') || s.contains(':')) && re(&URI, URI_SRC).is_match(&lower(s))
            }
            Format::UriReference => re(&URI_REF, URI_REF_SRC).is_match(&lower(s)),
            Format::UriTemplate => re(&URI_TEMPLATE, URI_TEMPLATE_SRC).is_match(&lower(s)),
            Format::Url => url(s),
            Format::Email => re(&EMAIL, EMAIL_SRC).is_match(&lower(s)),
            Format::Hostname => hostname(s),
            Format::Ipv4 => re(&IPV4, IPV4_SRC).is_match(s),
            Format::Ipv6 => re(&IPV6, IPV6_SRC).is_match(&lower(s)),
            Format::Regex => !re(&Z_ANCHOR, r"[^\\]\\Z").is_match(s) && Regex::new(s).is_ok(),
            Format::Uuid => re(
                &UUID,
                r"^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$",
            )
            .is_match(&lower(s)),
            Format::JsonPointer => re(&JSON_POINTER, r"^(?:/(?:[^~/]|~0|~1)*)*$").is_match(s),
            Format::JsonPointerUriFragment => re(
                &JSON_POINTER_FRAG,
                r"^#(?:/(?:[a-z0-9_\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*$",
            )
            .is_match(&lower(s)),
            Format::RelativeJsonPointer => re(
                &REL_JSON_POINTER,
                r"^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$",
            )
            .is_match(s),
            Format::Byte => byte(s),
            Format::DateLike => date_like(s),
        }
    }
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn re(cell: &'static OnceLock<Regex>, src: &str) -> &'static Regex {
    cell.get_or_init(|| {
        Regex::new(src).unwrap_or_else(|_| Regex::new("$^").expect("trivial regex"))
    })
}

static URI: OnceLock<Regex> = OnceLock::new();
static URI_REF: OnceLock<Regex> = OnceLock::new();
static URI_TEMPLATE: OnceLock<Regex> = OnceLock::new();
static URL: OnceLock<Regex> = OnceLock::new();
static EMAIL: OnceLock<Regex> = OnceLock::new();
static HOSTNAME: OnceLock<Regex> = OnceLock::new();
static IPV4: OnceLock<Regex> = OnceLock::new();
static IPV6: OnceLock<Regex> = OnceLock::new();
static Z_ANCHOR: OnceLock<Regex> = OnceLock::new();
static UUID: OnceLock<Regex> = OnceLock::new();
static JSON_POINTER: OnceLock<Regex> = OnceLock::new();
static JSON_POINTER_FRAG: OnceLock<Regex> = OnceLock::new();
static REL_JSON_POINTER: OnceLock<Regex> = OnceLock::new();
static DURATION: OnceLock<Regex> = OnceLock::new();
static TIME: OnceLock<Regex> = OnceLock::new();
static DAYJS: OnceLock<Regex> = OnceLock::new();
static ISO_DATE: OnceLock<Regex> = OnceLock::new();

const URI_SRC: &str = concat!(
    r"^(?:[a-z][a-z0-9+\-.]*:)(?:/?/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[",
    r"(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[vV][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)",
    r"\]|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::[0-9]*)?(?:/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$"
);

const URI_REF_SRC: &str = concat!(
    r#"^(?:[a-z][a-z0-9+\-.]*:)?(?:/?/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\["#,
    r"(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[vV][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)",
    r#"\]|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)|(?:[a-z0-9\-._~!$&'"()*+,;=]|%[0-9a-f]{2})*)(?::[0-9]*)?(?:/(?:[a-z0-9\-._~!$&'"()*+,;=:@]|%[0-9a-f]{2})*)*|/(?:(?:[a-z0-9\-._~!$&'"()*+,;=:@]|%[0-9a-f]{2})+(?:/(?:[a-z0-9\-._~!$&'"()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'"()*+,;=:@]|%[0-9a-f]{2})+(?:/(?:[a-z0-9\-._~!$&'"()*+,;=:@]|%[0-9a-f]{2})*)*)?(?:\?(?:[a-z0-9\-._~!$&'"()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'"()*+,;=:@/?]|%[0-9a-f]{2})*)?$"#
);

const URI_TEMPLATE_SRC: &str = r#"^(?:(?:[^\x00-\x20"'<>%\\^`{|}]|%[0-9a-f]{2})|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*$"#;

const EMAIL_SRC: &str = r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$";

const IPV4_SRC: &str = r"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$";

const IPV6_SRC: &str = r"^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f]{1,4}){0,5}:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}))|:)))$";

fn is_leap_year(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// RFC 3339 full-date with range checks.
fn date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (y, m, d) = (&s[0..4], &s[5..7], &s[8..10]);
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (
        y.parse().unwrap_or(0),
        m.parse().unwrap_or(0),
        d.parse().unwrap_or(0),
    );
    const DAYS: [u32; 13] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m)
        && d >= 1
        && d <= if m == 2 && is_leap_year(y) {
            29
        } else {
            DAYS[m as usize]
        }
}

fn time(s: &str, strict_tz: bool) -> bool {
    let re = re(
        &TIME,
        r"^([0-9][0-9]):([0-9][0-9]):([0-9][0-9](?:\.[0-9]+)?)(z|([+-])([0-9][0-9])(?::?([0-9][0-9]))?)?$",
    );
    let lowered = lower(s);
    let Some(c) = re.captures(&lowered) else {
        return false;
    };
    let num = |i: usize| {
        c.get(i)
            .map_or(0.0, |m| m.as_str().parse::<f64>().unwrap_or(0.0))
    };
    let (hr, min, sec) = (num(1), num(2), num(3));
    let tz = c.get(4).is_some();
    let sign = if c.get(5).is_some_and(|m| m.as_str() == "-") {
        -1.0
    } else {
        1.0
    };
    let (tz_h, tz_m) = (num(6), num(7));
    if tz_h > 23.0 || tz_m > 59.0 || (strict_tz && !tz) {
        return false;
    }
    if hr <= 23.0 && min <= 59.0 && sec < 60.0 {
        return true;
    }
    let utc_min = min - tz_m * sign;
    let utc_hr = hr - tz_h * sign - if utc_min < 0.0 { 1.0 } else { 0.0 };
    (utc_hr == 23.0 || utc_hr == -1.0) && (utc_min == 59.0 || utc_min == -1.0) && sec < 61.0
}

fn date_time(s: &str, strict_tz: bool) -> bool {
    // `str.split(/t|\s/i)` must give exactly two parts.
    let parts: Vec<&str> = s
        .split(|c: char| c == 't' || c == 'T' || is_regex_space(c))
        .collect();
    parts.len() == 2 && date(parts[0]) && time(parts[1], strict_tz)
}

/// JS regex `\s`.
fn is_regex_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

fn duration(s: &str) -> bool {
    // /^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$/ — lookarounds by hand.
    if s == "P" {
        return false;
    }
    let re = re(
        &DURATION,
        r"^P(([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+S)?)?|([0-9]+W)?)$",
    );
    if !re.is_match(s) {
        return false;
    }
    match s.find('T') {
        Some(i) => s[i + 1..].starts_with(|c: char| c.is_ascii_digit()),
        None => true,
    }
}

fn hostname(s: &str) -> bool {
    // (?=.{1,253}\.?$): total length 1..=253, or 254 with a trailing dot.
    let n = s.chars().count();
    let len_ok = (1..=253).contains(&n) || (n == 254 && s.ends_with('.'));
    len_ok
        && re(
            &HOSTNAME,
            r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$",
        )
        .is_match(&lower(s))
}

/// dperini's URL regex without its private-network lookaheads (checked by hand).
fn url(s: &str) -> bool {
    let re = re(
        &URL,
        r"^(?:https?|ftp)://(?:\S+(?::\S*)?@)?(?:((?:[1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3])(?:\.(?:1?[0-9]{1,2}|2[0-4][0-9]|25[0-5])){2}(?:\.(?:[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4])))|(?:(?:[a-z0-9\x{a1}-\x{ffff}]+-)*[a-z0-9\x{a1}-\x{ffff}]+)(?:\.(?:[a-z0-9\x{a1}-\x{ffff}]+-)*[a-z0-9\x{a1}-\x{ffff}]+)*(?:\.(?:[a-z\x{a1}-\x{ffff}]{2,})))(?::[0-9]{2,5})?(?:/\S*)?$",
    );
    let lowered = lower(s);
    let Some(c) = re.captures(&lowered) else {
        return false;
    };
    if let Some(ip) = c.get(1) {
        let o: Vec<u32> = ip
            .as_str()
            .split('.')
            .filter_map(|p| p.parse().ok())
            .collect();
        if o.len() == 4 {
            let private = o[0] == 10
                || o[0] == 127
                || (o[0] == 169 && o[1] == 254)
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 172 && (16..=31).contains(&o[1]));
            if private {
                return false;
            }
        }
    }
    true
}

fn byte(s: &str) -> bool {
    // /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/gm — multiline: any line.
    s.split(['\n', '\r', '\u{2028}', '\u{2029}']).any(|line| {
        let b = line.as_bytes();
        let ok = |c: &u8| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/';
        let body = match b {
            [rest @ .., x, y, b'=', b'='] if ok(x) && ok(y) => rest,
            [rest @ .., x, y, z, b'='] if ok(x) && ok(y) && ok(z) => rest,
            _ => b,
        };
        body.len() % 4 == 0 && body.iter().all(ok)
    })
}

/// Segment's `date-like`: dayjs parsing. Numeric strings are unix seconds; strings matching
/// dayjs' own pattern are valid; other strings go to `new Date(str)`, approximated here by the
/// ECMAScript date-time string format.
fn date_like(s: &str) -> bool {
    let n = crate::coerce::string_to_number(s);
    if crate::coerce::number_to_string(n) == s {
        return n.is_finite() && (n * 1000.0).abs() <= 8.64e15;
    }
    let dayjs = re(
        &DAYJS,
        r"^([0-9]{4})[-/]?([0-9]{1,2})?[-/]?([0-9]{0,2})[Tt\s]*([0-9]{1,2})?:?([0-9]{1,2})?:?([0-9]{1,2})?[.:]?([0-9]+)?$",
    );
    if !s.ends_with(['Z', 'z']) && dayjs.is_match(s) {
        return true;
    }
    re(
        &ISO_DATE,
        r"^(?:[0-9]{4}|[+-][0-9]{6})(?:-[0-9]{2}(?:-[0-9]{2})?)?(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?$",
    )
    .is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_ajv_formats() {
        assert!(Format::Date.check_string("2020-02-29"));
        assert!(!Format::Date.check_string("2021-02-29"));
        assert!(Format::DateTime { strict_tz: true }.check_string("2020-01-01T10:00:00Z"));
        assert!(!Format::DateTime { strict_tz: true }.check_string("2020-01-01T10:00:00"));
        assert!(Format::DateTime { strict_tz: false }.check_string("2020-01-01 10:00:00"));
        assert!(Format::Email.check_string("Foo.Bar@Example.com"));
        assert!(!Format::Email.check_string("foo@"));
        assert!(Format::Uri.check_string("https://example.com/a?b=c#d"));
        assert!(!Format::Uri.check_string("example"));
        assert!(Format::Ipv4.check_string("127.0.0.1"));
        assert!(!Format::Ipv4.check_string("256.0.0.1"));
        assert!(Format::Ipv6.check_string("::1"));
        assert!(Format::Hostname.check_string("example.com"));
        assert!(Format::Uuid.check_string("123E4567-E89B-12D3-A456-426614174000"));
        assert!(Format::Duration.check_string("P1DT2H"));
        assert!(!Format::Duration.check_string("PT"));
        assert!(Format::Url.check_string("https://example.com"));
        assert!(!Format::Url.check_string("http://10.0.0.1"));
        assert!(Format::Byte.check_string("aGVsbG8="));
        assert!(Format::Int32.check_number(5.0) && !Format::Int32.check_number(3e9));
        assert!(Format::DateLike.check_string("2020-01-01"));
        assert!(Format::DateLike.check_string("1577836800"));
    }
}
