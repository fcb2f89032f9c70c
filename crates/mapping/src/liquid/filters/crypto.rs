//! Crypto filters (liquidjs `filters/crypto.ts`): `sha256`, `hmac_sha256`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{len16, text, Answer, Call, Ctx};

pub(super) fn apply<'a>(ctx: &mut Ctx<'a, '_>, call: Call<'a, '_>) -> Answer<'a> {
    let Call { name, input, args } = call;
    Ok(Some(match name {
        "sha256" => {
            let x = input.stringify();
            ctx.mem(len16(&x) as f64)?;
            text(format!("{:x}", Sha256::digest(x.as_bytes())))
        }
        "hmac_sha256" => {
            let (x, k) = (input.stringify(), args.first.stringify());
            ctx.mem((len16(&x) + len16(&k)) as f64)?;
            let mut mac = Hmac::<Sha256>::new_from_slice(k.as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(x.as_bytes());
            text(format!("{:x}", mac.finalize().into_bytes()))
        }
        _ => return Ok(None),
    }))
}
