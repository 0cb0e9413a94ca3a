//! `fclocal events generate <kind>`: sample events in FC's shapes.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use fclocal_invoke::events::EventKind;

use crate::output;

/// Sample trigger events.
#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Debug, Subcommand)]
enum EventsCommand {
    /// Print a sample event, e.g. `fclocal events generate timer > timer.json`.
    Generate {
        /// The trigger whose event to print.
        kind: Kind,
    },
}

/// The event kinds, for clap.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    /// An HTTP request, for `fclocal invoke` on an HTTP function.
    Http,
    /// A timer trigger firing.
    Timer,
    /// An OSS object notification.
    Oss,
    /// A Log Service (SLS) trigger batch.
    Sls,
    /// An MNS topic message (JSON format).
    Mns,
}

impl From<Kind> for EventKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Http => EventKind::Http,
            Kind::Timer => EventKind::Timer,
            Kind::Oss => EventKind::Oss,
            Kind::Sls => EventKind::Sls,
            Kind::Mns => EventKind::Mns,
        }
    }
}

/// Prints the sample.
pub fn run(args: EventsArgs) -> anyhow::Result<ExitCode> {
    let EventsCommand::Generate { kind } = args.command;
    let sample = EventKind::from(kind).sample();
    output::stdout(&format!("{}\n", serde_json::to_string_pretty(&sample)?))?;
    Ok(ExitCode::SUCCESS)
}
