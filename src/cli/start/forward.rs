//! `fclocal start --forward-logs ENDPOINT`: also send every stored line to
//! the real Log Service (the `fclocal-sls-forward` crate does the work; this
//! module reads the flags, picks the AccessKey and wires it into the server).
//!
//! The AccessKey: `--forward-access-key-id`/`--forward-access-key-secret`
//! (`FCLOCAL_FORWARD_ACCESS_KEY_ID`/`_SECRET`, with
//! `--forward-security-token`/`FCLOCAL_FORWARD_SECURITY_TOKEN` for an STS
//! pair), else the usual `ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET` (and
//! `ALIBABA_CLOUD_SECURITY_TOKEN`). The separate names exist because
//! `fclocal start` also takes its *local* AccessKey pair (what SDKs sign
//! local calls with) from the `ALIBABA_CLOUD_*` variables: with the
//! `FCLOCAL_FORWARD_*` ones the real key reaches only the forwarder.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use fclocal_logstore::LogStore;
use fclocal_sls_forward::{
    Backoff, Endpoint, ForwardConfig, ForwardCredentials, Forwarder, HttpRemote,
};

use crate::cli::host_args::HostArgs;
use crate::project::Project;

/// How long shutdown keeps forwarding what is still stored.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Flags of log forwarding.
#[derive(Debug, Args)]
pub struct ForwardArgs {
    /// Also send every stored log line to this Log Service endpoint (e.g.
    /// cn-hangzhou.log.aliyuncs.com; https unless it is an IP address or
    /// localhost, or says http://), into the project and logstore of its
    /// service's LogConfig. Lines are stored locally first and forwarded in
    /// the background; progress at GET /fclocal/forwarding.
    #[arg(long, value_name = "ENDPOINT", env = "FCLOCAL_FORWARD_LOGS")]
    forward_logs: Option<Endpoint>,
    /// AccessKey ID that signs forwarded lines [default:
    /// ALIBABA_CLOUD_ACCESS_KEY_ID].
    #[arg(long, value_name = "ID", env = "FCLOCAL_FORWARD_ACCESS_KEY_ID")]
    forward_access_key_id: Option<String>,
    /// Its AccessKey secret [default: ALIBABA_CLOUD_ACCESS_KEY_SECRET].
    #[arg(
        long,
        value_name = "SECRET",
        env = "FCLOCAL_FORWARD_ACCESS_KEY_SECRET",
        hide_env_values = true
    )]
    forward_access_key_secret: Option<String>,
    /// STS security token of that pair, if it is one [default:
    /// ALIBABA_CLOUD_SECURITY_TOKEN with the ALIBABA_CLOUD_* pair].
    #[arg(
        long,
        value_name = "TOKEN",
        env = "FCLOCAL_FORWARD_SECURITY_TOKEN",
        hide_env_values = true
    )]
    forward_security_token: Option<String>,
    /// Longest wait between retries after failures (tests shorten it); at
    /// least 100ms.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = max_backoff, hide = true)]
    forward_max_backoff: Duration,
}

/// Forwarding, running.
pub struct Forwarding {
    forwarder: Forwarder,
    /// The banner line.
    pub banner: String,
    /// `GET /fclocal/forwarding`.
    pub routes: axum::Router,
    /// The line `/fclocal/` shows: how far forwarding got, read when asked.
    pub live: fclocal_server::LiveNote,
}

/// Forwarding checked and configured, not started yet.
pub struct Prepared(ForwardConfig);

/// Checks the flags when `--forward-logs` was given, before anything is
/// built, so a missing key or `LogConfig` fails at once.
pub fn prepare(
    args: &ForwardArgs,
    host_args: &HostArgs,
    project: &Project,
) -> anyhow::Result<Option<Prepared>> {
    let Some(endpoint) = args.forward_logs.clone() else {
        return Ok(None);
    };
    let credentials = credentials(args, host_args)?;
    let projects: BTreeSet<String> = fclocal_invoke::all_specs(&project.app)
        .into_iter()
        .filter_map(|spec| spec.log_config.map(|target| target.project))
        .collect();
    anyhow::ensure!(
        !projects.is_empty(),
        "--forward-logs sends each line to its service's LogConfig project, and no service in the template has one: add `LogConfig: {{Project: ..., Logstore: ...}}` to a service"
    );
    let mut config = ForwardConfig::new(
        endpoint.clone(),
        credentials,
        project.data_dir.join("forwarding.json"),
    );
    config.projects = Some(projects);
    config.backoff = Backoff {
        max: args.forward_max_backoff,
        ..Backoff::default()
    };
    Ok(Some(Prepared(config)))
}

