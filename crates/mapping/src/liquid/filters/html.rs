//! HTML filters (liquidjs `filters/html.ts`): `escape`, `xml_escape`, `escape_once`,
//! `strip_html`.

use super::{len16, text, Answer, Call, Ctx};

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, .. } = call;
    Ok(Some(match name {
        "escape" | "xml_escape" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(escape_html(&x))
        }
        "escape_once" => {
            let x = input.stringify();
            ctx.mem(2.0 * len16(&x) as f64)?;
            text(escape_html(&unescape_html(&x)))
        }
        "strip_html" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(strip_html(&x))
        }
        _ => return Ok(None),
    }))
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
