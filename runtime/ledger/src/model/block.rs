//! Blocks, their header hash (DER, as Fabric) and data hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codec::{Decode, DecodeError, Encode, Reader, Writer, read_seq, write_seq};
use super::validation_code::TxValidationCode;

/// The hashed part of a block. `previous_hash` chains blocks; `data_hash` commits to the
/// transactions. Metadata (validation codes) is deliberately not hashed, as in Fabric: it
/// is written by the committing peer after ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHeader {
    /// Block number, 0 for the genesis block.
    pub number: u64,
    /// Header hash of the previous block (empty for the genesis block).
    pub previous_hash: Vec<u8>,
    /// SHA-256 of the concatenated envelope bytes.
    pub data_hash: Vec<u8>,
}

impl BlockHeader {
    /// ASN.1 DER of `SEQUENCE { INTEGER number, OCTET STRING previous_hash, OCTET STRING
    /// data_hash }`, byte-identical to Fabric's `protoutil.BlockHeaderBytes`.
    pub fn der_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(80);
        der_integer(&mut body, self.number);
        der_octet_string(&mut body, &self.previous_hash);
        der_octet_string(&mut body, &self.data_hash);
        let mut out = Vec::with_capacity(body.len() + 4);
        out.push(0x30);
        der_length(&mut out, body.len());
        out.extend_from_slice(&body);
        out
    }

    /// SHA-256 of [`Self::der_bytes`]: the next block's `previous_hash`.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.der_bytes()).into()
    }
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A non-negative INTEGER: minimal big-endian bytes, with a leading 0 when the top bit is
/// set (DER integers are two's complement).
fn der_integer(out: &mut Vec<u8>, v: u64) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    out.push(0x02);
    der_length(out, content.len());
    out.extend_from_slice(&content);
}

fn der_octet_string(out: &mut Vec<u8>, v: &[u8]) {
    out.push(0x04);
    der_length(out, v.len());
    out.extend_from_slice(v);
}

/// SHA-256 of the concatenation of all envelope bytes (Fabric's `ComputeBlockDataHash`:
/// a flat hash, not a Merkle tree).
pub fn data_hash(data: &[Vec<u8>]) -> Vec<u8> {
    let mut h = Sha256::new();
    for env in data {
        h.update(env);
    }
    h.finalize().to_vec()
}

/// Metadata written by the committer: one validation code per transaction (Fabric's
/// `TRANSACTIONS_FILTER`, metadata index 2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BlockMetadata {
    /// One `TxValidationCode` byte per transaction, in block order.
    pub tx_filter: Vec<u8>,
}

impl BlockMetadata {
    /// The code of transaction `i`, `None` past the end or for an unknown byte.
    pub fn code(&self, i: usize) -> Option<TxValidationCode> {
        self.tx_filter
            .get(i)
            .copied()
            .and_then(TxValidationCode::from_u8)
    }
}

/// A block: header, encoded envelopes, and validation codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The hashed header.
    pub header: BlockHeader,
    /// Encoded [`super::Envelope`]s, in order.
    pub data: Vec<Vec<u8>>,
    /// Validation codes.
    pub metadata: BlockMetadata,
}

impl Block {
    /// A block after `previous` (or the genesis block when `None`) holding `data`, with
    /// every transaction marked `NOT_VALIDATED` until the validator has run.
    pub fn new(number: u64, previous: Option<&BlockHeader>, data: Vec<Vec<u8>>) -> Block {
        let header = BlockHeader {
            number,
            previous_hash: previous.map(|p| p.hash().to_vec()).unwrap_or_default(),
            data_hash: data_hash(&data),
        };
        let tx_filter = vec![TxValidationCode::NOT_VALIDATED.as_u8(); data.len()];
        Block {
            header,
            data,
            metadata: BlockMetadata { tx_filter },
        }
    }
}

impl Encode for Block {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.header.number);
        w.bytes(&self.header.previous_hash);
        w.bytes(&self.header.data_hash);
        write_seq(w, &self.data, |w, d| w.bytes(d));
        w.bytes(&self.metadata.tx_filter);
    }

    fn to_bytes(&self) -> Vec<u8> {
        let size = 96 + self.data.iter().map(|d| d.len() + 4).sum::<usize>();
        let mut w = Writer::with_capacity(size + self.data.len());
        self.encode(&mut w);
        w.into_bytes()
    }
}

impl Decode for Block {
    const WHAT: &'static str = "block";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Block {
            header: BlockHeader {
                number: r.u64()?,
                previous_hash: r.bytes()?,
                data_hash: r.bytes()?,
            },
            data: read_seq(r, Reader::bytes)?,
            metadata: BlockMetadata {
                tx_filter: r.bytes()?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_der_matches_go_asn1_for_small_and_large_numbers() {
        let h = BlockHeader {
            number: 0,
            previous_hash: vec![],
            data_hash: vec![0xab; 2],
        };
        assert_eq!(
            h.der_bytes(),
            vec![
                0x30, 0x09, 0x02, 0x01, 0x00, 0x04, 0x00, 0x04, 0x02, 0xab, 0xab
            ]
        );
        let h = BlockHeader {
            number: 128,
            previous_hash: vec![1],
            data_hash: vec![],
        };
        assert_eq!(
            h.der_bytes(),
            vec![
                0x30, 0x09, 0x02, 0x02, 0x00, 0x80, 0x04, 0x01, 0x01, 0x04, 0x00
            ]
        );
        let h = BlockHeader {
            number: 0x0102_0304,
            previous_hash: vec![0; 200],
            data_hash: vec![],
        };
        let der = h.der_bytes();
        assert_eq!(&der[..2], &[0x30, 0x81]);
        assert_eq!(der[2] as usize, der.len() - 3);
        assert_eq!(&der[3..9], &[0x02, 0x04, 1, 2, 3, 4]);
        assert_eq!(&der[9..12], &[0x04, 0x81, 200]);
    }

    #[test]
    fn data_hash_is_sha256_of_the_concatenation() {
        let split = data_hash(&[b"ab".to_vec(), b"c".to_vec()]);
        let joined = data_hash(&[b"abc".to_vec()]);
        assert_eq!(split, joined);
        assert_eq!(
            hex::encode(&joined),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn blocks_chain_and_round_trip() {
        let genesis = Block::new(0, None, vec![]);
        let next = Block::new(1, Some(&genesis.header), vec![b"env".to_vec()]);
        assert_eq!(next.header.previous_hash, genesis.header.hash().to_vec());
        assert_eq!(next.metadata.code(0), Some(TxValidationCode::NOT_VALIDATED));
        assert_eq!(Block::from_bytes(&next.to_bytes()).unwrap(), next);
    }
}
