//! `usermaven-actions`: the command line (map, send, mock, cases, config, describe). Glue only:
//! every behaviour lives in a library crate.

use clap::{Parser, Subcommand};

mod mock_cmd;
mod send_cmd;

#[derive(Parser)]
#[command(name = "usermaven-actions", version, about = "Segment's Usermaven (Actions) destination, locally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a mock Usermaven ingestion server.
    Mock(mock_cmd::MockArgs),
    /// Map Segment events and deliver them (to an embedded mock unless --endpoint is given).
    Send(send_cmd::SendArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mock(args) => mock_cmd::run(args),
        Command::Send(args) => send_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
