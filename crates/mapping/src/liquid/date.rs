//! The `date` filters: liquidjs' `parseDate`, `LiquidDate` and `strftime`, for a
//! process running with `TZ=UTC` and the `en-US` locale (as the reference does).
//! String dates are parsed like V8's `Date.parse`: ISO 8601 exactly, the common
//! legacy forms (`June 15, 2024`, `2024/06/15 10:00`, RFC 2822) approximately.

use super::render::{fail, Ctx, RenderResult};
use super::value::{len16, num_str, LiquidValue};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const DEFAULT_FORMAT: &str = "%A, %B %-e, %Y at %-l:%M %P %z";
const MAX_MS: f64 = 8.64e15;

struct LDate {
    /// The instant (ms since the epoch).
    ms: f64,
    /// Minutes behind UTC (JS `getTimezoneOffset`).
    offset: f64,
    /// `Some(name)` when a time zone was given (`""` for a numeric offset).
    zone: Option<String>,
}

struct Civil {
    year: i64,
    month: i64, // 0-based
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    ms: i64,
    weekday: i64,
}

fn civil(ms: f64) -> Civil {
    let total = ms as i64;
    let days = total.div_euclid(86_400_000);
    let rem = total.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: if m <= 2 { y + 1 } else { y },
        month: m - 1,
        day: d,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        ms: rem % 1000,
        weekday: (days + 4).rem_euclid(7),
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// JS `MakeDate` from civil fields (UTC), `None` when out of range.
fn make_ms(y: i64, mon: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> Option<f64> {
    if !(1..=12).contains(&mon) || !(1..=31).contains(&d) || h > 24 || mi > 59 || s > 59 {
        return None;
    }
    if h == 24 && (mi != 0 || s != 0 || ms != 0) {
        return None;
    }
    let days = days_from_civil(y, mon, d);
    let t = days as f64 * 86_400_000.0 + (h * 3_600_000 + mi * 60_000 + s * 1000 + ms) as f64;
    (t.abs() <= MAX_MS).then_some(t)
}

fn digits(s: &[u8], i: &mut usize, n: usize) -> Option<i64> {
    if *i + n > s.len() || !s[*i..*i + n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = std::str::from_utf8(&s[*i..*i + n]).ok()?.parse().ok()?;
    *i += n;
    Some(v)
}

/// ECMAScript date-time string format.
fn parse_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let year = match b.first()? {
        b'+' | b'-' => {
            let neg = b[0] == b'-';
            i = 1;
            let y = digits(b, &mut i, 6)?;
            if neg && y == 0 {
                return None;
            }
            if neg {
                -y
            } else {
                y
            }
        }
        _ => digits(b, &mut i, 4)?,
    };
    let (mut mon, mut day) = (1, 1);
    if b.get(i) == Some(&b'-') {
        i += 1;
        mon = digits(b, &mut i, 2)?;
        if b.get(i) == Some(&b'-') {
            i += 1;
            day = digits(b, &mut i, 2)?;
        }
    }
    let (mut h, mut mi, mut sec, mut ms) = (0, 0, 0, 0);
    let mut offset_min = 0;
    if b.get(i) == Some(&b'T') || b.get(i) == Some(&b't') {
        i += 1;
        h = digits(b, &mut i, 2)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        mi = digits(b, &mut i, 2)?;
        if b.get(i) == Some(&b':') {
            i += 1;
            sec = digits(b, &mut i, 2)?;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                let frac = &s[start..i.min(start + 3)];
                ms = format!("{frac:0<3}").parse().ok()?;
            }
        }
        match b.get(i) {
            Some(b'Z' | b'z') => i += 1,
            Some(&c @ (b'+' | b'-')) => {
                i += 1;
                let oh = digits(b, &mut i, 2)?;
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i += 1;
                let om = digits(b, &mut i, 2)?;
                offset_min = (oh * 60 + om) * if c == b'+' { 1 } else { -1 };
            }
            _ => {}
        }
    }
    if i != b.len() {
        return None;
    }
    let t = make_ms(year, mon, day, h, mi, sec, ms)? - offset_min as f64 * 60_000.0;
    (t.abs() <= MAX_MS).then_some(t)
}

/// V8's legacy `Date.parse` fallback (its `DateParser` rules for the forms events
/// carry): up to three numbers composed into a date (YMD when the first cannot be a
/// day, else MDY; a named month takes the day/year from the numbers), defaults day 1
/// and year 2001, 2-digit years 00-49 → 20xx and 50-99 → 19xx, `hh:mm[:ss[.mmm]]`
/// with AM/PM, `Z`/`GMT`/`UTC`/US zone names and `±hhmm` offsets; words before the
/// first number and `(comments)` are ignored.
fn parse_legacy(s: &str) -> Option<f64> {
    let mut nums: Vec<i64> = Vec::new();
    let mut month: Option<i64> = None;
    let (mut h, mut mi, mut sec, mut ms) = (None::<i64>, 0, 0, 0);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    // A sign starts an offset only right after the time or a zone name.
    let mut after_time = false;
    let chars: Vec<char> = s.chars().collect();
    let read_num = |i: &mut usize| -> Option<i64> {
        let start = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>().parse().ok()
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' {
            let mut depth = 0;
            while i < chars.len() {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            let n = read_num(&mut i)?;
            if i < chars.len() && chars[i] == ':' && h.is_none() {
                h = Some(n);
                i += 1;
                mi = read_num(&mut i)?;
                if i < chars.len() && chars[i] == ':' {
                    i += 1;
                    sec = read_num(&mut i)?;
                    if i < chars.len() && chars[i] == '.' {
                        i += 1;
                        let start = i;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                        let f: String = chars[start..i].iter().take(3).collect();
                        ms = format!("{f:0<3}").parse().unwrap_or(0);
                    }
                }
                after_time = true;
                continue;
            }
            after_time = false;
            if nums.len() == 3 {
                return None;
            }
            nums.push(n);
            continue;
        }
        if (c == '+' || c == '-')
            && after_time
            && i + 1 < chars.len()
            && chars[i + 1].is_ascii_digit()
        {
            let sign = if c == '+' { 1 } else { -1 };
            i += 1;
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ':') {
                i += 1;
            }
            let txt: String = chars[start..i].iter().filter(|c| **c != ':').collect();
            let n: i64 = txt.parse().ok()?;
            let (oh, om) = if txt.len() <= 2 {
                (n, 0)
            } else {
                (n / 100, n % 100)
            };
            offset = Some(sign * (oh * 60 + om));
            after_time = false;
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect::<String>().to_lowercase();
            let zone = match w.as_str() {
                "z" | "gmt" | "utc" | "ut" => Some(0),
                "est" => Some(-300),
                "edt" | "cst" => Some(if w == "edt" { -240 } else { -360 }),
                "cdt" => Some(-300),
                "mst" => Some(-420),
                "mdt" => Some(-360),
                "pst" => Some(-480),
                "pdt" => Some(-420),
                _ => None,
            };
            if w == "am" || w == "pm" {
                pm = Some(w == "pm");
            } else if let Some(z) = zone {
                offset = Some(z);
                after_time = true;
                continue;
            } else if let Some(m) = MONTHS
                .iter()
                .position(|m| w.len() >= 3 && m.to_lowercase().starts_with(&w))
            {
                month = Some(m as i64 + 1);
            } else if (w == "t" || !(nums.is_empty() && h.is_none()))
                && !DAYS
                    .iter()
                    .any(|d| w.len() >= 3 && d.to_lowercase().starts_with(&w))
            {
                return None;
            }
            continue;
        }
        if !matches!(c, ' ' | '\t') {
            after_time = false;
        }
        i += 1;
    }
    if nums.is_empty() {
        return None;
    }
    let count = nums.len();
    while nums.len() < 3 {
        nums.push(1);
    }
    let is_day = |x: i64| (1..=31).contains(&x);
    let (mut y, m, d) = match month {
        None => {
            if count == 3 && !is_day(nums[0]) || !is_day(nums[0]) {
                (nums[0], nums[1], nums[2])
            } else {
                (nums[2], nums[0], nums[1])
            }
        }
        Some(m) => {
            if count == 1 && is_day(nums[0]) {
                (nums[1], m, nums[0])
            } else if !is_day(nums[0]) {
                (nums[0], m, nums[1])
            } else {
                (nums[1], m, nums[0])
            }
        }
    };
    if (0..=49).contains(&y) {
        y += 2000;
    } else if (50..=99).contains(&y) {
        y += 1900;
    }
    if !(1..=12).contains(&m) || !is_day(d) {
        return None;
    }
    let mut hh = h.unwrap_or(0);
    if let Some(p) = pm {
        if hh > 12 {
            return None;
        }
        hh = hh % 12 + if p { 12 } else { 0 };
    }
    if hh > 24 || mi > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(y, m, 1) + d - 1;
    let t = days as f64 * 86_400_000.0 + (hh * 3_600_000 + mi * 60_000 + sec * 1000 + ms) as f64
        - offset.unwrap_or(0) as f64 * 60_000.0;
    (t.abs() <= MAX_MS).then_some(t)
}

