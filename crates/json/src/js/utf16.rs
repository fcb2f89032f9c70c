//! Strings as JS sees them: sequences of UTF-16 code units. A Rust string cannot hold a lone
//! surrogate, so one is held as its stand-in character ([`crate::lone_surrogate_char`]); these
//! helpers count and index such strings as JS does (a stand-in is one unit, an astral
//! character two).

use crate::{lone_surrogate_char, lone_surrogate_unit};

/// `s.length`: UTF-16 code units (a lone-surrogate stand-in counts as one).
pub fn utf16_len(s: &str) -> usize {
    // ASCII and BMP characters are one unit; only 4-byte UTF-8 sequences need a look.
    if !s.as_bytes().iter().any(|&b| b >= 0xF0) {
        return s.chars().count();
    }
    s.chars().map(char_units).sum()
}

fn char_units(c: char) -> usize {
    if lone_surrogate_unit(c).is_some() {
        1
    } else {
        c.len_utf16()
    }
}

/// The code units of `s`, in order.
pub fn units(s: &str) -> impl Iterator<Item = u16> + '_ {
    s.chars().flat_map(|c| {
        let mut buf = [0u16; 2];
        let n = match lone_surrogate_unit(c) {
            Some(u) => {
                buf[0] = u;
                1
            }
            None => c.encode_utf16(&mut buf).len(),
        };
        (0..n).map(move |i| buf[i])
    })
}

/// The code unit at `i` (`s.charCodeAt(i)`), `None` past the end.
pub fn unit_at(s: &str, i: usize) -> Option<u16> {
    units(s).nth(i)
}

/// `s[i]`: the one-unit string at index `i` (a lone surrogate, as its stand-in, when `i`
/// falls inside an astral character), `None` past the end.
pub fn char_at(s: &str, i: usize) -> Option<String> {
    let mut pos = 0;
    for c in s.chars() {
        let w = char_units(c);
        if i < pos + w {
            if w == 1 {
                return Some(c.to_string());
            }
            let mut buf = [0u16; 2];
            c.encode_utf16(&mut buf);
            return Some(lone_surrogate_char(buf[i - pos]).to_string());
        }
        pos += w;
    }
    None
}

/// Joins adjacent stand-ins that form a surrogate pair into the character they encode: what
/// JS string concatenation gives (`"\ud83d" + "\ude00"` is `"😀"`). Cheap when there are
/// none (stand-ins are the only characters that start with the bytes F4 8F).
pub fn join_surrogate_pairs(s: String) -> String {
    let b = s.as_bytes();
    if !b.windows(2).any(|w| w == [0xF4, 0x8F]) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(hi @ 0xD800..=0xDBFF) = lone_surrogate_unit(c) {
            if let Some(lo @ 0xDC00..=0xDFFF) = chars.peek().and_then(|&n| lone_surrogate_unit(n)) {
                let cp = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                if let Some(joined) = char::from_u32(cp) {
                    out.push(joined);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_utf16_code_units() {
        let lone = lone_surrogate_char(0xD83D).to_string();
        assert_eq!(utf16_len("a😀b"), 4);
        assert_eq!(utf16_len(&lone), 1);
        assert_eq!(char_at("a😀b", 1), Some(lone.clone()));
        assert_eq!(
            char_at("a😀b", 2),
            Some(lone_surrogate_char(0xDE00).to_string())
        );
        assert_eq!(char_at("a😀b", 3).as_deref(), Some("b"));
        assert_eq!(char_at("a😀b", 4), None);
        assert_eq!(units("a😀").collect::<Vec<_>>(), [0x61, 0xD83D, 0xDE00]);
        let halves = format!("x{}{}", lone, lone_surrogate_char(0xDE00));
        assert_eq!(join_surrogate_pairs(halves), "x😀");
        assert_eq!(join_surrogate_pairs(lone.clone()), lone);
    }
}
