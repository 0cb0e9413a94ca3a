//! redb table definitions and the byte layouts of their keys and values.
//!
//! - `blocks`: block number → encoded [`crate::model::Block`];
//! - `tx_index`: tx id → (block number, tx number, validation code);
//! - `state`: `namespace ‖ 0x00 ‖ key` → `block u64 BE ‖ tx u64 BE ‖ value`;
//! - `history`: (`namespace ‖ 0x00 ‖ key`, block, tx) → () — values are re-read from blocks;
//! - `meta`: `height` (u64 BE), `last_hash` (header hash of the newest block).
//!
//! Namespaces (chaincode names) never contain `0x00`, so each namespace's keys are one
//! contiguous, byte-ordered run of the `state` table.

use redb::TableDefinition;

use crate::model::Version;
use crate::state::VersionedValue;

pub(crate) const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
pub(crate) const TX_INDEX: TableDefinition<&str, (u64, u64, u8)> = TableDefinition::new("tx_index");
pub(crate) const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
pub(crate) const HISTORY: TableDefinition<(&[u8], u64, u64), ()> = TableDefinition::new("history");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

pub(crate) const META_HEIGHT: &str = "height";
pub(crate) const META_LAST_HASH: &str = "last_hash";

/// `ns ‖ 0x00 ‖ key`.
pub(crate) fn state_key(ns: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(ns.len() + 1 + key.len());
    k.extend_from_slice(ns.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// The first state key after every key of `ns` (`ns ‖ 0x01`).
pub(crate) fn namespace_end(ns: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(ns.len() + 1);
    k.extend_from_slice(ns.as_bytes());
    k.push(1);
    k
}

pub(crate) fn encode_state_value(v: &VersionedValue) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + v.value.len());
    out.extend_from_slice(&v.version.block_num.to_be_bytes());
    out.extend_from_slice(&v.version.tx_num.to_be_bytes());
    out.extend_from_slice(&v.value);
    out
}

/// `None` when the stored bytes are too short to hold a version.
pub(crate) fn decode_state_value(bytes: &[u8]) -> Option<VersionedValue> {
    if bytes.len() < 16 {
        return None;
    }
    let block = u64::from_be_bytes(bytes[..8].try_into().ok()?);
    let tx = u64::from_be_bytes(bytes[8..16].try_into().ok()?);
    Some(VersionedValue {
        value: bytes[16..].to_vec(),
        version: Version::new(block, tx),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keys_of_a_namespace_sort_between_its_bounds() {
        let lo = state_key("cc", "");
        let hi = namespace_end("cc");
        for key in ["a", "\u{0}composite\u{0}", "\u{10FFFF}"] {
            let k = state_key("cc", key);
            assert!(lo <= k && k < hi, "{key:?}");
        }
        assert!(state_key("cc2", "a") >= hi || state_key("cc2", "a") < lo);
    }

    #[test]
    fn state_values_round_trip() {
        let v = VersionedValue {
            value: b"x".to_vec(),
            version: Version::new(3, 4),
        };
        assert_eq!(decode_state_value(&encode_state_value(&v)), Some(v));
        assert_eq!(decode_state_value(&[1, 2]), None);
    }
}
