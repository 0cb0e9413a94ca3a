//! Endorsement: peers simulate and sign; the client checks they agree and builds the
//! signed envelope the orderer receives.

use std::sync::Arc;

use thiserror::Error;

use crate::chaincode::{ChaincodeRegistry, FunctionInvoker};
use crate::identity::{Identity, Signer};
use crate::model::{
    ChaincodeResponse, Encode, Endorsement, Envelope, Proposal, ProposalResponse,
    ProposalResponsePayload, Transaction,
};
use crate::simulate::{SimulationError, simulate};
use crate::state::StateView;
use crate::store::{Store, StoreError};

/// Why a proposal was not endorsed, or endorsements could not be combined.
#[derive(Debug, Error)]
pub enum EndorseError {
    /// The proposal names another channel.
    #[error(
        "proposal {tx_id} is for channel `{got}`, but peer {peer} serves `{expected}`; send it to a peer of that channel"
    )]
    WrongChannel {
        /// The peer.
        peer: String,
        /// The proposal's tx id.
        tx_id: String,
        /// The peer's channel.
        expected: String,
        /// The proposal's channel.
        got: String,
    },
    /// The proposal names a chaincode that is not installed.
    #[error(
        "chaincode `{chaincode}` is not installed on peer {peer} (installed: {installed}); add it to the network file and pass it to the ledger"
    )]
    UnknownChaincode {
        /// The peer.
        peer: String,
        /// The requested chaincode.
        chaincode: String,
        /// Installed names, comma-separated.
        installed: String,
    },
    /// The tx id is not `sha256(nonce ‖ creator)`.
    #[error(
        "proposal {tx_id} has a tx id that does not match its nonce and creator; build proposals with Proposal::new"
    )]
    BadTxId {
        /// The claimed tx id.
        tx_id: String,
    },
    /// The transaction is already on the ledger.
    #[error(
        "transaction {tx_id} is already on the ledger; build a new proposal (fresh nonce) instead of resending"
    )]
    Replayed {
        /// The tx id.
        tx_id: String,
    },
    /// The chaincode returned an error response; peers do not sign those.
    #[error("chaincode `{chaincode}` failed on peer {peer} with status {status}: {message}")]
    ChaincodeFailed {
        /// The peer.
        peer: String,
        /// The chaincode.
        chaincode: String,
        /// Response status.
        status: i32,
        /// Response message.
        message: String,
    },
    /// Simulation itself failed.
    #[error("peer {peer}: {source}")]
    Simulation {
        /// The peer.
        peer: String,
        /// The simulation error.
        source: SimulationError,
    },
    /// Reading the ledger failed.
    #[error("peer {peer}: {source}")]
    Store {
        /// The peer.
        peer: String,
        /// The store error.
        source: StoreError,
    },
    /// No peers were asked.
    #[error(
        "no endorsements for transaction {tx_id}; endorse on at least the peers the chaincode's policy needs"
    )]
    NoEndorsements {
        /// The tx id.
        tx_id: String,
    },
    /// Two peers returned different results.
    #[error(
        "endorsers disagree on transaction {tx_id}: {first} and {other} {what}; the chaincode is not deterministic, the peers saw different state, or a function it calls answered them differently, so retry the transaction"
    )]
    Mismatch {
        /// The tx id.
        tx_id: String,
        /// The first endorser.
        first: String,
        /// The disagreeing endorser.
        other: String,
        /// What differs, e.g. `got different answers from function call #1,
        /// marblesFC/validateTransfer: … and …` or `returned different
        /// read/write sets`.
        what: String,
    },
}

/// An endorsing peer: simulates proposals on the channel's committed state and signs the
/// results with its organization's peer key.
///
/// All peers of a local network share one store (their ledgers would be identical
/// anyway); each still runs the chaincode itself, so disagreements are still caught.
#[derive(Clone)]
pub struct Peer {
    name: String,
    channel: String,
    signer: Signer,
    store: Store,
    chaincodes: Arc<ChaincodeRegistry>,
    invoker: Arc<dyn FunctionInvoker>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("name", &self.name)
            .field("identity", self.signer.identity())
            .finish_non_exhaustive()
    }
}

