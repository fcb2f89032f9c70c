//! `usermaven-actions dev`: a local Segment (crate `usermaven-segment`) on one port, wired to
//! the embedded mock Usermaven (crate `usermaven-mock`, under `/__mock/` on the same port) or
//! to `--endpoint`. Apps point their Segment SDK at it; the page at `/` shows each message's
//! whole way. Glue only.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use anyhow::Context;
use usermaven_destination::{Destination, Options};
use usermaven_segment::{Clock, LocalSegment, SegmentConfig};

#[derive(clap::Args)]
pub(crate) struct DevArgs {
    /// Port to listen on (0 picks a free one; the address is printed first).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Deliver the destination's requests to this Usermaven (or mock) origin instead of the
    /// embedded mock.
    #[arg(long)]
    endpoint: Option<String>,
    /// Accept only this write key (repeatable); others are answered 200 and dropped, as
    /// Segment does. Default: any key.
    #[arg(long = "write-key", value_name = "KEY")]
    write_keys: Vec<String>,
    /// Keep the newest N messages (with their requests and deliveries); the embedded mock keeps
    /// as many events and requests.
    #[arg(long, value_name = "N", default_value_t = usermaven_segment::DEFAULT_MAX_MESSAGES)]
    max_messages: usize,
    /// The token the page and /__segment/ (and the mock's /__mock/) ask for beyond loopback;
    /// default: random per run.
    #[arg(long, env = "USERMAVEN_DEV_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Credentials, the reference fixes, and the clock and seed. `--now` fixes `receivedAt` and
    /// the destination's clock, `--seed` the ids Segment adds and the destination's id
    /// generator: a run is then replayed byte for byte by `map --now … --seed …` on the
    /// exported messages.
    #[command(flatten)]
    flags: crate::ConfigFlags,
    /// A destination configuration (any of Segment's shapes); default: the four presets.
    #[arg(long)]
    config: Option<String>,
}

pub(crate) fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    crate::shared_args::block_on(run_async(args))
}

async fn run_async(args: DevArgs) -> anyhow::Result<ExitCode> {
    let embedded = args.endpoint.is_none();
    let credentials = args.flags.credentials.for_embedded_mock(embedded);
    let mut destination = args
        .flags
        .destination(args.config.as_deref(), &credentials)?;
    if let Some(endpoint) = &args.endpoint {
        match url::Url::parse(endpoint) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => anyhow::bail!("--endpoint must be an absolute http(s) URL with a host"),
        }
        destination = Destination::with_subscriptions(
            destination.settings().clone(),
            Options {
                base_url: endpoint.clone(),
                ..destination.options().clone()
            },
            destination.subscriptions().to_vec(),
        );
    }
    if args.max_messages == 0 {
        anyhow::bail!("--max-messages must be at least 1");
    }
    let bind = SocketAddr::new(args.host, args.port);
    // One token for the page and /__segment/ and for the mock's /__mock/ (the page reads the
    // mock's verdicts with it).
    let admin_token = args
        .admin_token
        .clone()
        .unwrap_or_else(usermaven_segment::random_token);
    let mock = if embedded {
        let s = destination.settings();
        let config = usermaven_mock::MockConfig {
            bind,
            admin_token: Some(admin_token.clone()),
            // The mock keeps as many events and requests as the local Segment keeps messages.
            ..usermaven_mock::MockConfig::new(s.api_key(), s.server_token())
                .with_strict(usermaven_mock::StrictMode::Warn)
                .with_max_events(args.max_messages)
                .with_max_requests(args.max_messages)
        };
        Some(usermaven_mock::MockState::new(config).context("starting the embedded mock")?)
    } else {
        None
    };
    let config = SegmentConfig {
        write_keys: args.write_keys.clone(),
        max_messages: args.max_messages,
        clock: args.flags.now.map_or(Clock::System, Clock::Fixed),
        seed: args.flags.seed,
        admin_token: Some(admin_token),
        loopback: args.host.is_loopback(),
        ..SegmentConfig::default()
    };
    let server = LocalSegment::start_on(
        bind,
        config,
        destination,
        mock.as_ref().map(|m| usermaven_mock::app(m.clone())),
    )
    .await
    .context("starting the local Segment")?;
    let uri = server.uri();
    let mut lines = vec![
        format!("dev: local Segment listening on {uri}"),
        format!(
            "  SDKs: host {uri} (analytics-node, analytics-python); cdnURL {uri} (analytics.js)"
        ),
    ];
    if args.host.is_loopback() {
        lines.push(format!("  live page: {uri}/"));
    } else {
        lines.push(format!(
            "  live page: {uri}/?admin_token={} (bound beyond loopback: the page and /__segment/ need this token, header {})",
            server.admin_token(),
            usermaven_segment::ADMIN_TOKEN_HEADER
        ));
    }
    lines.push(format!(
        "  messages: {uri}/__segment/messages (format=ndjson: as the destination saw them)"
    ));
    lines.push(match &args.endpoint {
        Some(_) => "  delivering to --endpoint".to_string(),
        None => format!("  delivering to the embedded mock Usermaven: {uri}/__mock/"),
    });
    // A closed stdout (the caller stopped reading) must not stop the server.
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
