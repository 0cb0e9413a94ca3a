//! The ledger's data model: proposals, read/write sets, endorsements, transactions,
//! envelopes and blocks, with the one binary encoding used for hashing and signing
//! ([`codec`]).

pub mod block;
pub mod codec;
pub mod ids;
pub mod proposal;
pub mod rwset;
pub mod transaction;
pub mod validation_code;

pub use block::{Block, BlockHeader, BlockMetadata, data_hash};
pub use codec::{Decode, DecodeError, Encode};
pub use ids::{NONCE_LEN, Timestamp, TxId, new_nonce};
pub use proposal::{
    ChaincodeEvent, ChaincodeResponse, Endorsement, FunctionCall, Proposal, ProposalResponse,
    ProposalResponsePayload,
};
pub use rwset::{KvRead, KvWrite, RangeQueryInfo, RwSet, Version};
pub use transaction::{Envelope, Transaction};
pub use validation_code::TxValidationCode;
