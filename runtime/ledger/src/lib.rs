//! A local Hyperledger-Fabric-style ledger: execute, order, validate.
//!
//! Clients build [`model::Proposal`]s; endorsing [`endorse::Peer`]s simulate them against
//! committed state through a [`chaincode::Chaincode`] (native here; the WebAssembly engine
//! implements the same trait) and sign the read/write set; the client checks that the
//! peers agree and signs a [`model::Envelope`] for the orderer, whose block cutter
//! ([`orderer`]) batches envelopes into blocks; the committer ([`commit`]) validates each
//! transaction ([`validate`]: creator signature, tx id, duplicates, endorsement policy,
//! MVCC and phantom reads), flags invalid ones in the block, and writes block, world
//! state, history and tx index in one durable redb transaction ([`store`]), then
//! publishes [`events`]. [`ledger::Ledger`] wires it all up from a [`network`] file;
//! [`verify`] re-checks a whole ledger offline.
//!
//! Decisions worth knowing:
//! - One serialization for everything hashed or signed: the length-prefixed big-endian
//!   binary codec of [`model::codec`] (deterministic, strict to decode, cheap).
//! - Block header hash = SHA-256 of the ASN.1 DER `{number, previous_hash, data_hash}`,
//!   data hash = SHA-256 of the concatenated envelopes, validation codes in unhashed
//!   metadata with Fabric's `TxValidationCode` numbers — all as in Fabric.
//! - Identities are bare Ed25519 keys with an MSP id and a role (no certificates), kept
//!   on disk so old signatures keep verifying. Signatures of a block are batch-verified.
//! - All peers of the local network share one store (their ledgers would be identical);
//!   each still simulates and signs on its own, so non-determinism is still caught.
//! - Block 0 is an empty genesis block, so transactions start in block 1 as in Fabric.

pub mod chaincode;
pub mod commit;
pub mod endorse;
pub mod events;
pub mod identity;
pub mod ledger;
mod mismatch;
pub mod model;
pub mod network;
pub mod orderer;
mod pipeline;
pub mod policy;
pub mod sample;
pub mod siglimit;
pub mod sigverify;
pub mod simulate;
pub mod state;
pub mod store;
pub mod validate;
pub mod verify;

pub use chaincode::{Chaincode, ChaincodeRegistry, ChaincodeStub, FunctionInvoker};
pub use ledger::{CommitStatus, Endorsed, Ledger, LedgerError, PendingCommit, SubmitResult};
pub use network::NetworkConfig;
