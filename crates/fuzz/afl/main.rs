//! AFL++ harness for `cargo xtask fuzz --afl`: the target named by `FUZZ_TARGET` (one of
//! json-route, mapping, fql, mock) checks each input AFL hands it; an oracle failure panics,
//! which afl.rs turns into an abort that AFL records as a crash.

use std::panic::AssertUnwindSafe;

fn main() {
    let name = std::env::var("FUZZ_TARGET").unwrap_or_else(|_| "json-route".into());
    std::env::set_var("FUZZ_NO_NODE", "1");
    let root = usermaven_fuzz::workspace_root();
    let mut target = match usermaven_fuzz::target(&root, &name) {
        Ok(Some(t)) => AssertUnwindSafe(t),
        Ok(None) => panic!("fuzz target {name} is not available here"),
        Err(e) => panic!("fuzz target {name}: {e:#}"),
    };
    afl::fuzz!(|data: &[u8]| {
        if let Err(e) = target.check(data) {
            panic!("{e}");
        }
    });
}
