//! URL filters (liquidjs `filters/url.ts`): `url_decode`, `url_encode`, `cgi_escape`,
//! `uri_escape`, `slugify`.

use std::sync::LazyLock;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use regex::Regex;

use super::{fail, text, Answer, Call, Ctx, LiquidValue, RenderResult};

pub(super) fn apply<'a>(_ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "url_decode" => text(url_decode_component(&input.stringify().replace('+', " "))?),
        "url_encode" => text(
            utf8_percent_encode(&input.stringify(), URI_COMPONENT)
                .to_string()
                .replace("%20", "+"),
        ),
        "cgi_escape" => {
            let e = utf8_percent_encode(&input.stringify(), URI_COMPONENT)
                .to_string()
                .replace("%20", "+");
            let mut out = String::new();
            for c in e.chars() {
                match c {
                    '!' | '\'' | '(' | ')' | '*' => out.push_str(&format!("%{:X}", c as u32)),
                    c => out.push(c),
                }
            }
            text(out)
        }
        "uri_escape" => text(
            utf8_percent_encode(&input.stringify(), URI)
                .to_string()
                .replace("%5B", "[")
                .replace("%5D", "]"),
        ),
        "slugify" => {
            let mode = if matches!(args.first, LiquidValue::Undef) {
                "default".to_string()
            } else {
                args.first.js_string()
            };
            let cased = !matches!(
                args.second.to_value(),
                LiquidValue::Undef | LiquidValue::Null | LiquidValue::Bool(false)
            ) && !(matches!(args.second, LiquidValue::Num(n) if n == 0.0 || n.is_nan()))
                && !matches!(&args.second, LiquidValue::Str(x) if x.is_empty());
            text(slugify(&input.stringify(), &mode, cased))
        }
        _ => return Ok(None),
    }))
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
fn url_decode_component(s: &str) -> RenderResult<String> {
    let b = s.as_bytes();
    let escapes_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || b.get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return fail("URI malformed");
    }
    match percent_decode_str(s).decode_utf8() {
        Ok(d) => Ok(d.into_owned()),
        Err(_) => fail("URI malformed"),
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