/// Starts forwarding. Call inside the tokio runtime, after the logstore is open.
pub fn start(
    prepared: Option<Prepared>,
    project: &Project,
    tokio: &tokio::runtime::Runtime,
    address: SocketAddr,
) -> anyhow::Result<Option<Forwarding>> {
    let Some(Prepared(config)) = prepared else {
        return Ok(None);
    };
    let endpoint = config.endpoint.clone();
    let key_id = config.credentials.pair.access_key_id.clone();
    let remote = HttpRemote::new(endpoint.clone(), config.request_timeout);
    let notice = Arc::new(|line: &str| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    });
    let forwarder = Forwarder::start(config, &project.logs_db(), remote, notice)
        .context("cannot start forwarding logs")?;
    let status = tokio.block_on(forwarder.status());
    let banner = format!(
        "Forwarding logs to {endpoint} (AccessKey {key_id}): {} lines behind; progress: http://{address}/fclocal/forwarding",
        status.backlog_lines
    );
    let routes = forwarder.router();
    let board = forwarder.board();
    let live = fclocal_server::LiveNote::new(move || live_line(&board.snapshot()));
    Ok(Some(Forwarding {
        live,
        forwarder,
        banner,
        routes,
    }))
}

impl Forwarding {
    /// After the server stopped: forwards what is stored for a few seconds
    /// more, then says how far it got.
    pub fn stop(self, tokio: &tokio::runtime::Runtime, store: &LogStore) {
        if let Err(error) = store.writer().flush_blocking() {
            tracing::warn!("flushing the logstore before the last forwarding failed: {error}");
        }
        let status = tokio.block_on(self.forwarder.stop(SHUTDOWN_GRACE));
        crate::output::status(&if status.backlog_lines == 0 {
            format!("Every log line is forwarded to {}.", status.endpoint)
        } else {
            format!(
                "{} log lines are not forwarded to {} yet; the next `fclocal start --forward-logs` sends them.",
                status.backlog_lines, status.endpoint
            )
        });
    }
}

/// `--forward-max-backoff`: a duration of at least [`Backoff::MIN_WAIT`].
fn max_backoff(text: &str) -> Result<Duration, String> {
    let wait = humantime::parse_duration(text).map_err(|error| error.to_string())?;
    if wait < Backoff::MIN_WAIT {
        return Err(format!(
            "{text} is too short: a shorter wait would retry a failing Log Service in a tight loop; give at least {}",
            humantime::format_duration(Backoff::MIN_WAIT)
        ));
    }
    Ok(wait)
}

/// Names of the flag and variables the forwarding pair came from, for errors.
const FORWARD_NAMES: [&str; 3] = [
    "--forward-access-key-id (FCLOCAL_FORWARD_ACCESS_KEY_ID)",
    "--forward-access-key-secret (FCLOCAL_FORWARD_ACCESS_KEY_SECRET)",
    "--forward-security-token (FCLOCAL_FORWARD_SECURITY_TOKEN)",
];
/// The same for the `ALIBABA_CLOUD_*` pair.
const CLOUD_NAMES: [&str; 3] = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID (--access-key-id)",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET (--access-key-secret)",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
];

