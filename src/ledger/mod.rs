//! The ledger beside the functions: where its network file is, building and
//! loading its chaincode, and letting chaincode call functions.
//!
//! - `network`: the `--network` flag, finding and checking the network file.
//! - `open`: building the chaincode crates and opening the ledger in `.fclocal/ledger`.
//! - `invoker`: chaincode's `invoke-function`, served by the running functions.

mod invoker;
mod network;
mod open;

pub use invoker::PoolInvoker;
pub use network::{NetworkArgs, NetworkFile, check_chaincode_code};
pub use open::{chaincode_components, ledger_dir, open_ledger};
