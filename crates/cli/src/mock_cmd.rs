//! `usermaven-actions mock`.

#[derive(clap::Args)]
pub(crate) struct MockArgs {}

pub(crate) fn run(_args: MockArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not implemented yet")
}
