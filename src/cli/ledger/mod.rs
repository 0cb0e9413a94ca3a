//! `fclocal ledger`: drive the ledger of a running `fclocal start` through
//! its gateway API (`/ledger/v1`), like Fabric's `peer chaincode
//! invoke|query` and `peer channel fetch`, and verify it.
//!
//! - `gateway`: the HTTP client and its errors.
//! - `print`: blocks and transactions for people.
//! - `verify`: the offline check, or the server's when it holds the ledger.

mod gateway;
mod print;
mod verify;

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::ledger::NetworkArgs;
use crate::output;
use crate::project::TemplateArgs;
use gateway::Gateway;

/// The ledger of a running server.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
    /// The running `fclocal start`.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        default_value = "http://127.0.0.1:8000",
        env = "FCLOCAL_URL"
    )]
    url: String,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Submit a transaction: endorse, order, wait for the commit, and print
    /// its validation code, e.g. `fclocal ledger invoke marbles init_owner o1 alice "United Marbles"`.
    Invoke(CallArgs),
    /// Run a chaincode query on one peer (nothing is ordered), e.g.
    /// `fclocal ledger query marbles read_everything`.
    Query(CallArgs),
    /// List blocks: number, hash, transactions and their validation codes.
    Blocks {
        /// The first block [default: the newest --limit blocks].
        #[arg(long, value_name = "N")]
        from: Option<u64>,
        /// How many blocks (at most 1000).
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: u32,
        /// Print the API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one block: header hashes and every transaction with its
    /// arguments, endorsers, read/write set and validation code.
    Block {
        /// The block number (0 is the genesis block).
        number: u64,
        /// Print the API's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Walk the chain, recompute every hash, re-check every signature,
    /// replay every block and compare the result with the stored world
    /// state. Works on `.fclocal/ledger` directly, or asks the running
    /// server when it holds the ledger.
    Verify {
        #[command(flatten)]
        template: TemplateArgs,
        #[command(flatten)]
        network: NetworkArgs,
    },
}

/// A chaincode call.
#[derive(Debug, Args)]
struct CallArgs {
    /// The chaincode, e.g. `marbles`.
    chaincode: String,
    /// The chaincode function, e.g. `set_owner`.
    function: String,
    /// The function's string arguments.
    args: Vec<String>,
    /// Call as this organization's client [default: the network's first].
    #[arg(long, value_name = "MSP_ID")]
    org: Option<String>,
    /// Print the API's JSON answer.
    #[arg(long)]
    json: bool,
}

impl CallArgs {
    fn body(&self) -> Value {
        let mut body = json!({
            "chaincode": self.chaincode,
            "function": self.function,
            "args": self.args,
        });
        if let Some(org) = &self.org {
            body["organization"] = json!(org);
        }
        body
    }
}

/// Runs the ledger command.
pub fn run(args: LedgerArgs) -> anyhow::Result<ExitCode> {
    let gateway = Gateway::new(&args.url);
    match args.command {
        LedgerCommand::Invoke(call) => invoke(&gateway, &call),
        LedgerCommand::Query(call) => query(&gateway, &call),
        LedgerCommand::Blocks { from, limit, json } => {
            let mut path = format!("/blocks?limit={limit}");
            if let Some(from) = from {
                path.push_str(&format!("&from={from}"));
            }
            let answer = gateway.get(&path)?.ok()?;
            if json {
                output::stdout(&format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
            } else {
                output::stdout(&print::blocks_table(&answer))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Block { number, json } => {
            let answer = gateway.get(&format!("/blocks/{number}"))?.ok()?;
            if json {
                output::stdout(&format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
            } else {
                output::stdout(&print::block(&answer))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Verify { template, network } => verify::run(&gateway, &template, &network),
    }
}

/// Submits; a committed-but-invalid transaction exits 1 with its code.
fn invoke(gateway: &Gateway, call: &CallArgs) -> anyhow::Result<ExitCode> {
    let answer = gateway.post("/submit", &call.body())?;
    if call.json {
        output::stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&answer.body)?
        ))?;
    }
    match answer.status {
        200 | 409 => {
            let body = &answer.body;
            let code = body["validationCode"].as_str().unwrap_or("?");
            output::status(&format!(
                "Transaction {} committed in block {}: {code}",
                body["txId"].as_str().unwrap_or("?"),
                body["blockNumber"]
            ));
            if !call.json
                && answer.status == 200
                && let Some(payload) = print::payload(body)
                && !payload.is_empty()
            {
                output::stdout(&format!("{payload}\n"))?;
            }
            Ok(if answer.status == 200 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => Err(answer.into_error()),
    }
}

/// Evaluates and prints the payload as the chaincode returned it.
fn query(gateway: &Gateway, call: &CallArgs) -> anyhow::Result<ExitCode> {
    let answer = gateway.post("/evaluate", &call.body())?.ok()?;
    if call.json {
        output::stdout(&format!("{}\n", serde_json::to_string_pretty(&answer)?))?;
    } else if let Some(payload) = print::payload(&answer) {
        output::stdout(&format!("{payload}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}