/// The AccessKey of forwarding; see the module docs for the order. Values
/// are trimmed (a pasted key or an STS token read from a file often ends
/// with a line break) and must be printable ASCII: they travel in HTTP
/// headers, and one that cannot would fail every request.
fn credentials(args: &ForwardArgs, host_args: &HostArgs) -> anyhow::Result<ForwardCredentials> {
    let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let (id, secret, token, names) = match (
        given(&args.forward_access_key_id),
        given(&args.forward_access_key_secret),
    ) {
        (Some(id), Some(secret)) => (
            id,
            secret,
            given(&args.forward_security_token),
            FORWARD_NAMES,
        ),
        (None, None) => {
            let id = host_args.access_key_id.clone();
            let secret = host_args.access_key_secret.clone();
            anyhow::ensure!(
                !id.trim().is_empty() && !secret.trim().is_empty(),
                "--forward-logs needs an AccessKey that may write to the project: set FCLOCAL_FORWARD_ACCESS_KEY_ID and FCLOCAL_FORWARD_ACCESS_KEY_SECRET (or --forward-access-key-id/--forward-access-key-secret), or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
            );
            let mut names = CLOUD_NAMES;
            let token = match given(&args.forward_security_token) {
                Some(token) => {
                    names[2] = FORWARD_NAMES[2];
                    Some(token)
                }
                None => std::env::var("ALIBABA_CLOUD_SECURITY_TOKEN")
                    .ok()
                    .filter(|token| !token.trim().is_empty()),
            };
            (id, secret, token, names)
        }
        (Some(_), None) => anyhow::bail!(
            "--forward-access-key-id (FCLOCAL_FORWARD_ACCESS_KEY_ID) is set but its secret is not: set --forward-access-key-secret (FCLOCAL_FORWARD_ACCESS_KEY_SECRET) too"
        ),
        (None, Some(_)) => anyhow::bail!(
            "--forward-access-key-secret (FCLOCAL_FORWARD_ACCESS_KEY_SECRET) is set but its ID is not: set --forward-access-key-id (FCLOCAL_FORWARD_ACCESS_KEY_ID) too"
        ),
    };
    let id = header_safe(&id, names[0])?;
    let secret = header_safe(&secret, names[1])?;
    let token = token
        .map(|token| header_safe(&token, names[2]))
        .transpose()?;
    Ok(ForwardCredentials {
        pair: fclocal_sls_api::Credentials::new(id, secret),
        security_token: token,
    })
}

/// `value` without surrounding whitespace, if what is left is printable
/// ASCII without spaces (AccessKeys and STS tokens are); `name` says where
/// it came from.
fn header_safe(value: &str, name: &str) -> anyhow::Result<String> {
    let value = value.trim();
    if let Some((at, bad)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_graphic())
    {
        anyhow::bail!(
            "the value of {name} has {} at character {}: AccessKeys and STS tokens are printable ASCII without spaces, so it was probably copied with something extra; set it again",
            describe(bad),
            at + 1
        );
    }
    Ok(value.to_owned())
}

/// A character for an error message, without printing a control character.
fn describe(c: char) -> String {
    match c {
        '\n' | '\r' => "a line break".to_owned(),
        ' ' => "a space".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("the non-ASCII character {c:?}"),
    }
}

/// `/fclocal/`'s forwarding line.
fn live_line(status: &fclocal_sls_forward::ForwardStatus) -> String {
    let state = serde_json::to_value(status.state)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut line = format!(
        "Log forwarding to {}: {state}, forwarded up to line {} of {} ({} behind at the last count; {} sent, {} set aside since start)",
        status.endpoint,
        status.forwarded_up_to_id,
        status.newest_stored_id,
        status.backlog_lines,
        status.forwarded_lines,
        status.dropped_lines
    );
    if let Some(error) = &status.last_error {
        line.push_str("; last error: ");
        line.push_str(error);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_max_backoff_that_would_spin_is_refused() {
        assert_eq!(max_backoff("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(max_backoff("100ms"), Ok(Duration::from_millis(100)));
        let error = max_backoff("0s").unwrap_err();
        assert!(error.contains("0s is too short"), "{error}");
        assert!(error.contains("at least 100ms"), "{error}");
        assert!(max_backoff("soon").is_err());
    }

    #[test]
    fn credentials_are_trimmed_and_bad_characters_named_with_their_source() {
        assert_eq!(header_safe(" tok+/= \n", "x").unwrap(), "tok+/=");
        let error = header_safe("STS.tok\nen", FORWARD_NAMES[2])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "the value of --forward-security-token (FCLOCAL_FORWARD_SECURITY_TOKEN) has a line break at character 8"
            ),
            "{error}"
        );
        let error = header_safe("LTAIé", CLOUD_NAMES[0])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{error}");
        assert!(
            error.contains("non-ASCII character 'é' at character 5"),
            "{error}"
        );
        assert!(error.contains("set it again"), "{error}");
    }
}