impl Peer {
    /// A peer called `name` (e.g. `peer0.org1`) of `channel`.
    pub fn new(
        name: impl Into<String>,
        channel: impl Into<String>,
        signer: Signer,
        store: Store,
        chaincodes: Arc<ChaincodeRegistry>,
        invoker: Arc<dyn FunctionInvoker>,
    ) -> Peer {
        Peer {
            name: name.into(),
            channel: channel.into(),
            signer,
            store,
            chaincodes,
            invoker,
        }
    }

    /// The peer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The peer's identity.
    pub fn identity(&self) -> &Identity {
        self.signer.identity()
    }

    fn store_error(&self, source: StoreError) -> EndorseError {
        EndorseError::Store {
            peer: self.name.clone(),
            source,
        }
    }

    /// Checks the proposal and simulates it on `state`, without signing.
    pub fn simulate_at(
        &self,
        proposal: &Proposal,
        state: &dyn StateView,
    ) -> Result<ProposalResponsePayload, EndorseError> {
        if proposal.channel != self.channel {
            return Err(EndorseError::WrongChannel {
                peer: self.name.clone(),
                tx_id: proposal.tx_id.to_string(),
                expected: self.channel.clone(),
                got: proposal.channel.clone(),
            });
        }
        let Some(chaincode) = self.chaincodes.get(&proposal.chaincode) else {
            return Err(EndorseError::UnknownChaincode {
                peer: self.name.clone(),
                chaincode: proposal.chaincode.clone(),
                installed: self.chaincodes.names().join(", "),
            });
        };
        if !proposal.tx_id_matches() {
            return Err(EndorseError::BadTxId {
                tx_id: proposal.tx_id.to_string(),
            });
        }
        if state
            .tx_exists(proposal.tx_id.as_str())
            .map_err(|e| self.store_error(e))?
        {
            return Err(EndorseError::Replayed {
                tx_id: proposal.tx_id.to_string(),
            });
        }
        simulate(proposal, chaincode.as_ref(), state, &self.invoker).map_err(|source| {
            EndorseError::Simulation {
                peer: self.name.clone(),
                source,
            }
        })
    }

    /// Runs a query: simulate on the latest state and return the chaincode's response,
    /// nothing signed or ordered.
    pub fn evaluate(&self, proposal: &Proposal) -> Result<ChaincodeResponse, EndorseError> {
        let snapshot = self.store.snapshot().map_err(|e| self.store_error(e))?;
        Ok(self.simulate_at(proposal, &snapshot)?.response)
    }

    /// Simulates on the latest committed state and signs the result.
    pub fn endorse(&self, proposal: &Proposal) -> Result<ProposalResponse, EndorseError> {
        let snapshot = self.store.snapshot().map_err(|e| self.store_error(e))?;
        self.endorse_at(proposal, &snapshot)
    }

    /// Simulates on `state` and signs the result; error responses are not signed.
    pub fn endorse_at(
        &self,
        proposal: &Proposal,
        state: &dyn StateView,
    ) -> Result<ProposalResponse, EndorseError> {
        let payload = self.simulate_at(proposal, state)?;
        self.sign(proposal, payload)
    }

    /// Signs a simulation's outcome; error responses are refused.
    fn sign(
        &self,
        proposal: &Proposal,
        payload: ProposalResponsePayload,
    ) -> Result<ProposalResponse, EndorseError> {
        if !payload.response.is_success() {
            return Err(EndorseError::ChaincodeFailed {
                peer: self.name.clone(),
                chaincode: proposal.chaincode.clone(),
                status: payload.response.status,
                message: payload.response.message.clone(),
            });
        }
        let bytes = payload.to_bytes();
        let endorser = self.signer.identity_bytes().to_vec();
        let signature = self
            .signer
            .sign(&Endorsement::signed_bytes(&bytes, &endorser));
        Ok(ProposalResponse {
            response: payload.response,
            payload: bytes,
            endorsement: Endorsement {
                endorser,
                signature,
            },
        })
    }
}

