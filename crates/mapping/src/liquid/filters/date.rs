//! Date filters (liquidjs `filters/date.ts`): `date`, `date_to_xmlschema`, `date_to_rfc822`,
//! `date_to_string`, `date_to_long_string`; the formatting itself is [`crate::liquid::date`].

use super::{text, Answer, Call, Ctx, LiquidValue};
use crate::liquid::date;

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "date" => date::date_filter(ctx, input, &args.first, &args.second, args.len() > 1)?,
        "date_to_xmlschema" => date::date_filter(
            ctx,
            input,
            &text("%Y-%m-%dT%H:%M:%S%:z"),
            &LiquidValue::Undef,
            false,
        )?,
        "date_to_rfc822" => date::formatted(ctx, input, "%a, %d %b %Y %H:%M:%S %z")?,
        "date_to_string" | "date_to_long_string" => {
            let month = if name == "date_to_string" { "%b" } else { "%B" };
            date::stringify_date(ctx, input, month, &args.first, &args.second)?
        }
        _ => return Ok(None),
    }))
}
