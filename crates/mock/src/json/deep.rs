//! Deeply nested JSON without stack overflows.
//!
//! Go's decoder accepts up to 10,000 levels of nesting, so the collector stores such events.
//! The mock's own decoder ([`super::go`]) is iterative, but its [`super::lite::Lite`] values
//! and `serde_json::Value`s are dropped, converted, cloned, compared and serialized recursively:
//! 10,000 levels need far more than a 2 MiB tokio worker stack. Work on text that may be deep
//! runs on a stack grown for its depth ([`on_stack_for`], crate `stacker`); shallow text (every
//! ordinary event) runs where it is, at the cost of one `memchr` count of its brackets.

use serde::Deserialize;
use serde_json::Value;

/// Depth up to which work runs on the caller's stack.
const SHALLOW: usize = 100;

/// Levels a grown stack is sized for at most: Go's limit plus the few levels enrichment adds.
const MAX_LEVELS: usize = 10_000 + 64;

/// Stack per level of nesting. Measured need is well under 1 KiB in release builds; debug builds
/// (tests) use several times more. Only the pages touched are committed.
const PER_LEVEL: usize = 8 * 1024;

/// Stack for everything that is not per level.
const BASE: usize = 1024 * 1024;

/// The deepest nesting of `{`/`[` in `text` outside strings (an upper bound for invalid JSON).
pub(super) fn nesting_depth(text: &[u8]) -> usize {
    let brackets = memchr::memchr2_iter(b'{', b'[', text).count();
    if brackets <= SHALLOW {
        return brackets;
    }
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &c in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Runs `f`, which works on values decoded from `text` (and drops them), on a stack big enough
/// for `text`'s nesting.
pub(crate) fn on_stack_for<R>(text: &[u8], f: impl FnOnce() -> R) -> R {
    let depth = nesting_depth(text);
    if depth <= SHALLOW {
        return f();
    }
    stacker::grow(BASE + depth.min(MAX_LEVELS) * PER_LEVEL, f)
}

/// `text` as a `Value`, at any depth (`serde_json` stops at 128 levels by default). The caller
/// must hold and drop the value inside [`on_stack_for`] when `text` may be deep.
pub(crate) fn parse_unbounded(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let v = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(nesting_depth(deep.as_bytes()), 300);
        let quoted = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(300), "{".repeat(5));
        assert_eq!(nesting_depth(quoted.as_bytes()), 1);
        assert_eq!(nesting_depth(b"{\"a\":[1,{}]}"), 3);
    }

    #[test]
    fn deep_values_parse_and_drop_on_a_grown_stack() {
        let text = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let n = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                on_stack_for(text.as_bytes(), || {
                    let v = parse_unbounded(&text).unwrap();
                    v.to_string().len()
                })
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(n, 20_001);
    }
}
