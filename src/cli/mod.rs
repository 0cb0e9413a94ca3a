//! The command line: `fclocal <command>`. Each command is a module with an
//! `Args` struct and a `run` function returning the exit code; `main` sets up
//! tracing, runs the command and prints the full error chain.
//!
//! Exit codes: 0 success; 1 a user-visible failure (invalid template, a
//! function that failed, a build error); 2 a usage error (from clap).

mod build;
mod credentials;
mod events;
mod host_args;
mod invoke;
mod ledger;
mod logs;
mod marbles;
mod package;
mod serve_function;
mod start;
mod timer;
mod topics;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run Function Compute apps locally: WebAssembly functions, triggers and a
/// queryable logstore, without Docker.
#[derive(Debug, Parser)]
#[command(name = "fclocal", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check template.yml (or s.yaml) and print every problem with file:line:column.
    Validate(validate::ValidateArgs),
    /// Build every function crate into a WebAssembly component (skipping
    /// up-to-date ones) and precompile it.
    Build(build::BuildArgs),
    /// Invoke a function once, like `fun local invoke`.
    Invoke(invoke::InvokeArgs),
    /// Serve HTTP triggers and the InvokeFunction API, fire timers and
    /// reload code on change, like `fun local start` (without Docker).
    Start(start::StartArgs),
    /// Fire a timer of a running server now.
    Timer(timer::TimerArgs),
    /// Print function logs from the local logstore.
    Logs(logs::LogsArgs),
    /// Sample trigger events.
    Events(events::EventsArgs),
    /// Submit, query, list blocks and verify the ledger of a running server.
    Ledger(ledger::LedgerArgs),
    /// Write a deployable copy of the project for Function Compute (fun, s).
    Package(package::PackageArgs),
    /// Serve one WebAssembly function on Function Compute's custom-runtime
    /// contract: what a packaged function's `bootstrap` runs.
    ServeFunction(serve_function::ServeFunctionArgs),
}

/// Parses the command line, runs the command, prints errors with their
/// causes, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Build(args) => build::run(args),
        Command::Invoke(args) => invoke::run(args),
        Command::Start(args) => start::run(args),
        Command::Timer(args) => timer::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Events(args) => events::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Package(args) => package::run(args),
        Command::ServeFunction(args) => serve_function::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            crate::output::status(&error_report(&error));
            ExitCode::FAILURE
        }
    }
}

/// `Error: <message>` and a numbered `Caused by:` list, like anyhow's
/// `{:?}` but never with a backtrace (users get causes, not our stack).
fn error_report(error: &anyhow::Error) -> String {
    let mut report = format!("Error: {error}");
    let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
    if !causes.is_empty() {
        report.push_str("\n\nCaused by:");
        for (index, cause) in causes.iter().enumerate() {
            report.push_str(&format!("\n    {index}: {cause}"));
        }
    }
    report
}

/// Diagnostics for fclocal itself go to stderr, filtered by `FCLOCAL_LOG`
/// (e.g. `FCLOCAL_LOG=debug`); warnings by default.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FCLOCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}
