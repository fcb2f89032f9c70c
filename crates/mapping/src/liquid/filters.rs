//! liquidjs 10.30.1's built-in filters, with actions-core's disabled ones failing
//! (`filter "…" is disabled`) and unknown ones passing the value through
//! (`strictFilters` is off).

use std::sync::LazyLock;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine as _};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use regex::Regex;
use sha2::{Digest, Sha256};

use super::date;
use super::render::{equals, raw, read_property, Ctx, R};
use super::value::{js_space, js_trim, json_stringify, len16, num_str, DropKind, V};

const DISABLED: &[&str] = &[
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
];

fn arg<'a>(args: &[V<'a>], i: usize) -> V<'a> {
    args.get(i).cloned().unwrap_or(V::Undef)
}

/// `toArray`.
fn to_array<'a>(v: &V<'a>) -> Vec<V<'a>> {
    let v = v.to_value();
    if v.is_nil() {
        return Vec::new();
    }
    v.items().unwrap_or_else(|| vec![v])
}

fn s<'a>(x: impl Into<String>) -> V<'a> {
    V::str(x)
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from16(u: &[u16]) -> String {
    String::from_utf16_lossy(u)
}

/// `advanceCodePoints(str, from, count)` on UTF-16 units.
fn advance(u: &[u16], from: usize, count: f64) -> usize {
    let mut idx = from;
    let mut i = 0.0;
    while i < count && idx < u.len() {
        idx += if (0xD800..0xDC00).contains(&u[idx])
            && u.get(idx + 1).is_some_and(|c| (0xDC00..0xE000).contains(c))
        {
            2
        } else {
            1
        };
        i += 1.0;
    }
    idx
}

fn code_points(s: &str) -> usize {
    s.chars().count()
}

/// JS `str.split(sep)` for a string separator.
fn js_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s
            .chars()
            .flat_map(|c| {
                let mut b = [0u16; 2];
                let u = c.encode_utf16(&mut b);
                if u.len() == 1 {
                    vec![c.to_string()]
                } else {
                    vec![from16(&u[..1]), from16(&u[1..])]
                }
            })
            .collect();
    }
    s.split(sep).map(str::to_string).collect()
}

/// What `encodeURIComponent` leaves as it is: ASCII letters, digits and `-_.!~*'()`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// What `encodeURI` leaves as it is: the above and the URI delimiters `;/?:@&=+$,#`.
const URI: &AsciiSet = &URI_COMPONENT
    .remove(b';')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b',')
    .remove(b'#');

/// `decodeURIComponent`: unlike `percent_decode`, which passes a malformed escape through,
/// JS throws "URI malformed" for a `%` not followed by two hex digits and for escapes that do
/// not spell UTF-8 (overlong forms and surrogates included, as `str::from_utf8` rejects them).
fn url_decode_component(s: &str) -> R<String> {
    let b = s.as_bytes();
    let escapes_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || b.get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return raw("URI malformed");
    }
    match percent_decode_str(s).decode_utf8() {
        Ok(d) => Ok(d.into_owned()),
        Err(_) => raw("URI malformed"),
    }
}

/// liquidjs' `escape`: five characters, with `"` and `'` as the decimal references `&#34;` and
/// `&#39;`. The HTML-escaping crates write `&quot;`/`&#x27;` or escape more (`/`, `` ` ``), so
/// this table and `escape_once`'s inverse of exactly it stay here.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let t = &rest[i..];
        let mut hit = false;
        for (e, c) in [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&#34;", '"'),
            ("&#39;", '\''),
        ] {
            if let Some(after) = t.strip_prefix(e) {
                out.push(c);
                rest = after;
                hit = true;
                break;
            }
        }
        if !hit {
            out.push('&');
            rest = &t[1..];
        }
    }
    out.push_str(rest);
    out
}

fn strip_html(s: &str) -> String {
    let mut blocks: Vec<(&str, &str)> = vec![
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<!--", "-->"),
        ("<", ">"),
    ];
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let Some(lt) = s[i..].find('<').map(|x| x + i) else {
            out.push_str(&s[i..]);
            return out;
        };
        out.push_str(&s[i..lt]);
        let mut k = 0;
        while k < blocks.len() {
            let (open, close) = blocks[k];
            if !s[lt..].starts_with(open) {
                k += 1;
                continue;
            }
            if let Some(e) = s[lt + open.len()..].find(close) {
                i = lt + open.len() + e + close.len();
                break;
            }
            blocks.remove(k);
        }
        if i <= lt {
            out.push_str(&s[lt..]);
            return out;
        }
    }
    out
}

