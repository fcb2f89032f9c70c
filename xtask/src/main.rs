//! `cargo xtask`: project automation (reference expectations, conformance, bench, ci).

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::bail!("unknown xtask command: {args:?}")
}
