//! A local Hyperledger-Fabric-style ledger: execute, order, validate.
//!
//! Clients build [`model::Proposal`]s; endorsing peers simulate them against committed
//! state through a [`simulate::Chaincode`] (native here, WebAssembly later) and sign the
//! read/write set; the client checks the peers agree and sends a signed
//! [`model::Envelope`] to the orderer, whose block cutter batches envelopes into blocks;
//! the committer validates each transaction (creator signature, tx id, endorsement
//! policy, MVCC and phantom reads), flags invalid ones in the block, and commits block,
//! world state, history and tx index in one durable redb transaction, then publishes
//! events.

pub mod chaincode;
pub mod commit;
pub mod endorse;
pub mod events;
pub mod identity;
pub mod ledger;
pub mod model;
pub mod network;
pub mod orderer;
pub mod policy;
pub mod sample;
pub mod sigverify;
pub mod simulate;
pub mod state;
pub mod store;
pub mod validate;
pub mod verify;
