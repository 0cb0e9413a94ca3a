//! Classic Marbles ids and seed values (`utils/misc.js`, `startup_lib.js`):
//! `'m' + leftPad(Date.now() + randStr(5), 19)`, i.e. a prefix, `0`, the
//! 13-digit millisecond clock and 5 characters from an alphabet without
//! look-alikes (`l`, `o`, `I`, `L`, `O`).

use std::time::{SystemTime, UNIX_EPOCH};

/// `randStr`'s alphabet.
pub const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz0123456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Seed colors (`startup_lib.js`); one is picked per company per run.
pub const SEED_COLORS: [&str; 9] = [
    "white", "green", "blue", "purple", "red", "pink", "orange", "black", "yellow",
];

/// Seed sizes: large and small.
pub const SEED_SIZES: [&str; 2] = ["35", "16"];

/// A fresh id: `prefix` (`m` or `o`) + 19 characters.
pub fn new_id(prefix: char) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format_id(prefix, millis, &random_bytes())
}

/// The id for a clock reading and 5 random bytes (testable).
pub fn format_id(prefix: char, millis: u128, random: &[u8; 5]) -> String {
    let chars: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{prefix}{:0>19}", format!("{millis}{chars}"))
}

/// A random index below `n` (for colors and sizes).
pub fn pick(n: usize) -> usize {
    usize::from(random_bytes()[0]) % n.max(1)
}

/// Five random bytes from a v4 UUID (the OS's randomness; no extra crate).
fn random_bytes() -> [u8; 5] {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    [bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_classic_ones() {
        assert_eq!(
            format_id('m', 1_490_985_296_352, &[18, 0, 1, 2, 3]),
            "m01490985296352uabcd"
        );
        let id = new_id('o');
        assert_eq!(id.len(), 20, "{id}");
        assert!(id.starts_with("o0"), "{id}");
        assert!(id[2..15].bytes().all(|b| b.is_ascii_digit()), "{id}");
        assert!(id[15..].bytes().all(|b| ALPHABET.contains(&b)), "{id}");
        assert_ne!(new_id('m'), new_id('m'));
    }
}
