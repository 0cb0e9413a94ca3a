//! Opening the ledger for `fclocal start`: build the chaincode crates that
//! are stale, compile each component once, and open the channel's store in
//! `.fclocal/ledger` (keys are created there on first start).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use fclocal_builder::{BuildReporter, BuildTarget, Builder};
use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker};
use fclocal_ledger::ledger::Ledger;

use super::network::{ChaincodeCode, NetworkFile, check_chaincode_code};

/// The ledger's directory inside the data directory.
pub fn ledger_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("ledger")
}

/// Loads every chaincode of `network` from `components` (from
/// [`chaincode_components`], in network order), then opens the ledger. Must
/// run inside the tokio runtime (the orderer is a task).
pub fn open_ledger(
    network: &NetworkFile,
    components: Vec<PathBuf>,
    data_dir: &Path,
    invoker: Arc<dyn FunctionInvoker>,
) -> anyhow::Result<Ledger> {
    let runtime = ChaincodeRuntime::new(Some(&data_dir.join("cache")))
        .context("cannot start the chaincode engine")?;
    let mut registry = ChaincodeRegistry::new();
    for (chaincode, path) in network.config.chaincodes.iter().zip(components) {
        let prepared = runtime.load(&path).with_context(|| {
            format!(
                "cannot load chaincode `{}` from {}",
                chaincode.name,
                path.display()
            )
        })?;
        registry.register(
            chaincode.name.clone(),
            Arc::new(WasmChaincode::new(prepared, ChaincodeLimits::default())),
        );
    }
    let dir = ledger_dir(data_dir);
    Ledger::open_with_invoker(&dir, network.config.clone(), registry, invoker)
        .with_context(|| format!("cannot open the ledger in {}", dir.display()))
}

/// Each chaincode's component, in network order, building the crates that
/// are stale.
pub fn chaincode_components(
    network: &NetworkFile,
    builder: &Builder,
    reporter: &dyn BuildReporter,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut codes = Vec::new();
    let mut targets = Vec::new();
    for chaincode in &network.config.chaincodes {
        let code = check_chaincode_code(network, chaincode)?;
        if let ChaincodeCode::Crate(dir) = &code {
            targets.push(BuildTarget {
                label: format!("chaincode/{}", chaincode.name),
                crate_dir: dir.clone(),
                component_file: chaincode.handler.clone(),
            });
        }
        codes.push(code);
    }
    let mut built = builder
        .build(&targets, false, reporter)
        .context("cannot build the chaincode")?
        .into_iter();
    Ok(codes
        .into_iter()
        .filter_map(|code| match code {
            ChaincodeCode::Crate(_) => built.next().map(|outcome| outcome.artifact),
            ChaincodeCode::Component(path) => Some(path),
        })
        .collect())
}
