//! liquidjs 10.30.1's built-in filters, with actions-core's disabled ones failing
//! (`filter "…" is disabled`) and unknown ones passing the value through
//! (`strictFilters` is off).
//!
//! The filters are grouped as liquidjs' `src/filters/` groups them, one module each:
//! [`math`], [`string`], [`url`], [`html`], [`array`], [`date`], [`base64`], [`crypto`] and
//! [`misc`]. [`apply`] is the one dispatch: each group answers for the names it knows.

mod array;
mod base64;
mod crypto;
mod date;
mod html;
mod math;
mod misc;
mod string;
mod url;

use super::render::{equals, fail, read_property, Ctx, RenderResult};
use crate::liquid::value::{len16, DropKind, LiquidValue};

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

/// A filter's arguments: all of them, and the first two (`undefined` when missing), which
/// most filters read.
pub(super) struct Args<'a> {
    all: Vec<LiquidValue<'a>>,
    first: LiquidValue<'a>,
    second: LiquidValue<'a>,
}

impl<'a> Args<'a> {
    fn new(all: Vec<LiquidValue<'a>>) -> Args<'a> {
        Args {
            first: arg(&all, 0),
            second: arg(&all, 1),
            all,
        }
    }

    fn len(&self) -> usize {
        self.all.len()
    }

    fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// One filter call as a group sees it: the filter's name, its input and its arguments.
#[derive(Clone, Copy)]
pub(super) struct Call<'a, 'r> {
    name: &'r str,
    input: &'r LiquidValue<'a>,
    args: &'r Args<'a>,
}

/// A group's answer: the filter's value, or `None` for a name the group does not have.
type Answer<'a> = RenderResult<Option<LiquidValue<'a>>>;

/// A filter group (`GROUPS`), one module each.
type Group = for<'a, 'c, 'r> fn(&mut Ctx<'a, 'c>, Call<'a, 'r>) -> Answer<'a>;

const GROUPS: [Group; 9] = [
    math::apply,
    url::apply,
    html::apply,
    array::apply,
    date::apply,
    string::apply,
    base64::apply,
    crypto::apply,
    misc::apply,
];

/// Run the filter `name` on `input`: a disabled filter fails, a known one runs in its group,
/// an unknown one returns `input` as it is.
pub(super) fn apply<'a>(
    ctx: &mut Ctx<'a, '_>,
    name: &str,
    input: LiquidValue<'a>,
    args: Vec<LiquidValue<'a>>,
) -> RenderResult<LiquidValue<'a>> {
    if DISABLED.contains(&name) {
        return fail(format!("filter \"{name}\" is disabled"));
    }
    let args = Args::new(args);
    let call = Call {
        name,
        input: &input,
        args: &args,
    };
    for group in GROUPS {
        if let Some(out) = group(ctx, call)? {
            return Ok(out);
        }
    }
    Ok(input)
}

fn arg<'a>(args: &[LiquidValue<'a>], i: usize) -> LiquidValue<'a> {
    args.get(i).cloned().unwrap_or(LiquidValue::Undef)
}

/// `toArray`.
fn to_array<'a>(v: &LiquidValue<'a>) -> Vec<LiquidValue<'a>> {
    let v = v.to_value();
    if v.is_nil() {
        return Vec::new();
    }
    v.items().unwrap_or_else(|| vec![v])
}

fn text<'a>(x: impl Into<String>) -> LiquidValue<'a> {
    LiquidValue::str(x)
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
fn js_truthy_arg(v: &LiquidValue<'_>) -> bool {
    match v {
        LiquidValue::Undef | LiquidValue::Null => false,
        LiquidValue::Bool(b) => *b,
        LiquidValue::Num(n) => *n != 0.0 && !n.is_nan(),
        LiquidValue::Str(t) => !t.is_empty(),
        LiquidValue::Drop(DropKind::Nil) => true,
        _ => true,
    }
}