fn js_upper(s: &str) -> String {
    s.to_uppercase()
}

fn js_lower(s: &str) -> String {
    s.to_lowercase()
}

fn trim_start_set(s: &str, set: &[char]) -> usize {
    let mut start = 0;
    for c in s.chars() {
        if !set.contains(&c) {
            break;
        }
        start += c.len_utf8();
    }
    start
}

fn trim_end_set(s: &str, set: &[char], start: usize) -> usize {
    let mut end = s.len();
    for c in s[start..].chars().rev() {
        if !set.contains(&c) {
            break;
        }
        end -= c.len_utf8();
    }
    end
}

fn split_ws(s: &str) -> Vec<&str> {
    // JS `str.split(/\s+/)`.
    let mut out = Vec::new();
    let mut cur_start = 0;
    let mut in_ws = false;
    let mut ws_start = 0;
    for (i, c) in s.char_indices() {
        if js_space(c) {
            if !in_ws {
                in_ws = true;
                ws_start = i;
            }
        } else if in_ws {
            out.push(&s[cur_start..ws_start]);
            cur_start = i;
            in_ws = false;
        }
    }
    if in_ws {
        out.push(&s[cur_start..ws_start]);
        out.push("");
    } else {
        out.push(&s[cur_start..]);
    }
    out
}

fn collapse_ws(s: &str) -> String {
    let mut out = String::new();
    let mut in_ws = false;
    for c in s.chars() {
        if js_space(c) {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{3400}'..='\u{4DBF}' | '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{AC00}'..='\u{D7AF}')
}

fn number_of_words(s: &str, mode: &str) -> usize {
    let t = js_trim(s);
    if t.is_empty() {
        return 0;
    }
    let cjk = t.chars().filter(|&c| is_cjk(c)).count();
    let non_cjk_runs = {
        let mut n = 0;
        let mut in_run = false;
        for c in t.chars() {
            let word = !is_cjk(c) && !js_space(c);
            if word && !in_run {
                n += 1;
            }
            in_run = word;
        }
        n
    };
    match mode {
        "cjk" => cjk + non_cjk_runs,
        "auto" if cjk > 0 => cjk + non_cjk_runs,
        _ => split_ws(t).len(),
    }
}

/// liquidjs' `slugify`: each mode's pattern (the Unicode ones as liquidjs writes them, with
/// `\p{…}` classes the regex crate knows exactly) turns every run it matches into one `-`, then
/// one leading and one trailing `-` go; unknown modes and `none` leave the text alone.
fn slugify(s: &str, mode: &str, cased: bool) -> String {
    static DEFAULT: LazyLock<Regex> = LazyLock::new(|| re(r"[^\p{M}\p{L}\p{Nd}]+"));
    static PRETTY: LazyLock<Regex> = LazyLock::new(|| re(r"[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+"));
    static ASCII: LazyLock<Regex> = LazyLock::new(|| re(r"[^A-Za-z0-9]+"));
    // JS `\s`: the characters of `is_js_space`.
    static RAW: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"[\t\n\x0B\x0C\r \xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+",
        )
    });
    let pattern = match mode {
        "raw" => &RAW,
        "default" | "latin" => &DEFAULT,
        "pretty" => &PRETTY,
        "ascii" => &ASCII,
        _ => {
            return if cased {
                s.to_string()
            } else {
                s.to_lowercase()
            }
        }
    };
    let text = if mode == "latin" {
        remove_accents(s)
    } else {
        s.to_string()
    };
    let out = pattern.replace_all(&text, "-");
    let out = out.strip_prefix('-').unwrap_or(&out);
    let out = out.strip_suffix('-').unwrap_or(out);
    if cased {
        out.to_string()
    } else {
        out.to_lowercase()
    }
}

/// The patterns above are literals known to compile.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid slugify pattern")
}

