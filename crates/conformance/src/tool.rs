//! What the workspace's tool binaries share (`usermaven-conformance`, `usermaven-fuzz`): the
//! exit-code contract `cargo xtask` relies on, and number arguments.

/// Run a tool: exit 0 when it reports success, 1 when a check failed, 2 (with the error on
/// stderr) when it could not run.
pub fn exit_with(run: impl FnOnce() -> anyhow::Result<bool>) -> ! {
    match run() {
        Ok(true) => std::process::exit(0),
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::exit(2);
        }
    }
}

/// A number argument, decimal or `0x` hexadecimal (seeds are often written in hex).
pub fn parse_u64(s: &str) -> anyhow::Result<u64> {
    use anyhow::Context;
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.with_context(|| format!("not a number: {s}"))
}