fn parse_str(s: &str) -> Option<f64> {
    parse_iso(s).or_else(|| parse_legacy(s.trim()))
}

/// The zone's offset in minutes (west of UTC positive, as `getTimezoneOffset`) at `ms`, from
/// the reference's ICU data ([`usermaven_tz`]: V8's name resolution, ICU without `backzone`).
/// liquidjs subtracts two `toLocaleString` renderings, which hold seconds: an offset with
/// seconds (local mean time, `+5:21:10`) gives fractional minutes, which `%z` then prints
/// (`+0521.166666666666686`).
fn zone_offset(name: &str, ms: f64) -> RenderResult<f64> {
    let Some(zone) = usermaven_tz::resolve_zone(name) else {
        return fail(usermaven_tz::invalid_zone_message(name));
    };
    let secs = zone.offset_at((ms / 1000.0).floor() as i64);
    Ok(-(f64::from(secs) / 60.0))
}

fn parse_date(
    ctx: &Ctx<'_, '_>,
    v: &LiquidValue<'_>,
    tz: &LiquidValue<'_>,
) -> RenderResult<Option<LDate>> {
    let v = v.to_value();
    let ms = match &v {
        LiquidValue::Undef | LiquidValue::Null => return Ok(None),
        LiquidValue::Str(s) if &**s == "now" || &**s == "today" => {
            Some(ctx.now.as_millisecond() as f64)
        }
        LiquidValue::Num(n) => Some(n * 1000.0),
        LiquidValue::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(super::value::str_to_number(s) * 1000.0)
        }
        LiquidValue::Str(s) => parse_str(s),
        LiquidValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        LiquidValue::Arr(_) | LiquidValue::RArr(_) => parse_str(&v.js_string()),
        _ => None,
    };
    let Some(ms) = ms.filter(|m| m.abs() <= MAX_MS).map(f64::trunc) else {
        return Ok(None);
    };
    let (offset, zone) = match tz.to_value() {
        LiquidValue::Undef => (0.0, None),
        LiquidValue::Str(name) => (zone_offset(&name, ms)?, Some(name.to_string())),
        other => (other.js_number(), Some(String::new())),
    };
    if offset.is_nan() || (ms - offset * 60_000.0).abs() > MAX_MS {
        return Ok(None);
    }
    Ok(Some(LDate { ms, offset, zone }))
}