/// liquidjs' own table of sixteen replacements, not Unicode decomposition: it changes only these
/// lower-case letters and the three capitals listed, and leaves `Á`, `ā`, `ł`… as they are, which
/// NFD followed by dropping marks would not.
fn remove_accents(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'à'..='å' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' => out.push('c'),
            'è'..='ë' => out.push('e'),
            'ì'..='ï' => out.push('i'),
            'ð' => out.push('d'),
            'ñ' => out.push('n'),
            'ò'..='ö' | 'ø' => out.push('o'),
            'ù'..='ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            'œ' => out.push_str("oe"),
            'þ' => out.push_str("th"),
            'ẞ' => out.push_str("SS"),
            'Œ' => out.push_str("OE"),
            'Þ' => out.push_str("TH"),
            c => out.push(c),
        }
    }
    out
}

/// `Buffer.from(text, "base64")`: Node skips every character outside the standard and the
/// URL-safe alphabets, stops at the first `=`, drops a lone trailing character and ignores
/// leftover bits. The engine decodes with or without padding and keeps partial bits; the
/// filter in front of it does the rest.
fn b64_decode(s: &str) -> Vec<u8> {
    const NODE_LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut text: Vec<u8> = s
        .bytes()
        .take_while(|&b| b != b'=')
        .filter_map(|b| match b {
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            b if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' => Some(b),
            _ => None,
        })
        .collect();
    if text.len() % 4 == 1 {
        text.pop();
    }
    NODE_LENIENT
        .decode(&text)
        .expect("whole groups of alphabet characters decode")
}

fn is_base64(s: &str) -> bool {
    let mut t: String = s
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' '))
        .collect();
    if len16(&t).is_multiple_of(4) {
        if t.ends_with("==") {
            t.truncate(t.len() - 2);
        } else if t.ends_with('=') {
            t.truncate(t.len() - 1);
        }
    }
    len16(&t) % 4 != 1
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn round(v: f64, arg: f64) -> f64 {
    let shift = |n: f64, e: f64| -> f64 {
        let st = num_str(n);
        let (m, p) = st.split_once('e').unwrap_or((&st, "0"));
        let p: f64 = super::value::str_to_number(p);
        super::value::str_to_number(&format!("{m}e{}", num_str(p + e)))
    };
    let scaled = shift(v.abs(), arg);
    if scaled.is_nan() || scaled > 9_007_199_254_740_991.0 {
        return v;
    }
    let r = js_round(scaled);
    let rounded = shift(r, -arg);
    if v < 0.0 {
        -rounded
    } else {
        rounded
    }
}

