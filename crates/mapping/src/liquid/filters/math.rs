//! Math filters (liquidjs `filters/math.ts`): `abs`, `at_least`, `at_most`, `ceil`, `floor`,
//! `divided_by`, `minus`, `plus`, `times`, `modulo`, `round`.

use super::{Answer, Call, Ctx, LiquidValue};
use crate::liquid::value::num_str;

pub(super) fn apply<'a>(_ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "abs" => LiquidValue::Num(input.to_number().abs()),
        "at_least" => LiquidValue::Num(js_max(
            input.to_number(),
            args.first.to_number(),
            args.is_empty(),
        )),
        "at_most" => LiquidValue::Num(js_min(
            input.to_number(),
            args.first.to_number(),
            args.is_empty(),
        )),
        "ceil" => LiquidValue::Num(input.to_number().ceil()),
        "floor" => LiquidValue::Num(input.to_number().floor()),
        "divided_by" => {
            let (x, y) = (input.to_number(), args.first.to_number());
            if args.len() > 1 && args.second.to_number() != 0.0 {
                LiquidValue::Num((x / y).floor())
            } else {
                LiquidValue::Num(x / y)
            }
        }
        "minus" => LiquidValue::Num(input.to_number() - args.first.to_number()),
        "plus" => LiquidValue::Num(input.to_number() + args.first.to_number()),
        "times" => LiquidValue::Num(input.to_number() * args.first.to_number()),
        "modulo" => {
            let (x, y) = (input.to_number(), args.first.to_number());
            LiquidValue::Num(((x % y) + y) % y)
        }
        "round" => LiquidValue::Num(round(
            input.to_number(),
            if matches!(args.first, LiquidValue::Undef) {
                0.0
            } else {
                args.first.to_number()
            },
        )),
        _ => return Ok(None),
    }))
}

fn round(v: f64, arg: f64) -> f64 {
    let shift = |n: f64, e: f64| -> f64 {
        let text = num_str(n);
        let (m, p) = text.split_once('e').unwrap_or((&text, "0"));
        let p: f64 = crate::liquid::value::str_to_number(p);
        crate::liquid::value::str_to_number(&format!("{m}e{}", num_str(p + e)))
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
