//! A two-organization network on a real redb store, driven by hand (no tasks, no clocks).

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::HashMap;
use std::sync::Arc;

use fclocal_ledger::chaincode::{ChaincodeRegistry, NoFunctionInvoker};
use fclocal_ledger::commit::{CommittedBlock, Committer};
use fclocal_ledger::endorse::{Client, Peer};
use fclocal_ledger::identity::{Role, Signer};
use fclocal_ledger::model::{Envelope, TxValidationCode};
use fclocal_ledger::policy::Policy;
use fclocal_ledger::sample::AssetTransfer;
use fclocal_ledger::store::Store;
use fclocal_ledger::validate::Validator;

pub const CHANNEL: &str = "mychannel";
pub const CC: &str = "assets";

pub struct Net {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub committer: Committer,
    pub org1: Peer,
    pub org2: Peer,
    pub client: Client,
    pub validator: Validator,
}

pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

impl Net {
    pub fn new(policy: &str) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("ledger.redb")).unwrap();
        let mut registry = ChaincodeRegistry::new();
        registry.register(CC, Arc::new(AssetTransfer));
        let registry = Arc::new(registry);
        let peer = |msp: &str, name: &str| {
            Peer::new(
                name,
                CHANNEL,
                Signer::generate(msp, Role::Peer),
                store.clone(),
                registry.clone(),
                Arc::new(NoFunctionInvoker),
            )
        };
        let org1 = peer("Org1MSP", "peer0.org1");
        let org2 = peer("Org2MSP", "peer0.org2");
        let client = Client::new(Signer::generate("Org1MSP", Role::Client), CHANNEL);
        let policies = HashMap::from([(CC.to_string(), Policy::parse(policy).unwrap())]);
        let validator = Validator::new(CHANNEL, policies);
        let committer = Committer::open(store.clone(), validator.clone()).unwrap();
        Net {
            dir,
            store,
            committer,
            org1,
            org2,
            client,
            validator,
        }
    }

    /// Closes the database (every handle dropped) and hands back its directory, so a test
    /// can open the redb file directly.
    pub fn close(self) -> (tempfile::TempDir, Validator) {
        (self.dir, self.validator)
    }

    /// Endorses on the given peers against the current committed state.
    pub fn envelope_on(&self, peers: &[&Peer], function: &str, a: &[&str]) -> Envelope {
        let proposal = self.client.proposal(CC, function, &args(a));
        let snapshot = self.store.snapshot().unwrap();
        self.client.endorse(&proposal, peers, &snapshot).unwrap().0
    }

    /// Endorses on both organizations' peers.
    pub fn envelope(&self, function: &str, a: &[&str]) -> Envelope {
        self.envelope_on(&[&self.org1, &self.org2], function, a)
    }

    pub fn commit(&mut self, envs: &[Envelope]) -> CommittedBlock {
        self.committer.commit(envs).unwrap()
    }

    pub fn codes(&mut self, envs: &[Envelope]) -> Vec<TxValidationCode> {
        self.commit(envs).txs.iter().map(|t| t.code).collect()
    }

    /// Endorses and commits one transaction in a block of its own.
    pub fn submit(&mut self, function: &str, a: &[&str]) -> TxValidationCode {
        let env = self.envelope(function, a);
        self.codes(&[env])[0]
    }

    pub fn read(&self, id: &str) -> Vec<u8> {
        let proposal = self.client.proposal(CC, "read", &args(&[id]));
        self.org1.evaluate(&proposal).unwrap().payload
    }
}
