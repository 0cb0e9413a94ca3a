//! `fclocal timer fire service/function/trigger`: fires a timer of a running
//! `fclocal start` now, through its admin API, with the same overlap rule as
//! scheduled firings.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use crate::output;

/// Timer triggers of a running server.
#[derive(Debug, Args)]
pub struct TimerArgs {
    #[command(subcommand)]
    command: TimerCommand,
}

#[derive(Debug, Subcommand)]
enum TimerCommand {
    /// Fire a timer now, e.g. `fclocal timer fire marblesFC/analytics/every-minute`.
    Fire {
        /// `service/function/trigger`.
        #[arg(value_name = "SERVICE/FUNCTION/TRIGGER")]
        timer: String,
        /// The running `fclocal start`.
        #[arg(
            long,
            value_name = "URL",
            default_value = "http://127.0.0.1:8000",
            env = "FCLOCAL_URL"
        )]
        url: String,
    },
}

/// Asks the server to fire the timer.
pub fn run(args: TimerArgs) -> anyhow::Result<ExitCode> {
    let TimerCommand::Fire { timer, url } = args.command;
    let parts: Vec<&str> = timer.split('/').collect();
    let [service, function, trigger] = parts[..] else {
        bail!("name the timer as service/function/trigger, e.g. marblesFC/analytics/every-minute");
    };
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent();
    let endpoint = format!(
        "{}/fclocal/timers/{service}/{function}/{trigger}/fire",
        url.trim_end_matches('/')
    );
    let mut response = agent.post(&endpoint).send_empty().with_context(|| {
        format!(
            "no fclocal server answers at {url}; start one with `fclocal start` (or pass --url)"
        )
    })?;
    let status = response.status();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    match status.as_u16() {
        202 => {
            output::status(&format!(
                "Fired {timer}; its run is in the server's output and `fclocal logs`"
            ));
            Ok(ExitCode::SUCCESS)
        }
        409 => {
            output::status(&format!(
                "Skipped {timer}: {}",
                answer["reason"]
                    .as_str()
                    .or(answer["error"].as_str())
                    .unwrap_or("busy")
            ));
            Ok(ExitCode::FAILURE)
        }
        _ => bail!(
            "{}",
            answer["error"].as_str().map(str::to_owned).unwrap_or(body)
        ),
    }
}
