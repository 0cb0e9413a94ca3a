//! `fclocal ledger verify`: offline on `.fclocal/ledger` when no server
//! holds it (redb lets one process open it), otherwise through the running
//! server's `GET /ledger/v1/verify`. Both check the same things.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use fclocal_ledger::store::StoreError;
use fclocal_ledger::verify::{VerifyError, verify_dir};

use super::gateway::Gateway;
use crate::ledger::{NetworkArgs, ledger_dir};
use crate::output;
use crate::project::TemplateArgs;

/// Verifies and prints the totals, or names the first bad block (exit 1).
pub fn run(
    gateway: &Gateway,
    template: &TemplateArgs,
    network: &NetworkArgs,
) -> anyhow::Result<ExitCode> {
    let template_path = template.template_path()?;
    let Some(network) = network.load(&template_path)? else {
        bail!(
            "no network file beside {}: the ledger is described in chaincode/network.yml; pass it with --network",
            template_path.display()
        );
    };
    let dir = ledger_dir(&template.data_dir());
    if !dir.join(fclocal_ledger::ledger::DB_FILE).is_file() {
        bail!(
            "no ledger in {}; `fclocal start` creates it (or pass --data-dir)",
            dir.display()
        );
    }
    match verify_dir(&dir, &network.config) {
        Ok(report) => {
            output::stdout(&format!(
                "Ledger verified: {} blocks, {} transactions ({} valid, replayed), {} world-state keys match\n",
                report.blocks, report.transactions, report.valid, report.state_keys
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyError::Store(error)) if error.is_in_use() => from_server(gateway),
        Err(VerifyError::Store(error @ StoreError::Open { .. })) => {
            Err(error).context("cannot verify the ledger")
        }
        Err(error) => {
            output::status(&format!("Ledger verification FAILED: {error}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The running server holds the database: ask it.
fn from_server(gateway: &Gateway) -> anyhow::Result<ExitCode> {
    let answer = gateway
        .get("/verify")
        .context("the ledger is open in a running fclocal, and asking it to verify failed")?;
    let body = &answer.body;
    match answer.status {
        200 => {
            output::stdout(&format!(
                "Ledger verified (by the running server): {} blocks, {} transactions ({} valid, replayed), {} world-state keys match\n",
                body["blocks"], body["transactions"], body["valid"], body["stateKeys"]
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        409 => {
            output::status(&format!(
                "Ledger verification FAILED: {}",
                body["message"].as_str().unwrap_or("(no message)")
            ));
            Ok(ExitCode::FAILURE)
        }
        _ => Err(answer.into_error()),
    }
}
