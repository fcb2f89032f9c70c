//! String filters (liquidjs `filters/string.ts`): `append`, `prepend`, `lstrip`, `rstrip`,
//! `strip`, `downcase`, `upcase`, `capitalize`, `remove*`, `replace*`, `split`,
//! `strip_newlines`, `squish`, `normalize_whitespace`, `number_of_words`, `truncate`,
//! `truncatewords`.

use super::{
    advance, code_points, fail, from16, js_truthy_arg, len16, text, utf16, Answer, Call, Ctx,
    LiquidValue,
};
use crate::liquid::value::{js_space, js_trim};

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "append" | "prepend" => {
            if args.len() != 1 {
                return fail(format!("{name} expect 2 arguments"));
            }
            let (l, r) = (input.stringify(), args.first.stringify());
            ctx.mem((len16(&l) + len16(&r)) as f64)?;
            if name == "append" {
                text(l + &r)
            } else {
                text(r + &l)
            }
        }
        "lstrip" | "rstrip" | "strip" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            if js_truthy_arg(&args.first) {
                let set: Vec<char> = args.first.stringify().chars().collect();
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
                text(&x[start..end.max(start)])
            } else {
                text(match name {
                    "lstrip" => x.trim_start_matches(js_space),
                    "rstrip" => x.trim_end_matches(js_space),
                    _ => js_trim(&x),
                })
            }
        }
        "downcase" | "upcase" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(if name == "upcase" {
                js_upper(&x)
            } else {
                js_lower(&x)
            })
        }
        "capitalize" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            let mut chars = x.chars();
            match chars.next() {
                Some(c) if c.len_utf16() == 1 => {
                    text(js_upper(&c.to_string()) + &js_lower(chars.as_str()))
                }
                Some(c) => text(c.to_string() + &js_lower(chars.as_str())),
                None => text(""),
            }
        }
        "remove" => {
            let (x, p) = (input.stringify(), args.first.stringify());
            ctx.mem((len16(&x) + len16(&p)) as f64)?;
            text(js_split(&x, &p).concat())
        }
        "remove_first" | "replace_first" => {
            let (x, p) = (input.stringify(), args.first.stringify());
            let r = if name == "remove_first" {
                String::new()
            } else {
                args.second.stringify()
            };
            ctx.mem((len16(&x) + len16(&p) + len16(&r)) as f64)?;
            text(x.replacen(&p, &r, 1))
        }
        "remove_last" | "replace_last" => {
            let (x, p) = (input.stringify(), args.first.stringify());
            let r = if name == "remove_last" {
                String::new()
            } else {
                args.second.stringify()
            };
            ctx.mem((len16(&x) + len16(&p) + len16(&r)) as f64)?;
            match x.rfind(&p) {
                Some(i) => text(format!("{}{}{}", &x[..i], r, &x[i + p.len()..])),
                None => text(x),
            }
        }
        "replace" => {
            let (x, p, r) = (
                input.stringify(),
                args.first.stringify(),
                args.second.stringify(),
            );
            let parts = js_split(&x, &p);
            let size = len16(&x) as f64
                + (parts.len() as f64 - 1.0) * (len16(&r) as f64 - len16(&p) as f64);
            ctx.mem(size)?;
            text(parts.join(&r))
        }
        "split" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            let mut parts = if x.is_empty() && !args.first.stringify().is_empty() {
                vec![String::new()]
            } else if x.is_empty() {
                Vec::new()
            } else {
                js_split(&x, &args.first.stringify())
            };
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            LiquidValue::arr(parts.into_iter().map(text).collect())
        }
        "strip_newlines" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(x.replace("\r\n", "").replace('\n', ""))
        }
        "squish" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(js_trim(&collapse_ws(&x)).to_string())
        }
        "normalize_whitespace" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(collapse_ws(&x))
        }
        "number_of_words" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            let mode = if matches!(args.first, LiquidValue::Undef) {
                String::new()
            } else {
                args.first.js_string()
            };
            LiquidValue::Num(number_of_words(&x, &mode) as f64)
        }
        "truncate" => {
            let x = input.stringify();
            let o = if matches!(args.second, LiquidValue::Undef) {
                "...".to_string()
            } else {
                args.second.stringify()
            };
            ctx.mem((len16(&x) + len16(&o)) as f64)?;
            let l = if matches!(args.first, LiquidValue::Undef) {
                50.0
            } else {
                args.first.to_value().js_number()
            };
            let u = utf16(&x);
            if (u.len() as f64) <= l || advance(&u, 0, l) >= u.len() {
                return Ok(Some(input.clone()));
            }
            let keep = (l - code_points(&o) as f64).max(0.0);
            let keep = if keep.is_nan() { 0.0 } else { keep };
            text(from16(&u[..advance(&u, 0, keep)]) + &o)
        }
        "truncatewords" => {
            let x = input.stringify();
            let o = if matches!(args.second, LiquidValue::Undef) {
                "...".to_string()
            } else {
                args.second.stringify()
            };
            ctx.mem((len16(&x) + len16(&o)) as f64)?;
            let mut words = if matches!(args.first, LiquidValue::Undef) {
                15.0
            } else {
                args.first.to_value().js_number()
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
            text(ret)
        }
        _ => return Ok(None),
    }))
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