/// JS `Math.round` (half up).
fn js_round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, name: &str, v: V<'a>, args: Vec<V<'a>>) -> R<V<'a>> {
    if DISABLED.contains(&name) {
        return raw(format!("filter \"{name}\" is disabled"));
    }
    let a0 = arg(&args, 0);
    let a1 = arg(&args, 1);
    let num = |x: &V<'a>| x.to_number();
    let st = |x: &V<'a>| x.stringify();
    Ok(match name {
        // ---- math
        "abs" => V::Num(num(&v).abs()),
        "at_least" => V::Num(js_max(num(&v), num(&a0), args.is_empty())),
        "at_most" => V::Num(js_min(num(&v), num(&a0), args.is_empty())),
        "ceil" => V::Num(num(&v).ceil()),
        "floor" => V::Num(num(&v).floor()),
        "divided_by" => {
            let (x, y) = (num(&v), num(&a0));
            if args.len() > 1 && num(&a1) != 0.0 {
                V::Num((x / y).floor())
            } else {
                V::Num(x / y)
            }
        }
        "minus" => V::Num(num(&v) - num(&a0)),
        "plus" => V::Num(num(&v) + num(&a0)),
        "times" => V::Num(num(&v) * num(&a0)),
        "modulo" => {
            let (x, y) = (num(&v), num(&a0));
            V::Num(((x % y) + y) % y)
        }
        "round" => V::Num(round(
            num(&v),
            if matches!(a0, V::Undef) {
                0.0
            } else {
                num(&a0)
            },
        )),
        // ---- url
        "url_decode" => s(url_decode_component(&st(&v).replace('+', " "))?),
        "url_encode" => s(utf8_percent_encode(&st(&v), URI_COMPONENT)
            .to_string()
            .replace("%20", "+")),
        "cgi_escape" => {
            let e = utf8_percent_encode(&st(&v), URI_COMPONENT)
                .to_string()
                .replace("%20", "+");
            let mut out = String::new();
            for c in e.chars() {
                match c {
                    '!' | '\'' | '(' | ')' | '*' => out.push_str(&format!("%{:X}", c as u32)),
                    c => out.push(c),
                }
            }
            s(out)
        }
        "uri_escape" => s(utf8_percent_encode(&st(&v), URI)
            .to_string()
            .replace("%5B", "[")
            .replace("%5D", "]")),
        "slugify" => {
            let mode = if matches!(a0, V::Undef) {
                "default".to_string()
            } else {
                a0.js_string()
            };
            let cased = !matches!(a1.to_value(), V::Undef | V::Null | V::Bool(false))
                && !(matches!(a1, V::Num(n) if n == 0.0 || n.is_nan()))
                && !matches!(&a1, V::Str(x) if x.is_empty());
            s(slugify(&st(&v), &mode, cased))
        }
        // ---- html
        "escape" | "xml_escape" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(escape_html(&x))
        }
        "escape_once" => {
            let x = st(&v);
            ctx.mem(2.0 * len16(&x) as f64)?;
            s(escape_html(&unescape_html(&x)))
        }
        "strip_html" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(strip_html(&x))
        }
        // ---- array
        "join" => {
            let arr = to_array(&v);
            let sep = if a0.to_value().is_nil() {
                " ".to_string()
            } else {
                st(&a0)
            };
            let parts: Vec<String> = arr
                .iter()
                .map(|x| {
                    if x.is_nil() {
                        String::new()
                    } else {
                        x.js_string()
                    }
                })
                .collect();
            let size = len16(&sep) * arr.len().saturating_sub(1)
                + parts.iter().map(|p| len16(p)).sum::<usize>();
            ctx.mem(size as f64)?;
            s(parts.join(&sep))
        }
        "first" | "last" => {
            let x = v.to_value();
            let array_like = match &x {
                V::Str(t) => !t.is_empty(),
                V::Arr(_) | V::RArr(_) => true,
                V::Obj(o) => matches!(o.get("length"), Some(usermaven_json::Value::Number(_))),
                _ => false,
            };
            if !array_like {
                s("")
            } else if let V::Str(t) = &x {
                let n = len16(t);
                read_property(
                    &x,
                    &V::Num(if name == "first" { 0.0 } else { n as f64 - 1.0 }),
                )
            } else if x.is_array() {
                let len = x.arr_len().unwrap_or(0);
                if len == 0 {
                    V::Undef
                } else {
                    x.arr_get(if name == "first" { 0 } else { len - 1 })
                        .unwrap_or(V::Undef)
                }
            } else {
                let len = match &x {
                    V::Obj(o) => o
                        .get("length")
                        .and_then(usermaven_json::Value::as_f64)
                        .unwrap_or(0.0),
                    _ => 0.0,
                };
                let i = if name == "first" { 0.0 } else { len - 1.0 };
                read_property(&x, &V::str(num_str(i)))
            }
        }
        "size" => match &v {
            V::Str(t) => V::Num(len16(t) as f64),
            V::Arr(_) | V::RArr(_) => V::Num(v.arr_len().unwrap_or(0) as f64),
            V::Obj(o) => match o.get("length") {
                Some(x) if x.is_truthy() => V::from_value(x),
                _ => V::Num(0.0),
            },
            _ => V::Num(0.0),
        },
        "sum" => {
            let mut total = 0.0;
            for item in to_array(&v) {
                let x = if a0.is_nil() || matches!(&a0, V::Str(p) if p.is_empty()) {
                    item
                } else {
                    let path = st(&a0);
                    ctx.get_path(&item, &path)
                };
                let n = x.js_number();
                total += if n.is_nan() { 0.0 } else { n };
            }
            V::Num(total)
        }
        "compact" => {
            let arr = to_array(&v);
            ctx.mem(arr.len() as f64)?;
            V::arr(arr.into_iter().filter(|x| !x.to_value().is_nil()).collect())
        }
        "push" => {
            let mut arr = to_array(&v);
            arr.push(a0);
            ctx.mem(arr.len() as f64)?;
            V::arr(arr)
        }
        "unshift" => {
            let mut arr = to_array(&v);
            ctx.mem(arr.len() as f64)?;
            arr.insert(0, a0);
            V::arr(arr)
        }
        "pop" => {
            let mut arr = to_array(&v);
            ctx.mem(arr.len() as f64)?;
            arr.pop();
            V::arr(arr)
        }
        "shift" => {
            let mut arr = to_array(&v);
            ctx.mem(arr.len() as f64)?;
            if !arr.is_empty() {
                arr.remove(0);
            }
            V::arr(arr)
        }
        "slice" => {
            let x = v.to_value();
            if x.is_nil() {
                return Ok(V::arr(Vec::new()));
            }
            let length = if args.len() < 2 || matches!(a1, V::Undef) {
                1.0
            } else {
                a1.js_number()
            };
            let mut begin = a0.js_number();
            if let Some(items) = x.items() {
                if begin < 0.0 {
                    begin += items.len() as f64;
                }
                if begin < 0.0 || length < 0.0 {
                    return Ok(V::arr(Vec::new()));
                }
                ctx.mem(length)?;
                let rel = |n: f64, len: usize| -> usize {
                    if n.is_nan() {
                        0
                    } else if n < 0.0 {
                        (len as f64 + n.trunc()).max(0.0) as usize
                    } else {
                        (n.trunc() as usize).min(len)
                    }
                };
                let b = rel(begin, items.len());
                let e = rel(begin + length, items.len());
                V::arr(if b < e {
                    items[b..e].to_vec()
                } else {
                    Vec::new()
                })
            } else {
                let t = x.stringify();
                if begin < 0.0 {
                    begin += code_points(&t) as f64;
                }
                if begin < 0.0 || length < 0.0 {
                    return Ok(s(""));
                }
                ctx.mem(length)?;
                let u = utf16(&t);
                let start = advance(&u, 0, begin);
                let end = advance(&u, start, length);
                s(from16(&u[start..end]))
            }
        }
        "where" => {
            let arr = to_array(&v);
            ctx.mem(arr.len() as f64)?;
            let prop = st(&a0);
            let input16 = utf16(&prop);
            let tok = super::lex::Tokenizer::new(&input16, 0, input16.len())
                .read_scope_value()
                .map_err(|e| super::render::RErr::Raw(e.message))?;
            let mut out = Vec::new();
            for item in arr {
                let value = match &tok {
                    Some(super::lex::Tok::Prop { props, .. }) => {
                        let mut cur = item.clone();
                        for p in props {
                            let k = ctx.eval_tok(p)?.to_value();
                            cur = read_property(&cur, &k);
                        }
                        cur
                    }
                    _ => V::Undef,
                };
                let hit = if args.len() < 2 || matches!(a1, V::Undef) {
                    !value.to_value().is_falsy()
                } else {
                    equals(&value, &a1)
                };
                if hit {
                    out.push(item);
                }
            }
            V::arr(out)
        }
        "sample" => {
            let x = v.to_value();
            if x.is_nil() {
                return Ok(V::arr(Vec::new()));
            }
            let items = x
                .items()
                .unwrap_or_else(|| x.stringify().chars().map(|c| s(c.to_string())).collect());
            let count = if matches!(a0, V::Undef) {
                1.0
            } else {
                a0.js_number()
            };
            if count == 1.0 {
                items.first().cloned().unwrap_or(V::Undef)
            } else {
                let n = if count.is_nan() || count < 0.0 {
                    0
                } else {
                    count as usize
                };
                V::arr(items.into_iter().take(n).collect())
            }
        }
        // ---- date
        "date" => date::date_filter(ctx, &v, &a0, &a1, args.len() > 1)?,
        "date_to_xmlschema" => {
            date::date_filter(ctx, &v, &s("%Y-%m-%dT%H:%M:%S%:z"), &V::Undef, false)?
        }
        "date_to_rfc822" => date::formatted(ctx, &v, "%a, %d %b %Y %H:%M:%S %z")?,
        "date_to_string" | "date_to_long_string" => {
            let month = if name == "date_to_string" { "%b" } else { "%B" };
            date::stringify_date(ctx, &v, month, &a0, &a1)?
        }
        // ---- string
        "append" | "prepend" => {
            if args.len() != 1 {
                return raw(format!("{name} expect 2 arguments"));
            }
            let (l, r) = (st(&v), st(&a0));
            ctx.mem((len16(&l) + len16(&r)) as f64)?;
            if name == "append" {
                s(l + &r)
            } else {
                s(r + &l)
            }
        }
        "lstrip" | "rstrip" | "strip" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            if js_truthy_arg(&a0) {
                let set: Vec<char> = st(&a0).chars().collect();
                let start = if name == "rstrip" {
                    0
                } else {
                    trim_start_set(&x, &set)
                };
                let end = if name == "lstrip" {
                    x.len()
                } else {
                    trim_end_set(&x, &set, start)
                };
                s(&x[start..end.max(start)])
            } else {
                s(match name {
                    "lstrip" => x.trim_start_matches(js_space),
                    "rstrip" => x.trim_end_matches(js_space),
                    _ => js_trim(&x),
                })
            }
        }
        "downcase" | "upcase" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(if name == "upcase" {
                js_upper(&x)
            } else {
                js_lower(&x)
            })
        }
        "capitalize" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            let mut chars = x.chars();
            match chars.next() {
                Some(c) if c.len_utf16() == 1 => {
                    s(js_upper(&c.to_string()) + &js_lower(chars.as_str()))
                }
                Some(c) => s(c.to_string() + &js_lower(chars.as_str())),
                None => s(""),
            }
        }
        "remove" => {
            let (x, p) = (st(&v), st(&a0));
            ctx.mem((len16(&x) + len16(&p)) as f64)?;
            s(js_split(&x, &p).concat())
        }
        "remove_first" | "replace_first" => {
            let (x, p) = (st(&v), st(&a0));
            let r = if name == "remove_first" {
                String::new()
            } else {
                st(&a1)
            };
            ctx.mem((len16(&x) + len16(&p) + len16(&r)) as f64)?;
            s(x.replacen(&p, &r, 1))
        }
        "remove_last" | "replace_last" => {
            let (x, p) = (st(&v), st(&a0));
            let r = if name == "remove_last" {
                String::new()
            } else {
                st(&a1)
            };
            ctx.mem((len16(&x) + len16(&p) + len16(&r)) as f64)?;
            match x.rfind(&p) {
                Some(i) => s(format!("{}{}{}", &x[..i], r, &x[i + p.len()..])),
                None => s(x),
            }
        }
        "replace" => {
            let (x, p, r) = (st(&v), st(&a0), st(&a1));
            let parts = js_split(&x, &p);
            let size = len16(&x) as f64
                + (parts.len() as f64 - 1.0) * (len16(&r) as f64 - len16(&p) as f64);
            ctx.mem(size)?;
            s(parts.join(&r))
        }
        "split" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            let mut parts = if x.is_empty() && !st(&a0).is_empty() {
                vec![String::new()]
            } else if x.is_empty() {
                Vec::new()
            } else {
                js_split(&x, &st(&a0))
            };
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            V::arr(parts.into_iter().map(s).collect())
        }
        "strip_newlines" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(x.replace("\r\n", "").replace('\n', ""))
        }
        "squish" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(js_trim(&collapse_ws(&x)).to_string())
        }
        "normalize_whitespace" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(collapse_ws(&x))
        }
        "number_of_words" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            let mode = if matches!(a0, V::Undef) {
                String::new()
            } else {
                a0.js_string()
            };
            V::Num(number_of_words(&x, &mode) as f64)
        }
        "truncate" => {
            let x = st(&v);
            let o = if matches!(a1, V::Undef) {
                "...".to_string()
            } else {
                st(&a1)
            };
            ctx.mem((len16(&x) + len16(&o)) as f64)?;
            let l = if matches!(a0, V::Undef) {
                50.0
            } else {
                a0.to_value().js_number()
            };
            let u = utf16(&x);
            if (u.len() as f64) <= l || advance(&u, 0, l) >= u.len() {
                return Ok(v);
            }
            let keep = (l - code_points(&o) as f64).max(0.0);
            let keep = if keep.is_nan() { 0.0 } else { keep };
            s(from16(&u[..advance(&u, 0, keep)]) + &o)
        }
        "truncatewords" => {
            let x = st(&v);
            let o = if matches!(a1, V::Undef) {
                "...".to_string()
            } else {
                st(&a1)
            };
            ctx.mem((len16(&x) + len16(&o)) as f64)?;
            let mut words = if matches!(a0, V::Undef) {
                15.0
            } else {
                a0.to_value().js_number()
            };
            let arr = split_ws(x.trim_start_matches(js_space));
            if words <= 0.0 {
                words = 1.0;
            }
            let n = if words.is_nan() {
                0
            } else {
                (words.trunc() as usize).min(arr.len())
            };
            let mut ret = arr[..n].join(" ");
            if arr.len() as f64 >= words {
                ret.push_str(&o);
            }
            s(ret)
        }
        // ---- base64 / crypto
        "base64_encode" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(STANDARD.encode(x.as_bytes()))
        }
        "base64_decode" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            if !is_base64(&x) {
                return raw("invalid base64 provided to base64_decode");
            }
            s(String::from_utf8_lossy(&b64_decode(&x)).into_owned())
        }
        "sha256" => {
            let x = st(&v);
            ctx.mem(len16(&x) as f64)?;
            s(format!("{:x}", Sha256::digest(x.as_bytes())))
        }
        "hmac_sha256" => {
            let (x, k) = (st(&v), st(&a0));
            ctx.mem((len16(&x) + len16(&k)) as f64)?;
            let mut mac = Hmac::<Sha256>::new_from_slice(k.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(x.as_bytes());
            s(format!("{:x}", mac.finalize().into_bytes()))
        }
        // ---- misc
        "default" => {
            let x = v.to_value();
            if let Some(len) = x.arr_len().or_else(|| x.as_str().map(str::len)) {
                return Ok(if len > 0 { x } else { a0 });
            }
            if matches!(x, V::Bool(false)) {
                let allow = args.iter().skip(1).filter_map(V::items).any(|kv| {
                    kv.first()
                        .is_some_and(|k| k.as_str() == Some("allow_false"))
                        && kv.get(1).is_some_and(js_truthy_arg)
                });
                if allow {
                    return Ok(V::Bool(false));
                }
            }
            if x.is_falsy() {
                a0
            } else {
                x
            }
        }
        "raw" => v,
        "json" | "jsonify" | "inspect" => {
            let indent = match a0.to_value() {
                V::Num(n) if n >= 1.0 => " ".repeat((n.min(10.0)) as usize),
                V::Str(t) => t.chars().take(10).collect(),
                _ => String::new(),
            };
            let out = json_stringify(&v, &indent);
            if let Some(o) = &out {
                ctx.mem(len16(o) as f64 / 4.0)?;
            }
            out.map_or(V::Undef, s)
        }
        "to_integer" => V::Num(v.js_number()),
        _ => v,
    })
}

