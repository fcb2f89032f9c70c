//! Array filters (liquidjs `filters/array.ts`): `join`, `first`, `last`, `size`, `sum`,
//! `compact`, `push`, `unshift`, `pop`, `shift`, `slice`, `where`, `sample`.

use super::{
    advance, code_points, equals, from16, len16, read_property, text, to_array, utf16, Answer,
    Call, Ctx, LiquidValue,
};
use crate::liquid::value::num_str;

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "join" => {
            let arr = to_array(input);
            let sep = if args.first.to_value().is_nil() {
                " ".to_string()
            } else {
                args.first.stringify()
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
            text(parts.join(&sep))
        }
        "first" | "last" => {
            let x = input.to_value();
            let array_like = match &x {
                LiquidValue::Str(t) => !t.is_empty(),
                LiquidValue::Arr(_) | LiquidValue::RArr(_) => true,
                LiquidValue::Obj(o) => {
                    matches!(o.get("length"), Some(usermaven_json::Value::Number(_)))
                }
                _ => false,
            };
            if !array_like {
                text("")
            } else if let LiquidValue::Str(t) = &x {
                let n = len16(t);
                read_property(
                    &x,
                    &LiquidValue::Num(if name == "first" { 0.0 } else { n as f64 - 1.0 }),
                )
            } else if x.is_array() {
                let len = x.arr_len().unwrap_or(0);
                if len == 0 {
                    LiquidValue::Undef
                } else {
                    x.arr_get(if name == "first" { 0 } else { len - 1 })
                        .unwrap_or(LiquidValue::Undef)
                }
            } else {
                let len = match &x {
                    LiquidValue::Obj(o) => o
                        .get("length")
                        .and_then(usermaven_json::Value::as_f64)
                        .unwrap_or(0.0),
                    _ => 0.0,
                };
                let i = if name == "first" { 0.0 } else { len - 1.0 };
                read_property(&x, &LiquidValue::str(num_str(i)))
            }
        }
        "size" => match input {
            LiquidValue::Str(t) => LiquidValue::Num(len16(t) as f64),
            LiquidValue::Arr(_) | LiquidValue::RArr(_) => {
                LiquidValue::Num(input.arr_len().unwrap_or(0) as f64)
            }
            LiquidValue::Obj(o) => match o.get("length") {
                Some(x) if x.is_truthy() => LiquidValue::from_value(x),
                _ => LiquidValue::Num(0.0),
            },
            _ => LiquidValue::Num(0.0),
        },
        "sum" => {
            let mut total = 0.0;
            for item in to_array(input) {
                let x = if args.first.is_nil()
                    || matches!(&args.first, LiquidValue::Str(p) if p.is_empty())
                {
                    item
                } else {
                    let path = args.first.stringify();
                    ctx.get_path(&item, &path)
                };
                let n = x.js_number();
                total += if n.is_nan() { 0.0 } else { n };
            }
            LiquidValue::Num(total)
        }
        "compact" => {
            let arr = to_array(input);
            ctx.mem(arr.len() as f64)?;
            LiquidValue::arr(arr.into_iter().filter(|x| !x.to_value().is_nil()).collect())
        }
        "push" => {
            let mut arr = to_array(input);
            arr.push(args.first.clone());
            ctx.mem(arr.len() as f64)?;
            LiquidValue::arr(arr)
        }
        "unshift" => {
            let mut arr = to_array(input);
            ctx.mem(arr.len() as f64)?;
            arr.insert(0, args.first.clone());
            LiquidValue::arr(arr)
        }
        "pop" => {
            let mut arr = to_array(input);
            ctx.mem(arr.len() as f64)?;
            arr.pop();
            LiquidValue::arr(arr)
        }
        "shift" => {
            let mut arr = to_array(input);
            ctx.mem(arr.len() as f64)?;
            if !arr.is_empty() {
                arr.remove(0);
            }
            LiquidValue::arr(arr)
        }
        "slice" => {
            let x = input.to_value();
            if x.is_nil() {
                return Ok(Some(LiquidValue::arr(Vec::new())));
            }
            let length = if args.len() < 2 || matches!(args.second, LiquidValue::Undef) {
                1.0
            } else {
                args.second.js_number()
            };
            let mut begin = args.first.js_number();
            if let Some(items) = x.items() {
                if begin < 0.0 {
                    begin += items.len() as f64;
                }
                if begin < 0.0 || length < 0.0 {
                    return Ok(Some(LiquidValue::arr(Vec::new())));
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
                LiquidValue::arr(if b < e {
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
                    return Ok(Some(text("")));
                }
                ctx.mem(length)?;
                let u = utf16(&t);
                let start = advance(&u, 0, begin);
                let end = advance(&u, start, length);
                text(from16(&u[start..end]))
            }
        }
        "where" => {
            let arr = to_array(input);
            ctx.mem(arr.len() as f64)?;
            let prop = args.first.stringify();
            let input16 = utf16(&prop);
            let tok = crate::liquid::lex::Tokenizer::new(&input16, 0, input16.len())
                .read_scope_value()
                .map_err(|e| crate::liquid::render::RenderError::Plain(e.message))?;
            let mut out = Vec::new();
            for item in arr {
                let value = match &tok {
                    Some(crate::liquid::lex::Tok::Prop { props, .. }) => {
                        let mut cur = item.clone();
                        for p in props {
                            let k = ctx.eval_tok(p)?.to_value();
                            cur = read_property(&cur, &k);
                        }
                        cur
                    }
                    _ => LiquidValue::Undef,
                };
                let hit = if args.len() < 2 || matches!(args.second, LiquidValue::Undef) {
                    !value.to_value().is_falsy()
                } else {
                    equals(&value, &args.second)
                };
                if hit {
                    out.push(item);
                }
            }
            LiquidValue::arr(out)
        }
        "sample" => {
            let x = input.to_value();
            if x.is_nil() {
                return Ok(Some(LiquidValue::arr(Vec::new())));
            }
            let items = x
                .items()
                .unwrap_or_else(|| x.stringify().chars().map(|c| text(c.to_string())).collect());
            let count = if matches!(args.first, LiquidValue::Undef) {
                1.0
            } else {
                args.first.js_number()
            };
            if count == 1.0 {
                items.first().cloned().unwrap_or(LiquidValue::Undef)
            } else {
                let n = if count.is_nan() || count < 0.0 {
                    0
                } else {
                    count as usize
                };
                LiquidValue::arr(items.into_iter().take(n).collect())
            }
        }
        _ => return Ok(None),
    }))
}
