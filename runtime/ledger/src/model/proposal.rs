//! Proposals and what endorsers answer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::{Decode, DecodeError, Encode, Reader, Writer, read_seq, write_seq};
use super::ids::{NONCE_LEN, Timestamp, TxId, new_nonce};
use super::rwset::RwSet;

/// A request to run one chaincode function: Fabric's channel header, signature header and
/// chaincode invocation spec folded into one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The channel the transaction is for.
    pub channel: String,
    /// `hex(sha256(nonce ‖ creator))`, recomputed by validators.
    pub tx_id: TxId,
    /// The chaincode (namespace) to run.
    pub chaincode: String,
    /// The function name.
    pub function: String,
    /// The function's arguments.
    pub args: Vec<String>,
    /// Serialized identity of the submitting client ([`crate::identity::Identity`] bytes).
    pub creator: Vec<u8>,
    /// Random bytes making the tx id unique.
    pub nonce: Vec<u8>,
    /// Client time.
    pub timestamp: Timestamp,
}

impl Proposal {
    /// A proposal with a fresh nonce, the current time and the derived tx id.
    pub fn new(
        channel: impl Into<String>,
        chaincode: impl Into<String>,
        function: impl Into<String>,
        args: Vec<String>,
        creator: Vec<u8>,
    ) -> Proposal {
        Proposal::with_nonce(
            channel,
            chaincode,
            function,
            args,
            creator,
            new_nonce().to_vec(),
            Timestamp::now(),
        )
    }

    /// A proposal with an explicit nonce and time (tests, replays).
    pub fn with_nonce(
        channel: impl Into<String>,
        chaincode: impl Into<String>,
        function: impl Into<String>,
        args: Vec<String>,
        creator: Vec<u8>,
        nonce: Vec<u8>,
        timestamp: Timestamp,
    ) -> Proposal {
        let tx_id = TxId::compute(&nonce, &creator);
        Proposal {
            channel: channel.into(),
            tx_id,
            chaincode: chaincode.into(),
            function: function.into(),
            args,
            creator,
            nonce,
            timestamp,
        }
    }

    /// SHA-256 of the encoded proposal, bound into every response payload so that an
    /// endorsement cannot be replayed onto a different proposal.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_bytes()).into()
    }

    /// True when the tx id matches the nonce and creator.
    pub fn tx_id_matches(&self) -> bool {
        TxId::compute(&self.nonce, &self.creator) == self.tx_id
    }
}

impl Encode for Proposal {
    fn encode(&self, w: &mut Writer) {
        w.str(&self.channel);
        w.str(self.tx_id.as_str());
        w.str(&self.chaincode);
        w.str(&self.function);
        write_seq(w, &self.args, |w, a| w.str(a));
        w.bytes(&self.creator);
        w.bytes(&self.nonce);
        w.u64(self.timestamp.0);
    }
}

impl Decode for Proposal {
    const WHAT: &'static str = "proposal";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let p = Proposal {
            channel: r.string()?,
            tx_id: TxId(r.string()?),
            chaincode: r.string()?,
            function: r.string()?,
            args: read_seq(r, Reader::string)?,
            creator: r.bytes()?,
            nonce: r.bytes()?,
            timestamp: Timestamp(r.u64()?),
        };
        if p.nonce.len() != NONCE_LEN {
            return Err(r.error(format!(
                "nonce is {} bytes, expected {NONCE_LEN}",
                p.nonce.len()
            )));
        }
        Ok(p)
    }
}

/// What a chaincode function returned: Fabric's `Response{status, message, payload}`.
///
/// Status follows HTTP: below 400 is success (Fabric: `OK = 200`, `ERRORTHRESHOLD = 400`);
/// endorsers refuse to sign an error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaincodeResponse {
    /// 200 for success, 500 for errors by convention.
    pub status: i32,
    /// Error text (empty on success).
    pub message: String,
    /// Result bytes.
    pub payload: Vec<u8>,
}

impl ChaincodeResponse {
    /// Status 200 with a payload.
    pub fn success(payload: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            message: String::new(),
            payload: payload.into(),
        }
    }

    /// Status 500 with a message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            status: 500,
            message: message.into(),
            payload: Vec::new(),
        }
    }

    /// True for statuses below 400.
    pub fn is_success(&self) -> bool {
        self.status < 400
    }
}

/// A chaincode event set with `set_event` (at most one per transaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaincodeEvent {
    /// Event name.
    pub name: String,
    /// Event payload.
    pub payload: Vec<u8>,
}

/// One call to a Function Compute function made during simulation, with its answer.
///
/// Recorded in the response payload so that endorsers that got different answers disagree
/// (and the client refuses to build the transaction), and so the answer is on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// FC service name.
    pub service: String,
    /// FC function name.
    pub function: String,
    /// Request payload.
    pub payload: Vec<u8>,
    /// The function's answer or error text.
    pub result: Result<Vec<u8>, String>,
}