fn js_truthy_arg(v: &V<'_>) -> bool {
    match v {
        V::Undef | V::Null => false,
        V::Bool(b) => *b,
        V::Num(n) => *n != 0.0 && !n.is_nan(),
        V::Str(t) => !t.is_empty(),
        V::Drop(DropKind::Nil) => true,
        _ => true,
    }
}

fn js_max(a: f64, b: f64, missing: bool) -> f64 {
    if missing {
        return a;
    }
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_positive() {
            a
        } else {
            b
        }
    } else {
        a.max(b)
    }
}

fn js_min(a: f64, b: f64, missing: bool) -> f64 {
    if missing {
        return a;
    }
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

#[cfg(test)]
mod tests {
    use super::b64_decode;

    /// Every short text over characters the lenient decoder treats differently (alphabet,
    /// URL-safe, padding, skipped) decodes without a panic, as `Buffer.from` never throws.
    #[test]
    fn base64_decode_takes_any_text() {
        let chars = ["Q", "/", "-", "_", "=", "!", " ", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|t| chars.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for t in &texts {
                let _ = b64_decode(t);
            }
        }
        // What Node gives for these (`Buffer.from(s, "base64")`).
        assert_eq!(b64_decode("SGk"), b"Hi");
        assert_eq!(b64_decode("S G k = junk"), b"Hi");
        assert_eq!(b64_decode("-_-_"), [0xfb, 0xff, 0xbf]);
        assert_eq!(b64_decode("QUJD\nRA"), b"ABCD");
        assert_eq!(b64_decode("QUJDR"), b"ABC");
        assert_eq!(b64_decode("QQ=QUJD"), b"A");
        assert_eq!(b64_decode("Q=Q"), b"");
        assert_eq!(b64_decode("QUJD=QUJD"), b"ABC");
        assert_eq!(b64_decode("a\u{e9}b\u{e9}"), [105]);
    }
}
