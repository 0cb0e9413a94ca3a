//! The network file (`chaincode/network.yml` beside the template by
//! default): found, parsed and checked, with errors that say what to fix.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use fclocal_ledger::network::{ChaincodeConfig, NetworkConfig};

/// Where the ledger's network file is.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// The ledger's network file (channel, organizations, chaincodes,
    /// orderer, event topics) [default: `chaincode/network.yml` beside the
    /// template; without it, no ledger runs].
    #[arg(long, value_name = "FILE", env = "FCLOCAL_NETWORK")]
    pub network: Option<PathBuf>,
}

/// A parsed network file and where it is.
#[derive(Debug, Clone)]
pub struct NetworkFile {
    /// The file.
    pub path: PathBuf,
    /// Its contents.
    pub config: NetworkConfig,
}

impl NetworkArgs {
    /// The network file to use: `--network` (which must exist), else
    /// `chaincode/network.yml` beside `template` if it exists, else none.
    pub fn locate(&self, template: &Path) -> anyhow::Result<Option<PathBuf>> {
        if let Some(path) = &self.network {
            if !path.is_file() {
                bail!(
                    "no network file at {} (from --network / FCLOCAL_NETWORK); pass the file that describes the ledger, e.g. `--network chaincode/network.yml`",
                    path.display()
                );
            }
            return Ok(Some(path.clone()));
        }
        let beside = template
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join("chaincode")
            .join("network.yml");
        Ok(beside.is_file().then_some(beside))
    }

    /// Locates and parses the network file, if there is one.
    pub fn load(&self, template: &Path) -> anyhow::Result<Option<NetworkFile>> {
        let Some(path) = self.locate(template)? else {
            return Ok(None);
        };
        let config = NetworkConfig::load(&path)
            .with_context(|| format!("the network file {} is invalid", path.display()))?;
        Ok(Some(NetworkFile { path, config }))
    }
}

impl NetworkFile {
    /// The directory CodeUris are relative to.
    pub fn base_dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// Where `chaincode`'s code is.
    pub fn code_dir(&self, chaincode: &ChaincodeConfig) -> PathBuf {
        self.base_dir().join(&chaincode.code_uri)
    }

    /// `channel mychannel: 2 organizations (2 peers), 1 chaincode (marbles), 1 event topic`.
    pub fn summary(&self) -> String {
        let config = &self.config;
        let peers: usize = config.organizations.iter().map(|o| o.peers.len()).sum();
        let names: Vec<&str> = config.chaincodes.iter().map(|c| c.name.as_str()).collect();
        format!(
            "channel {}: {} ({}), {} ({}), {}",
            config.channel,
            plural(config.organizations.len(), "organization", "organizations"),
            plural(peers, "peer", "peers"),
            plural(config.chaincodes.len(), "chaincode", "chaincodes"),
            names.join(", "),
            plural(config.event_topics.len(), "event topic", "event topics"),
        )
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// How a chaincode's code is found: a crate to build, or a prebuilt component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChaincodeCode {
    /// `CodeUri` is a Cargo crate that builds the `Handler` component.
    Crate(PathBuf),
    /// `CodeUri` is a folder holding the `Handler` component.
    Component(PathBuf),
}

/// Checks that `chaincode`'s CodeUri holds a crate or the Handler file.
pub fn check_chaincode_code(
    network: &NetworkFile,
    chaincode: &ChaincodeConfig,
) -> anyhow::Result<ChaincodeCode> {
    let dir = network.code_dir(chaincode);
    if dir.join("Cargo.toml").is_file() {
        return Ok(ChaincodeCode::Crate(dir));
    }
    let component = dir.join(&chaincode.handler);
    if component.is_file() {
        return Ok(ChaincodeCode::Component(component));
    }
    bail!(
        "{}: chaincode `{}` has CodeUri `{}`, which holds neither a Cargo crate nor the component `{}` (looked in {}); point CodeUri at the chaincode crate, or set Handler to the .wasm file in that folder",
        network.path.display(),
        chaincode.name,
        chaincode.code_uri,
        chaincode.handler,
        dir.display()
    )
}
