//! Verifying many Ed25519 signatures at once.
//!
//! A block's creator and endorsement signatures are checked together with
//! ed25519-dalek's batch verification (one multi-scalar multiplication instead of one
//! per signature), split across the machine's cores. A batch only says "all good" or
//! "something is bad", so a failing batch is bisected until the bad signatures are found;
//! a block with one forged signature costs a handful of extra batches, not a full
//! individual pass.
//!
//! Batch verification does not reject small-order public keys; [`crate::identity`]
//! refuses those when identities are parsed, so every key reaching here is safe. Individual
//! checks use `verify_strict`.

use std::sync::OnceLock;

use ed25519_dalek::{Signature, VerifyingKey, verify_batch};

/// One signature to check.
#[derive(Debug, Clone)]
pub struct SigItem<'a> {
    /// The signer's key.
    pub key: VerifyingKey,
    /// The signed bytes.
    pub message: &'a [u8],
    /// The signature.
    pub signature: Signature,
}

/// Below this many signatures, one thread does the work (spawning costs more).
const PARALLEL_THRESHOLD: usize = 64;
/// Batches this small are checked one by one when bisecting.
const INDIVIDUAL_BELOW: usize = 4;

/// Whether each signature is valid, in input order.
pub fn verify_all(items: &[SigItem<'_>]) -> Vec<bool> {
    let mut out = vec![false; items.len()];
    // Asking the OS reads cgroup files; once is enough.
    static THREADS: OnceLock<usize> = OnceLock::new();
    let threads = *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if items.len() < PARALLEL_THRESHOLD || threads < 2 {
        check_serial(items, &mut out);
        return out;
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        for (items, out) in items.chunks(chunk).zip(out.chunks_mut(chunk)) {
            s.spawn(move || check_serial(items, out));
        }
    });
    out
}

/// Checks `items` on this thread, writing each verdict to `out` (same length): one batch,
/// bisected when it fails.
pub(crate) fn check_serial(items: &[SigItem<'_>], out: &mut [bool]) {
    if items.is_empty() {
        return;
    }
    if items.len() < INDIVIDUAL_BELOW {
        for (item, ok) in items.iter().zip(out.iter_mut()) {
            *ok = item
                .key
                .verify_strict(item.message, &item.signature)
                .is_ok();
        }
        return;
    }
    let messages: Vec<&[u8]> = items.iter().map(|i| i.message).collect();
    let signatures: Vec<Signature> = items.iter().map(|i| i.signature).collect();
    let keys: Vec<VerifyingKey> = items.iter().map(|i| i.key).collect();
    if verify_batch(&messages, &signatures, &keys).is_ok() {
        out.fill(true);
        return;
    }
    let mid = items.len() / 2;
    let (left_out, right_out) = out.split_at_mut(mid);
    check_serial(&items[..mid], left_out);
    check_serial(&items[mid..], right_out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Role, Signer};

    fn items(n: usize, bad: &[usize]) -> (Vec<Vec<u8>>, Vec<(VerifyingKey, Signature)>) {
        let signer = Signer::generate("Org1MSP", Role::Peer);
        let messages: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("message {i}").into_bytes())
            .collect();
        let sigs = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut sig = signer.sign(m);
                if bad.contains(&i) {
                    sig[5] ^= 1;
                }
                (
                    signer.identity().public_key,
                    Signature::from_slice(&sig).unwrap(),
                )
            })
            .collect();
        (messages, sigs)
    }

    #[test]
    fn finds_exactly_the_bad_signatures_serial_and_parallel() {
        for (n, bad) in [
            (0, vec![]),
            (3, vec![1]),
            (20, vec![]),
            (20, vec![0, 19]),
            (150, vec![7, 8, 140]),
        ] {
            let (messages, sigs) = items(n, &bad);
            let batch: Vec<SigItem<'_>> = messages
                .iter()
                .zip(&sigs)
                .map(|(m, (key, signature))| SigItem {
                    key: *key,
                    message: m,
                    signature: *signature,
                })
                .collect();
            let ok = verify_all(&batch);
            let expected: Vec<bool> = (0..n).map(|i| !bad.contains(&i)).collect();
            assert_eq!(ok, expected, "n={n} bad={bad:?}");
        }
    }
}
