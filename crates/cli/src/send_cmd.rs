//! `usermaven-actions send`.

#[derive(clap::Args)]
pub(crate) struct SendArgs {}

pub(crate) fn run(_args: SendArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("not implemented yet")
}
