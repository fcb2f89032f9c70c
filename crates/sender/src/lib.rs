//! `usermaven-sender`: delivers [`usermaven_destination::Request`]s over HTTP.