/// What endorsers sign: the simulation's outcome, bound to the proposal by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalResponsePayload {
    /// SHA-256 of the encoded proposal.
    pub proposal_hash: [u8; 32],
    /// The chaincode namespace the read/write set belongs to.
    pub chaincode: String,
    /// Reads and writes of the simulation.
    pub rwset: RwSet,
    /// The chaincode's response.
    pub response: ChaincodeResponse,
    /// The chaincode event, if one was set.
    pub event: Option<ChaincodeEvent>,
    /// Function Compute calls made, in order.
    pub function_calls: Vec<FunctionCall>,
}

impl Encode for ProposalResponsePayload {
    fn encode(&self, w: &mut Writer) {
        w.raw(&self.proposal_hash);
        w.str(&self.chaincode);
        self.rwset.encode(w);
        w.i32(self.response.status);
        w.str(&self.response.message);
        w.bytes(&self.response.payload);
        match &self.event {
            None => w.u8(0),
            Some(e) => {
                w.u8(1);
                w.str(&e.name);
                w.bytes(&e.payload);
            }
        }
        write_seq(w, &self.function_calls, |w, c| {
            w.str(&c.service);
            w.str(&c.function);
            w.bytes(&c.payload);
            match &c.result {
                Ok(b) => {
                    w.u8(0);
                    w.bytes(b);
                }
                Err(e) => {
                    w.u8(1);
                    w.str(e);
                }
            }
        });
    }
}

impl Decode for ProposalResponsePayload {
    const WHAT: &'static str = "proposal response payload";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ProposalResponsePayload {
            proposal_hash: r.fixed()?,
            chaincode: r.string()?,
            rwset: RwSet::decode(r)?,
            response: ChaincodeResponse {
                status: r.i32()?,
                message: r.string()?,
                payload: r.bytes()?,
            },
            event: if r.bool()? {
                Some(ChaincodeEvent {
                    name: r.string()?,
                    payload: r.bytes()?,
                })
            } else {
                None
            },
            function_calls: read_seq(r, |r| {
                Ok(FunctionCall {
                    service: r.string()?,
                    function: r.string()?,
                    payload: r.bytes()?,
                    result: if r.bool()? {
                        Err(r.string()?)
                    } else {
                        Ok(r.bytes()?)
                    },
                })
            })?,
        })
    }
}

/// An endorsement: the endorser's identity and its signature over
/// `payload bytes ‖ endorser identity bytes` (Fabric's default endorsement plugin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    /// Serialized identity of the endorsing peer.
    pub endorser: Vec<u8>,
    /// Ed25519 signature (64 bytes).
    pub signature: Vec<u8>,
}

impl Endorsement {
    /// The bytes an endorser signs for `payload`.
    pub fn signed_bytes(payload: &[u8], endorser: &[u8]) -> Vec<u8> {
        let mut msg = Vec::with_capacity(payload.len() + endorser.len());
        msg.extend_from_slice(payload);
        msg.extend_from_slice(endorser);
        msg
    }
}

/// One peer's answer to a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalResponse {
    /// The chaincode response (also inside the payload; here for convenience).
    pub response: ChaincodeResponse,
    /// The encoded [`ProposalResponsePayload`], exactly as signed.
    pub payload: Vec<u8>,
    /// The peer's endorsement of `payload`.
    pub endorsement: Endorsement,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rwset::KvWrite;

    fn proposal() -> Proposal {
        Proposal::with_nonce(
            "ch",
            "cc",
            "fn",
            vec!["a".into(), "b".into()],
            b"creator".to_vec(),
            vec![7; NONCE_LEN],
            Timestamp(42),
        )
    }

    #[test]
    fn proposal_round_trips_and_has_derived_tx_id() {
        let p = proposal();
        assert!(p.tx_id_matches());
        assert_eq!(Proposal::from_bytes(&p.to_bytes()).unwrap(), p);
        let mut forged = p.clone();
        forged.nonce = vec![8; NONCE_LEN];
        assert!(!forged.tx_id_matches());
    }

    #[test]
    fn proposal_with_a_short_nonce_does_not_decode() {
        let mut p = proposal();
        p.nonce = vec![1, 2, 3];
        let err = Proposal::from_bytes(&p.to_bytes()).unwrap_err();
        assert!(err.reason.contains("nonce"), "{err}");
    }

    #[test]
    fn payload_round_trips() {
        let payload = ProposalResponsePayload {
            proposal_hash: proposal().hash(),
            chaincode: "cc".into(),
            rwset: RwSet {
                writes: vec![KvWrite {
                    key: "k".into(),
                    is_delete: false,
                    value: b"v".to_vec(),
                }],
                ..RwSet::default()
            },
            response: ChaincodeResponse::success(b"ok".to_vec()),
            event: Some(ChaincodeEvent {
                name: "moved".into(),
                payload: b"{}".to_vec(),
            }),
            function_calls: vec![
                FunctionCall {
                    service: "s".into(),
                    function: "f".into(),
                    payload: vec![1],
                    result: Ok(vec![2]),
                },
                FunctionCall {
                    service: "s".into(),
                    function: "g".into(),
                    payload: vec![],
                    result: Err("boom".into()),
                },
            ],
        };
        assert_eq!(
            ProposalResponsePayload::from_bytes(&payload.to_bytes()).unwrap(),
            payload
        );
    }
}
