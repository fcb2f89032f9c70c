//! Base64 filters (liquidjs `filters/base64.ts`): `base64_encode`, `base64_decode`, the
//! decoder as lenient as Node's `Buffer`.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine as _};

use super::{fail, len16, text, Answer, Call, Ctx};

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, .. } = call;
    Ok(Some(match name {
        "base64_encode" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(STANDARD.encode(x.as_bytes()))
        }
        "base64_decode" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            if !is_base64(&x) {
                return fail("invalid base64 provided to base64_decode");
            }
            text(String::from_utf8_lossy(&b64_decode(&x)).into_owned())
        }
        _ => return Ok(None),
    }))
}

/// `Buffer.from(text, "base64")`: Node skips every character outside the standard and the
/// URL-safe alphabets, stops at the first `=`, drops a lone trailing character and ignores
/// leftover bits. The engine decodes with or without padding and keeps partial bits; the
/// filter in front of it does the rest.
fn b64_decode(s: &str) -> Vec<u8> {
    const NODE_LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut text: Vec<u8> = s
        .bytes()
        .take_while(|&b| b != b'=')
        .filter_map(|b| match b {
            b'-' => Some(b'+'),
            b'_' => Some(b'/'),
            b if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' => Some(b),
            _ => None,
        })
        .collect();
    if text.len() % 4 == 1 {
        text.pop();
    }
    NODE_LENIENT
        .decode(&text)
        .expect("whole groups of alphabet characters decode")
}

fn is_base64(s: &str) -> bool {
    let mut t: String = s
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' '))
        .collect();
    if len16(&t).is_multiple_of(4) {
        if t.ends_with("==") {
            t.truncate(t.len() - 2);
        } else if t.ends_with('=') {
            t.truncate(t.len() - 1);
        }
    }
    len16(&t) % 4 != 1
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}
#[cfg(test)]
mod tests {
    use super::b64_decode;

    /// Every short text over characters the lenient decoder treats differently (alphabet,
    /// URL-safe, padding, skipped) decodes without a panic, as `Buffer.from` never throws.
    #[test]
    fn base64_decode_takes_any_text() {
        let chars = ["Q", "/", "-", "_", "=", "!", " ", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|t| chars.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for t in &texts {
                let _ = b64_decode(t);
            }
        }
        // What Node gives for these (`Buffer.from(s, "base64")`).
        assert_eq!(b64_decode("SGk"), b"Hi");
        assert_eq!(b64_decode("S G k = junk"), b"Hi");
        assert_eq!(b64_decode("-_-_"), [0xfb, 0xff, 0xbf]);
        assert_eq!(b64_decode("QUJD\nRA"), b"ABCD");
        assert_eq!(b64_decode("QUJDR"), b"ABC");
        assert_eq!(b64_decode("QQ=QUJD"), b"A");
        assert_eq!(b64_decode("Q=Q"), b"");
        assert_eq!(b64_decode("QUJD=QUJD"), b"ABC");
        assert_eq!(b64_decode("a\u{e9}b\u{e9}"), [105]);
    }
}
