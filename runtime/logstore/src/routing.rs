//! SLS KeyHash routing: which shard an MD5 hash key belongs to.
//!
//! SLS gives each shard a `[inclusiveBeginKey, exclusiveEndKey)` range of the 128-bit MD5
//! key space; a logstore created with `n` shards splits it evenly. Shard `i` begins at
//! `floor(i × 2^128 / n)`, the last one ends at `ff…f` inclusive. These are the same
//! numbers `sls-api`'s `ShardMeta::even_split` shows in ListShards, recomputed here so the
//! store routes a key to exactly the shard whose listed range contains it.

use crate::error::LogStoreError;

/// Hex digits in an MD5 key.
const KEY_DIGITS: usize = 32;

/// The shard of a logstore with `shard_count` evenly split shards whose key range holds
/// `hash_key` (up to 32 hex digits, either case, right-padded with `0` as SLS compares
/// them). A `shard_count` of 0 is treated as 1.
pub fn shard_for_hash_key(hash_key: &str, shard_count: u32) -> Result<u32, LogStoreError> {
    let key = parse_key(hash_key)?;
    let count = shard_count.max(1);
    // The number of shards 1..count that begin at or before the key is the key's shard.
    let owners = (1..count).filter(|&i| range_begin(i, count) <= key).count();
    // At most count - 1 < 2^32.
    Ok(u32::try_from(owners).unwrap_or(count - 1))
}

/// Checks a hash key without routing it, so [`crate::LogWriter::append_group`] can refuse
/// a bad one before queueing anything.
pub(crate) fn validate_key(hash_key: &str) -> Result<(), LogStoreError> {
    parse_key(hash_key).map(|_| ())
}

/// The key as a 128-bit number.
fn parse_key(hash_key: &str) -> Result<u128, LogStoreError> {
    let reason = if hash_key.is_empty() {
        "it is empty"
    } else if hash_key.len() > KEY_DIGITS {
        "it is longer than 32 hex digits"
    } else if !hash_key.bytes().all(|b| b.is_ascii_hexdigit()) {
        "it has characters other than hex digits"
    } else {
        let padded = format!("{hash_key:0<KEY_DIGITS$}");
        // Cannot fail: at most 32 hex digits.
        return Ok(u128::from_str_radix(&padded, 16).unwrap_or(u128::MAX));
    };
    Err(LogStoreError::InvalidHashKey {
        key: hash_key.to_owned(),
        reason,
    })
}

/// `floor(index × 2^128 / count)` without overflowing, for `0 < index < count`: the
/// formula of `ShardMeta::even_split`, kept identical so both sides agree on every edge.
fn range_begin(index: u32, count: u32) -> u128 {
    let n = u128::from(count);
    let i = u128::from(index);
    let quotient = u128::MAX / n + u128::from(u128::MAX % n == n - 1);
    let remainder = (u128::MAX % n + 1) % n;
    i * quotient + i * remainder / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_shards_split_at_8000() {
        let route = |key: &str| shard_for_hash_key(key, 2).expect("valid key");
        assert_eq!(route("0"), 0);
        assert_eq!(route("7fffffffffffffffffffffffffffffff"), 0);
        // Short keys are right-padded: "8" is 0x8000…0, the first key of shard 1.
        assert_eq!(route("8"), 1);
        assert_eq!(route("80000000000000000000000000000000"), 1);
        // The last shard's end key `ff…f` is inclusive.
        assert_eq!(route("ffffffffffffffffffffffffffffffff"), 1);
        assert_eq!(route("FFFF"), 1);
    }

    #[test]
    fn three_shards_begin_where_list_shards_says() {
        // even_split(3) lists shard 1 from 5555…5 and shard 2 from aaaa…a.
        let route = |key: &str| shard_for_hash_key(key, 3).expect("valid key");
        assert_eq!(route("55555555555555555555555555555554"), 0);
        assert_eq!(route("55555555555555555555555555555555"), 1);
        assert_eq!(route("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9"), 1);
        assert_eq!(route("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 2);
    }

    #[test]
    fn one_shard_takes_everything() {
        for key in ["0", "8", "ffffffffffffffffffffffffffffffff"] {
            assert_eq!(shard_for_hash_key(key, 1).expect("valid"), 0);
            assert_eq!(shard_for_hash_key(key, 0).expect("valid"), 0);
        }
    }

    #[test]
    fn many_shards_route_every_begin_key_to_its_shard() {
        for count in [4, 7, 64, 256] {
            for i in 1..count {
                let begin = format!("{:032x}", range_begin(i, count));
                assert_eq!(shard_for_hash_key(&begin, count).expect("valid"), i);
                let before = format!("{:032x}", range_begin(i, count) - 1);
                assert_eq!(shard_for_hash_key(&before, count).expect("valid"), i - 1);
            }
        }
    }

    #[test]
    fn bad_keys_say_what_is_wrong() {
        for (key, says) in [
            ("", "empty"),
            ("xyz", "hex digits"),
            (&"0".repeat(33), "longer than 32"),
        ] {
            let msg = shard_for_hash_key(key, 2).unwrap_err().to_string();
            assert!(msg.contains(says), "{key:?}: {msg}");
        }
    }
}
