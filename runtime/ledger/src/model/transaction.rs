//! Endorsed transactions and the signed envelopes that carry them through ordering.

use serde::{Deserialize, Serialize};

use super::codec::{Decode, DecodeError, Encode, Reader, Writer, read_seq, write_seq};
use super::proposal::{Endorsement, Proposal};

/// An endorsed transaction: the proposal, the exact response payload bytes the endorsers
/// signed, and their endorsements (Fabric's `Transaction` → `ChaincodeActionPayload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The proposal as sent to the endorsers.
    pub proposal: Proposal,
    /// Encoded [`super::ProposalResponsePayload`], identical for every endorser.
    pub response_payload: Vec<u8>,
    /// One endorsement per endorsing peer.
    pub endorsements: Vec<Endorsement>,
}

impl Encode for Transaction {
    fn encode(&self, w: &mut Writer) {
        self.proposal.encode(w);
        w.bytes(&self.response_payload);
        write_seq(w, &self.endorsements, |w, e| {
            w.bytes(&e.endorser);
            w.bytes(&e.signature);
        });
    }
}

impl Decode for Transaction {
    const WHAT: &'static str = "transaction";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Transaction {
            proposal: Proposal::decode(r)?,
            response_payload: r.bytes()?,
            endorsements: read_seq(r, |r| {
                Ok(Endorsement {
                    endorser: r.bytes()?,
                    signature: r.bytes()?,
                })
            })?,
        })
    }
}

/// What the orderer sees: an encoded [`Transaction`] and the creator's signature over it.
///
/// The orderer never looks inside; validation decodes the payload and checks the
/// signature against the proposal's creator (`BAD_CREATOR_SIGNATURE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Encoded [`Transaction`].
    pub payload: Vec<u8>,
    /// The creator's Ed25519 signature over `payload`.
    pub signature: Vec<u8>,
}

impl Envelope {
    /// The size the block cutter counts: payload plus signature bytes (as Fabric does).
    pub fn size(&self) -> usize {
        self.payload.len() + self.signature.len()
    }
}

impl Encode for Envelope {
    fn encode(&self, w: &mut Writer) {
        w.bytes(&self.payload);
        w.bytes(&self.signature);
    }
}

impl Decode for Envelope {
    const WHAT: &'static str = "envelope";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Envelope {
            payload: r.bytes()?,
            signature: r.bytes()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::{NONCE_LEN, Timestamp};

    #[test]
    fn transaction_and_envelope_round_trip() {
        let tx = Transaction {
            proposal: Proposal::with_nonce(
                "ch",
                "cc",
                "f",
                vec![],
                b"me".to_vec(),
                vec![0; NONCE_LEN],
                Timestamp(1),
            ),
            response_payload: vec![1, 2, 3],
            endorsements: vec![Endorsement {
                endorser: b"peer".to_vec(),
                signature: vec![9; 64],
            }],
        };
        let bytes = tx.to_bytes();
        assert_eq!(Transaction::from_bytes(&bytes).unwrap(), tx);
        let env = Envelope {
            payload: bytes,
            signature: vec![5; 64],
        };
        assert_eq!(Envelope::from_bytes(&env.to_bytes()).unwrap(), env);
        assert_eq!(env.size(), env.payload.len() + 64);
    }
}