fn pad_start(s: &str, width: usize, ch: char) -> String {
    let n = len16(s);
    if n >= width {
        return s.to_string();
    }
    let mut out: String = std::iter::repeat_n(ch, width - n).collect();
    out.push_str(s);
    out
}

fn tz_string(offset: f64, colon: bool) -> String {
    let n = offset.abs();
    let h = (n / 60.0).floor();
    let m = n % 60.0;
    format!(
        "{}{}{}{}",
        if offset > 0.0 { '-' } else { '+' },
        pad_start(&num_str(h), 2, '0'),
        if colon { ":" } else { "" },
        pad_start(&num_str(m), 2, '0')
    )
}

fn week_of_year(c: &Civil, doy: i64, start: i64) -> i64 {
    let since = (c.weekday - start + 7) % 7;
    (doy - 1 - since + 7).div_euclid(7)
}

fn hour12(h: i64) -> i64 {
    if h % 12 == 0 {
        12
    } else {
        h % 12
    }
}

fn locale_time(c: &Civil) -> String {
    format!(
        "{}:{:02}:{:02} {}",
        hour12(c.hour),
        c.minute,
        c.second,
        if c.hour < 12 { "AM" } else { "PM" }
    )
}

fn strftime(ctx: &mut Ctx<'_, '_>, d: &LDate, fmt: &str) -> RenderResult<String> {
    let c = civil(d.ms - d.offset * 60_000.0);
    let leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let doy: i64 = mdays[..c.month as usize].iter().sum::<i64>() + c.day;
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut flags = String::new();
        while j < chars.len() && "-_0^#:".contains(chars[j]) {
            flags.push(chars[j]);
            j += 1;
        }
        let mut width = String::new();
        while j < chars.len() && chars[j].is_ascii_digit() {
            width.push(chars[j]);
            j += 1;
        }
        if j < chars.len()
            && (chars[j] == 'E' || chars[j] == 'O')
            && j + 1 < chars.len()
            && !is_line_term(chars[j + 1])
        {
            j += 1;
        }
        let Some(&conv) = chars.get(j).filter(|c| !is_line_term(**c)) else {
            out.push('%');
            i += 1;
            continue;
        };
        let input: String = chars[i..=j].iter().collect();
        i = j + 1;
        let width_n: f64 = if width.is_empty() {
            f64::NAN
        } else {
            width.parse().unwrap_or(f64::INFINITY)
        };
        let ret: String = match conv {
            'a' => DAYS[c.weekday as usize][..3].to_string(),
            'A' => DAYS[c.weekday as usize].to_string(),
            'b' | 'h' => MONTHS[c.month as usize][..3].to_string(),
            'B' => MONTHS[c.month as usize].to_string(),
            'c' => format!("{}/{}/{}, {}", c.month + 1, c.day, c.year, locale_time(&c)),
            'C' => c.year.div_euclid(100).to_string(),
            'd' | 'e' => c.day.to_string(),
            'H' | 'k' => c.hour.to_string(),
            'I' | 'l' => hour12(c.hour).to_string(),
            'j' => doy.to_string(),
            'L' => c.ms.to_string(),
            'm' => (c.month + 1).to_string(),
            'M' => c.minute.to_string(),
            'N' => {
                let w = if width_n.is_nan() || width_n == 0.0 {
                    9.0
                } else {
                    width_n
                };
                let ms3 = format!("{:03}", c.ms);
                let keep = if w < 3.0 { w as usize } else { 3 };
                let millis = &ms3[..keep];
                ctx.mem(w - millis.len() as f64)?;
                let mut s = millis.to_string();
                while (s.len() as f64) < w {
                    s.push('0');
                }
                s
            }
            'p' => (if c.hour < 12 { "AM" } else { "PM" }).to_string(),
            'P' => (if c.hour < 12 { "am" } else { "pm" }).to_string(),
            'q' => (match c.day {
                11..=13 => "th",
                d if d % 10 == 1 => "st",
                d if d % 10 == 2 => "nd",
                d if d % 10 == 3 => "rd",
                _ => "th",
            })
            .to_string(),
            's' => num_str((d.ms / 1000.0).floor()),
            'S' => c.second.to_string(),
            'u' => (if c.weekday == 0 { 7 } else { c.weekday }).to_string(),
            'U' => week_of_year(&c, doy, 0).to_string(),
            'w' => c.weekday.to_string(),
            'W' => week_of_year(&c, doy, 1).to_string(),
            'x' => format!("{}/{}/{}", c.month + 1, c.day, c.year),
            'X' => locale_time(&c),
            'y' => ((c.year % 100 + 100) % 100).to_string(),
            'Y' => c.year.to_string(),
            'z' => tz_string(d.offset, flags.contains(':')),
            'Z' => match &d.zone {
                Some(z) if !z.is_empty() => z.clone(),
                Some(_) => tz_string(d.offset, flags.contains(':')),
                None => "UTC".to_string(),
            },
            't' => "\t".into(),
            'n' => "\n".into(),
            '%' => "%".into(),
            _ => {
                out.push_str(&input);
                continue;
            }
        };
        let mut ret = ret;
        let mut pad_char = if "aAbBceklpP".contains(conv) {
            ' '
        } else {
            '0'
        };
        let default_w: f64 = match conv {
            'C' | 'd' | 'e' | 'H' | 'I' | 'k' | 'l' | 'm' | 'M' | 'S' | 'U' | 'W' | 'y' => 2.0,
            'j' | 'L' => 3.0,
            'Y' => 4.0,
            _ => 0.0,
        };
        let mut pad_w = if width_n.is_nan() || width_n == 0.0 {
            default_w
        } else {
            width_n
        };
        if flags.contains('^') {
            ret = ret.to_uppercase();
        } else if flags.contains('#') {
            ret = if ret.chars().any(|c| c.is_ascii_lowercase()) {
                ret.to_uppercase()
            } else {
                ret.to_lowercase()
            };
        }
        if flags.contains('_') {
            pad_char = ' ';
        } else if flags.contains('0') {
            pad_char = '0';
        }
        if flags.contains('-') {
            pad_w = 0.0;
        }
        ctx.mem(pad_w - len16(&ret) as f64)?;
        let w = pad_w as usize;
        if pad_char == '0' && ret.starts_with('-') {
            out.push('-');
            out.push_str(&pad_start(&ret[1..], w.saturating_sub(1), '0'));
        } else {
            out.push_str(&pad_start(&ret, w, pad_char));
        }
    }
    Ok(out)
}

