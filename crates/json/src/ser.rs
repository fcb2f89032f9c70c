//! `JSON.stringify`, byte for byte.

use crate::js::{Builtin, Func, Proto};
use crate::{Object, Value};

/// ECMAScript `Number::toString` (as used by `JSON.stringify` for finite numbers).
pub fn write_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
    } else if n == 0.0 {
        out.push('0');
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        write_integer(out, n as i64);
    } else {
        let mut b = ryu_js::Buffer::new();
        out.push_str(b.format_finite(n));
    }
}

/// Decimal digits of an integer, without allocating.
fn write_integer(out: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// A JSON string literal as `JSON.stringify` writes it.
pub fn write_js_string(out: &mut String, s: &str) {
    // ASCII with nothing to escape (keys, most values): one check, one copy.
    if crate::parse::plain_ascii(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    // Lone-surrogate stand-ins are 4-byte sequences starting F4 8F A0..BF.
    if s.as_bytes().contains(&0xF4) {
        return write_js_string_slow(out, s);
    }
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        // Copy the run of bytes that need no escape in one go.
        let i = crate::parse::scan_plain(bytes, start);
        if i >= bytes.len() {
            break;
        }
        out.push_str(&s[start..i]);
        let b = bytes[i];
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            _ => "",
        };
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// [`write_js_string`] appended as bytes: the same output, byte for byte, made for long
/// strings full of quotes (a request body inside a `map` output line). Eight bytes at a time
/// with no call per run: a word with nothing to escape is copied whole, a word holding a
/// quote, a backslash or a control character byte by byte with its escapes. (Strings that may
/// hold lone-surrogate stand-ins take [`write_js_string`].)
pub fn write_js_string_bytes(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.contains(&0xF4) {
        let mut text = String::with_capacity(b.len() + 16);
        write_js_string(&mut text, s);
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.reserve(b.len() + b.len() / 8 + 2);
    out.push(b'"');
    let mut words = b.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        if crate::parse::special_mask(w) == 0 {
            out.extend_from_slice(word);
        } else {
            for &c in word {
                push_escaped(out, c);
            }
        }
    }
    for &c in words.remainder() {
        push_escaped(out, c);
    }
    out.push(b'"');
}

/// One byte of a string as [`write_js_string`] writes it (any byte but a stand-in's).
#[inline(always)]
fn push_escaped(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0..=0x1f => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(c >> 4)],
            HEX[usize::from(c & 0xf)],
        ]),
        _ => out.push(c),
    }
}

/// The general case: strings that may hold lone-surrogate stand-ins.
fn write_js_string_slow(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
            c => match crate::lone_surrogate_unit(c) {
                Some(unit) => {
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[usize::from((unit >> shift) & 0xf)] as char);
                    }
                }
                None => out.push(c),
            },
        }
    }
    out.push('"');
}

pub(crate) fn write_value(out: &mut String, v: &Value) {
    if !write_property(out, v, Holder::Root) {
        // JSON.stringify returns `undefined`; `null` is the nearest text.
        out.push_str("null");
    }
}

/// Where a value sits: the key `toJSON` is called with.
#[derive(Clone, Copy)]
enum Holder<'k> {
    Root,
    Key(&'k str),
    Index(usize),
}

/// `SerializeJSONProperty`: writes `v` and returns `true`, or writes nothing and returns
/// `false` when JSON.stringify gives `undefined` for it (a function, or what a `toJSON`
/// returned).
fn write_property(out: &mut String, v: &Value, holder: Holder<'_>) -> bool {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if n.is_finite() {
                write_number(out, *n)
            } else {
                out.push_str("null")
            }
        }
        Value::String(s) => write_js_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !write_property(out, item, Holder::Index(i)) {
                    out.push_str("null");
                }
            }
            out.push(']');
        }
        Value::Object(o) => return write_object(out, o, holder),
        Value::Builtin(b) if b.is_skipped_by_json() => return false,
        Value::Builtin(b) => write_builtin_json(out, *b),
    }
    true
}

fn write_object(out: &mut String, o: &Object, holder: Holder<'_>) -> bool {
    let start = out.len();
    out.push('{');
    let mut first = true;
    for (k, item) in o.iter() {
        let mark = out.len();
        if !first {
            out.push(',');
        }
        write_js_string(out, k);
        out.push(':');
        if write_property(out, item, Holder::Key(k)) {
            first = false;
            continue;
        }
        out.truncate(mark);
        // Members holding a function are left out; an own `toJSON` function is called first
        // (rare: only mappings put built-in functions in objects), so the object's text so far
        // is replaced by what it returns.
        if let (true, Value::Builtin(Builtin::Function(f))) = (&**k == "toJSON", item) {
            out.truncate(start);
            return write_to_json(out, o, *f, holder);
        }
    }
    out.push('}');
    true
}

/// `value.toJSON(key)` for a built-in function `f` found as `value`'s own `toJSON`, and the
/// result written (see `js::call` for what is modelled). A call that throws or is not
/// modelled is treated as returning the object itself (JSON.stringify cannot fail here).
fn write_to_json(out: &mut String, o: &Object, f: Func, holder: Holder<'_>) -> bool {
    let key = match holder {
        Holder::Root => String::new(),
        Holder::Key(k) => k.to_string(),
        Holder::Index(i) => i.to_string(),
    };
    match crate::js::call(f, o, Some(&key), 0) {
        Ok(crate::js::Call::Value(v)) => write_property(out, &v, holder),
        Ok(crate::js::Call::Undefined) => false,
        Ok(crate::js::Call::OtherObject) => {
            out.push_str("{}");
            true
        }
        _ => {
            // The object itself, its `toJSON` not called again.
            let mut copy = o.clone();
            copy.retain(|k, _| &**k != "toJSON");
            write_object(out, &copy, holder)
        }
    }
}

/// A built-in as `JSON.stringify` prints it: functions as `null` (what they give inside an
/// array; object members holding one are skipped, see [`Value::is_skipped_member`]), prototypes
/// as the empty value of their kind.
fn write_builtin_json(out: &mut String, b: Builtin) {
    out.push_str(match b {
        Builtin::Prototype(Proto::Object) => "{}",
        Builtin::Prototype(Proto::Array) => "[]",
        Builtin::Prototype(Proto::String) => "\"\"",
        Builtin::Prototype(Proto::Number) => "0",
        Builtin::Prototype(Proto::Boolean) => "false",
        Builtin::Function(_) | Builtin::Prototype(Proto::Function) | Builtin::Undefined => "null",
    });
}

/// `JSON.stringify(v, null, gap)` for a non-empty `gap` (each level indented by `gap`).
pub(crate) fn write_indented(out: &mut String, v: &Value, gap: &str, level: usize) {
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        for _ in 0..level {
            out.push_str(gap);
        }
    };
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_indented(out, item, gap, level + 1);
            }
            newline(out, level);
            out.push(']');
        }
        Value::Object(o) if o.values().any(|v| !v.is_skipped_member()) => {
            out.push('{');
            let mut first = true;
            for (k, item) in o.iter() {
                if item.is_skipped_member() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                newline(out, level + 1);
                write_js_string(out, k);
                out.push_str(": ");
                write_indented(out, item, gap, level + 1);
            }
            newline(out, level);
            out.push('}');
        }
        _ => write_value(out, v),
    }
}