fn endorser_name(bytes: &[u8]) -> String {
    Identity::from_bytes(bytes)
        .map(|id| id.to_string())
        .unwrap_or_else(|_| "an unknown endorser".into())
}

/// Checks that every response carries the same payload and combines their endorsements
/// into a transaction.
pub fn assemble(
    proposal: &Proposal,
    responses: Vec<ProposalResponse>,
) -> Result<Transaction, EndorseError> {
    let Some(first) = responses.first() else {
        return Err(EndorseError::NoEndorsements {
            tx_id: proposal.tx_id.to_string(),
        });
    };
    for other in &responses[1..] {
        if other.payload != first.payload {
            let what = crate::mismatch::difference(&first.payload, &other.payload);
            return Err(EndorseError::Mismatch {
                tx_id: proposal.tx_id.to_string(),
                first: endorser_name(&first.endorsement.endorser),
                other: endorser_name(&other.endorsement.endorser),
                what,
            });
        }
    }
    let response_payload = first.payload.clone();
    Ok(Transaction {
        proposal: proposal.clone(),
        response_payload,
        endorsements: responses.into_iter().map(|r| r.endorsement).collect(),
    })
}

/// Signs a transaction as its creator.
pub fn sign_envelope(creator: &Signer, tx: &Transaction) -> Envelope {
    let payload = tx.to_bytes();
    let signature = creator.sign(&payload);
    Envelope { payload, signature }
}

/// An application client of one organization: builds proposals and envelopes.
#[derive(Debug, Clone)]
pub struct Client {
    signer: Signer,
    channel: String,
}

impl Client {
    /// A client signing with `signer` on `channel`.
    pub fn new(signer: Signer, channel: impl Into<String>) -> Client {
        Client {
            signer,
            channel: channel.into(),
        }
    }

    /// The client's signer.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// A fresh proposal (new nonce, current time) from this client.
    pub fn proposal(&self, chaincode: &str, function: &str, args: &[String]) -> Proposal {
        Proposal::new(
            self.channel.clone(),
            chaincode,
            function,
            args.to_vec(),
            self.signer.identity_bytes().to_vec(),
        )
    }

    /// Endorses `proposal` on every peer against one snapshot (so that a commit between
    /// two peers' simulations cannot make them disagree), checks they agree, and signs the
    /// envelope. Returns the chaincode response too.
    pub fn endorse(
        &self,
        proposal: &Proposal,
        peers: &[&Peer],
        state: &dyn StateView,
    ) -> Result<(Envelope, ChaincodeResponse), EndorseError> {
        let mut responses = Vec::with_capacity(peers.len());
        let mut first: Option<(ProposalResponsePayload, &Peer)> = None;
        for peer in peers {
            let payload = peer.simulate_at(proposal, state)?;
            // A peer whose chaincode failed after its function calls were answered
            // differently than the first peer's: the answers are the cause, so say so
            // rather than only relaying the chaincode's error.
            if let Some((earlier, earlier_peer)) = &first
                && !payload.response.is_success()
                && let Some(what) = crate::mismatch::calls_difference(
                    &earlier.function_calls,
                    &payload.function_calls,
                )
            {
                return Err(EndorseError::Mismatch {
                    tx_id: proposal.tx_id.to_string(),
                    first: earlier_peer.identity().to_string(),
                    other: peer.identity().to_string(),
                    what,
                });
            }
            if first.is_none() {
                first = Some((payload.clone(), *peer));
            }
            responses.push(peer.sign(proposal, payload)?);
        }
        let response = responses
            .first()
            .map(|r| r.response.clone())
            .unwrap_or_else(|| ChaincodeResponse::success(Vec::new()));
        let tx = assemble(proposal, responses)?;
        Ok((sign_envelope(&self.signer, &tx), response))
    }
}