fn is_line_term(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn js_len_of(v: &LiquidValue<'_>) -> f64 {
    match v {
        LiquidValue::Str(s) => len16(s) as f64,
        LiquidValue::Arr(_) | LiquidValue::RArr(_) => v.arr_len().unwrap_or(0) as f64,
        _ => 0.0,
    }
}

pub(super) fn date_filter<'a>(
    ctx: &mut Ctx<'a, '_>,
    v: &LiquidValue<'a>,
    format: &LiquidValue<'a>,
    tz: &LiquidValue<'a>,
    _has_tz: bool,
) -> RenderResult<LiquidValue<'a>> {
    ctx.mem(js_len_of(v) + js_len_of(tz))?;
    let Some(d) = parse_date(ctx, v, tz)? else {
        return Ok(v.clone());
    };
    let f = format.to_value();
    let f = if f.is_nil() {
        DEFAULT_FORMAT.to_string()
    } else {
        f.stringify()
    };
    ctx.mem(len16(&f) as f64)?;
    Ok(LiquidValue::str(strftime(ctx, &d, &f)?))
}

pub(super) fn formatted<'a>(
    ctx: &mut Ctx<'a, '_>,
    v: &LiquidValue<'a>,
    fmt: &str,
) -> RenderResult<LiquidValue<'a>> {
    let Some(d) = parse_date(ctx, v, &LiquidValue::Undef)? else {
        return Ok(v.clone());
    };
    Ok(LiquidValue::str(strftime(ctx, &d, fmt)?))
}

pub(super) fn stringify_date<'a>(
    ctx: &mut Ctx<'a, '_>,
    v: &LiquidValue<'a>,
    month: &str,
    kind: &LiquidValue<'a>,
    style: &LiquidValue<'a>,
) -> RenderResult<LiquidValue<'a>> {
    let Some(d) = parse_date(ctx, v, &LiquidValue::Undef)? else {
        return Ok(v.clone());
    };
    let fmt = if kind.as_str() == Some("ordinal") {
        let day = civil(d.ms - d.offset * 60_000.0).day;
        if style.as_str() == Some("US") {
            format!("{month} {day}%q, %Y")
        } else {
            format!("{day}%q {month} %Y")
        }
    } else {
        format!("%d {month} %Y")
    };
    Ok(LiquidValue::str(strftime(ctx, &d, &fmt)?))
}
