//! The token check of ingestion paths (`TokenTwoFuncAuth` for s2s; browser tokens were already
//! checked by the CORS layer, so this only finds their workspace).

use axum::http::StatusCode;

use super::respond::Reply;
use crate::model::strict::Channel;
use crate::model::Workspace;

const NOT_SERVER_TOKEN: &str =
    "The token isn't a server secret token. Please use an s2s integration token";

/// The index of the workspace `token` belongs to on `channel`, or the 401 the collector sends.
pub(super) fn workspace_for(
    workspaces: &[Workspace],
    channel: Channel,
    token: &str,
) -> Result<usize, Box<Reply>> {
    let ws = match channel {
        Channel::S2s => workspaces.iter().position(|w| w.s2s_token() == token),
        Channel::Browser => workspaces.iter().position(|w| w.api_key == token),
    };
    ws.ok_or_else(|| {
        let is_client_key = workspaces.iter().any(|w| w.api_key == token);
        let (msg, reason) = if is_client_key {
            (NOT_SERVER_TOKEN.to_owned(), "client key on an s2s path")
        } else if token.is_empty() {
            ("The token is not found: ".to_owned(), "no token")
        } else {
            (format!("The token is not found: {token}"), "unknown token")
        };
        Box::new(Reply::reject(StatusCode::UNAUTHORIZED, &msg, reason))
    })
}
