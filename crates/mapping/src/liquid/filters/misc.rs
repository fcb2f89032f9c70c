//! Miscellaneous filters (liquidjs `filters/misc.ts`): `default`, `raw`, `json`, `jsonify`,
//! `inspect`, `to_integer`.

use super::{js_truthy_arg, len16, text, Answer, Call, Ctx, LiquidValue};
use crate::liquid::value::json_stringify;

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "default" => {
            let x = input.to_value();
            if let Some(len) = x.arr_len().or_else(|| x.as_str().map(str::len)) {
                return Ok(Some(if len > 0 { x } else { args.first.clone() }));
            }
            if matches!(x, LiquidValue::Bool(false)) {
                let allow = args
                    .all
                    .iter()
                    .skip(1)
                    .filter_map(LiquidValue::items)
                    .any(|kv| {
                        kv.first()
                            .is_some_and(|k| k.as_str() == Some("allow_false"))
                            && kv.get(1).is_some_and(js_truthy_arg)
                    });
                if allow {
                    return Ok(Some(LiquidValue::Bool(false)));
                }
            }
            if x.is_falsy() {
                args.first.clone()
            } else {
                x
            }
        }
        "raw" => input.clone(),
        "json" | "jsonify" | "inspect" => {
            let indent = match args.first.to_value() {
                LiquidValue::Num(n) if n >= 1.0 => " ".repeat((n.min(10.0)) as usize),
                LiquidValue::Str(t) => t.chars().take(10).collect(),
                _ => String::new(),
            };
            let out = json_stringify(input, &indent);
            if let Some(o) = &out {
                ctx.mem(len16(o) as f64 / 4.0)?;
            }
            out.map_or(LiquidValue::Undef, text)
        }
        "to_integer" => LiquidValue::Num(input.js_number()),
        _ => return Ok(None),
    }))
}
