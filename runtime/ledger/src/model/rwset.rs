//! Read/write sets: what a simulation read (with versions) and what it wants to write.
//!
//! The shapes follow Fabric's `kv_rwset.proto`: reads carry the committed version and no
//! value, writes carry the value or a delete flag, range queries carry enough to detect
//! phantoms at validation. The simulator emits reads and writes sorted by key, so two
//! endorsers that ran the same chaincode on the same state produce identical bytes.

use serde::{Deserialize, Serialize};

use super::codec::{Decode, DecodeError, Encode, Reader, Writer, read_seq, write_seq};

/// The height of the transaction that last wrote a key: `(block number, tx number)`.
///
/// Ordered so that later commits compare greater.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Version {
    /// Block that committed the write.
    pub block_num: u64,
    /// Index of the transaction within that block.
    pub tx_num: u64,
}

impl Version {
    /// A version at `(block_num, tx_num)`.
    pub fn new(block_num: u64, tx_num: u64) -> Self {
        Self { block_num, tx_num }
    }
}

/// A key read during simulation, with the version seen (`None` = the key did not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvRead {
    /// The key.
    pub key: String,
    /// Committed version at simulation time, `None` if absent.
    pub version: Option<Version>,
}

/// A key written during simulation. Last write wins; a delete has no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvWrite {
    /// The key.
    pub key: String,
    /// True for `del_state`.
    pub is_delete: bool,
    /// The value (empty for deletes).
    pub value: Vec<u8>,
}

/// A range query as executed, re-run at validation to catch phantoms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeQueryInfo {
    /// Inclusive start key.
    pub start_key: String,
    /// Exclusive end key; empty means unbounded.
    pub end_key: String,
    /// True when the chaincode consumed the whole range (always true here: ranges are
    /// returned as a `Vec`), so validation compares the full result.
    pub itr_exhausted: bool,
    /// Every key returned, in key order, with its version.
    pub reads: Vec<KvRead>,
}

/// The read/write set of one chaincode namespace for one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RwSet {
    /// Point reads, sorted by key, one per key.
    pub reads: Vec<KvRead>,
    /// Range queries, in execution order.
    pub range_queries: Vec<RangeQueryInfo>,
    /// Writes, sorted by key, one per key (last write wins).
    pub writes: Vec<KvWrite>,
}

fn encode_version(w: &mut Writer, v: &Option<Version>) {
    match v {
        None => w.u8(0),
        Some(v) => {
            w.u8(1);
            w.u64(v.block_num);
            w.u64(v.tx_num);
        }
    }
}

fn decode_version(r: &mut Reader<'_>) -> Result<Option<Version>, DecodeError> {
    Ok(if r.bool()? {
        Some(Version::new(r.u64()?, r.u64()?))
    } else {
        None
    })
}

fn encode_read(w: &mut Writer, read: &KvRead) {
    w.str(&read.key);
    encode_version(w, &read.version);
}

fn decode_read(r: &mut Reader<'_>) -> Result<KvRead, DecodeError> {
    Ok(KvRead {
        key: r.string()?,
        version: decode_version(r)?,
    })
}

impl Encode for RwSet {
    fn encode(&self, w: &mut Writer) {
        write_seq(w, &self.reads, encode_read);
        write_seq(w, &self.range_queries, |w, q| {
            w.str(&q.start_key);
            w.str(&q.end_key);
            w.bool(q.itr_exhausted);
            write_seq(w, &q.reads, encode_read);
        });
        write_seq(w, &self.writes, |w, kv| {
            w.str(&kv.key);
            w.bool(kv.is_delete);
            w.bytes(&kv.value);
        });
    }
}

impl Decode for RwSet {
    const WHAT: &'static str = "read/write set";

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(RwSet {
            reads: read_seq(r, decode_read)?,
            range_queries: read_seq(r, |r| {
                Ok(RangeQueryInfo {
                    start_key: r.string()?,
                    end_key: r.string()?,
                    itr_exhausted: r.bool()?,
                    reads: read_seq(r, decode_read)?,
                })
            })?,
            writes: read_seq(r, |r| {
                Ok(KvWrite {
                    key: r.string()?,
                    is_delete: r.bool()?,
                    value: r.bytes()?,
                })
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rwset_round_trips() {
        let set = RwSet {
            reads: vec![
                KvRead {
                    key: "a".into(),
                    version: Some(Version::new(3, 1)),
                },
                KvRead {
                    key: "b".into(),
                    version: None,
                },
            ],
            range_queries: vec![RangeQueryInfo {
                start_key: "a".into(),
                end_key: "".into(),
                itr_exhausted: true,
                reads: vec![KvRead {
                    key: "a".into(),
                    version: Some(Version::new(3, 1)),
                }],
            }],
            writes: vec![KvWrite {
                key: "c".into(),
                is_delete: true,
                value: vec![],
            }],
        };
        assert_eq!(RwSet::from_bytes(&set.to_bytes()).unwrap(), set);
    }

    #[test]
    fn versions_order_by_block_then_tx() {
        assert!(Version::new(1, 9) < Version::new(2, 0));
        assert!(Version::new(2, 0) < Version::new(2, 1));
    }
}
