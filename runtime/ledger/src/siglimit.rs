//! The ceiling signature work puts on throughput, measured on this machine.
//!
//! Every committed transaction costs three Ed25519 signatures (two endorsers and the
//! client) and three verifications (the committer checks all three). Nothing else the
//! ledger does is as expensive, so "how many transactions per second could this machine
//! sign and verify if it did nothing else" is the number the benches compare the ledger
//! against: `fclocal / limit` says how much of the machine goes to everything else
//! (simulation, encoding, MVCC, the durable commit, hand-offs between threads).
//!
//! The measurement does exactly the ledger's signature work and nothing more: each of
//! `threads` threads takes its share of the transactions, signs three messages per
//! transaction with three keys ([`crate::identity::Signer::sign`], as endorsers and
//! clients do), then batch-verifies them in the chunks the committer uses (a block's
//! signatures split across the threads, [`crate::sigverify`]). Messages are as long as
//! the caller's real envelopes, so hashing costs what it costs in the ledger (a little
//! more: endorsers sign the shorter response payload; SHA-512 of a few hundred bytes is
//! under 2% of a signature).

use std::time::{Duration, Instant};

use ed25519_dalek::Signature;

use crate::identity::{Role, Signer};
use crate::sigverify::{SigItem, check_serial};

/// Signatures per transaction: two endorsements and the creator's.
pub const SIGNS_PER_TX: usize = 3;

/// What [`measure`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureLimit {
    /// Transactions measured.
    pub txs: usize,
    /// Threads that did the work.
    pub threads: usize,
    /// Wall time for all of it.
    pub elapsed: Duration,
    /// Thread time spent signing, summed over the threads.
    pub signing: Duration,
    /// Thread time spent verifying, summed over the threads.
    pub verifying: Duration,
    /// CPU time the threads got, summed (`None` where the kernel does not say). Unlike
    /// wall time it does not shrink when other processes take the cores.
    pub cpu: Option<Duration>,
}

impl SignatureLimit {
    /// Transactions per second the signature work alone allows.
    pub fn tx_per_sec(&self) -> f64 {
        self.txs as f64 / self.elapsed.as_secs_f64()
    }

    /// The line the benches print, e.g. `limit: 21,000 tx/s (3 signs + 3 verifies per tx
    /// on 2 threads)`.
    pub fn line(&self) -> String {
        format!(
            "limit: {} tx/s ({SIGNS_PER_TX} signs + {SIGNS_PER_TX} verifies per tx on {} threads)",
            thousands(self.tx_per_sec()),
            self.threads
        )
    }

    /// CPU time per transaction, from [`SignatureLimit::cpu`].
    pub fn cpu_per_tx(&self) -> Option<Duration> {
        self.cpu
            .map(|cpu| cpu / u32::try_from(self.txs.max(1)).unwrap_or(u32::MAX))
    }

    /// The limit from CPU time: `threads` cores doing nothing but this work. Other
    /// processes do not lower it, so it is the figure to trust on a busy machine.
    pub fn cpu_line(&self) -> Option<String> {
        let per_tx = self.cpu_per_tx()?;
        Some(format!(
            "  by CPU time: {} tx/s on {} cores ({:.1} µs of CPU per tx)",
            thousands(self.threads as f64 / per_tx.as_secs_f64()),
            self.threads,
            per_tx.as_secs_f64() * 1e6
        ))
    }

    /// How much of `process_cpu_per_tx` (a ledger's CPU per committed transaction) the
    /// signature work accounts for, and how many cores the ledger kept busy at
    /// `tx_per_sec` (below the core count: waits, or other processes on the machine).
    pub fn cpu_share_line(
        &self,
        label: &str,
        process_cpu_per_tx: Duration,
        tx_per_sec: f64,
    ) -> Option<String> {
        let per_tx = self.cpu_per_tx()?;
        Some(format!(
            "{label}: {:.1} µs of CPU per tx, of which signatures {:.1} µs ({:.2}); {:.2} cores busy",
            process_cpu_per_tx.as_secs_f64() * 1e6,
            per_tx.as_secs_f64() * 1e6,
            per_tx.as_secs_f64() / process_cpu_per_tx.as_secs_f64(),
            process_cpu_per_tx.as_secs_f64() * tx_per_sec
        ))
    }

    /// The faster of two measurements: other processes only ever slow one down.
    pub fn best(&self, other: &SignatureLimit) -> SignatureLimit {
        if other.tx_per_sec() > self.tx_per_sec() {
            *other
        } else {
            *self
        }
    }

    /// Per-signature costs on one thread: `sign 18.2 µs, batch-verify 15.1 µs`.
    pub fn costs_line(&self) -> String {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / (self.txs * SIGNS_PER_TX) as f64;
        format!(
            "  per signature on one thread: sign {:.1} µs, batch-verify {:.1} µs",
            per(self.signing),
            per(self.verifying)
        )
    }

    /// The line comparing a measured figure with the limit.
    pub fn ratio_line(&self, label: &str, tx_per_sec: f64) -> String {
        format!(
            "{label}: {} tx/s = {:.2} of the limit",
            thousands(tx_per_sec),
            tx_per_sec / self.tx_per_sec()
        )
    }
}

/// Signs and verifies `txs` transactions' worth of `message_len`-byte messages on
/// `threads` threads, verifying in batches of `block_size` transactions' signatures
/// split across the threads (as the committer does).
///
/// # Panics
///
/// If a signature it just made does not verify (a broken build of the signature crate).
pub fn measure(
    txs: usize,
    threads: usize,
    message_len: usize,
    block_size: usize,
) -> SignatureLimit {
    let threads = threads.max(1);
    let signers = [
        Signer::generate("Org1MSP", Role::Peer),
        Signer::generate("Org2MSP", Role::Peer),
        Signer::generate("Org1MSP", Role::Client),
    ];
    // Distinct messages, so no signature is a copy of another.
    let messages: Vec<Vec<u8>> = (0..txs * SIGNS_PER_TX)
        .map(|i| {
            let mut m = vec![0x5a; message_len.max(8)];
            m[..8].copy_from_slice(&(i as u64).to_le_bytes());
            m
        })
        .collect();
    let chunk = (block_size * SIGNS_PER_TX).div_ceil(threads).max(1);
    let share = txs.div_ceil(threads) * SIGNS_PER_TX;
    let started = Instant::now();
    let (signing, verifying, cpu) = std::thread::scope(|s| {
        let workers: Vec<_> = messages
            .chunks(share.max(1))
            .map(|mine| {
                let signers = &signers;
                s.spawn(move || {
                    let cpu_at_start = thread_cpu_time();
                    let signing = Instant::now();
                    let items: Vec<SigItem<'_>> = mine
                        .iter()
                        .enumerate()
                        .map(|(i, message)| {
                            let signer = &signers[i % SIGNS_PER_TX];
                            let signature = Signature::from_slice(&signer.sign(message))
                                .expect("a fresh signature parses");
                            SigItem {
                                key: signer.identity().public_key,
                                message,
                                signature,
                            }
                        })
                        .collect();
                    let signing = signing.elapsed();
                    let verifying = Instant::now();
                    for batch in items.chunks(chunk) {
                        let mut ok = vec![false; batch.len()];
                        check_serial(batch, &mut ok);
                        assert!(ok.iter().all(|v| *v), "fresh signatures must verify");
                    }
                    let verifying = verifying.elapsed();
                    let cpu = cpu_at_start
                        .zip(thread_cpu_time())
                        .map(|(start, end)| end.saturating_sub(start));
                    (signing, verifying, cpu)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("signature worker"))
            .fold(
                (Duration::ZERO, Duration::ZERO, Some(Duration::ZERO)),
                |(a, b, c), (d, e, f)| (a + d, b + e, c.zip(f).map(|(c, f)| c + f)),
            )
    });
    SignatureLimit {
        txs,
        threads,
        elapsed: started.elapsed(),
        signing,
        verifying,
        // The kernel updates a thread's run time at scheduler events, so a short
        // measurement can read the same value twice: unknown, not free.
        cpu: cpu.filter(|cpu| !cpu.is_zero()),
    }
}

/// CPU time of the calling thread (Linux: `/proc/thread-self/schedstat`, nanoseconds).
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// CPU time of this whole process so far, threads that ended included (Linux:
/// `/proc/self/stat` user + system time, in 10 ms ticks), for the benches to set a
/// ledger's CPU per transaction beside the signature work's.
pub fn process_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is parenthesised and may hold spaces.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux ABI Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

/// `12345.6` → `12,346`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_all_transactions_and_formats_the_lines() {
        let limit = measure(40, 2, 300, 10);
        assert_eq!((limit.txs, limit.threads), (40, 2));
        assert!(limit.tx_per_sec() > 0.0);
        assert!(
            limit
                .line()
                .ends_with("tx/s (3 signs + 3 verifies per tx on 2 threads)"),
            "{}",
            limit.line()
        );
        if let Some(cpu) = limit.cpu {
            assert!(cpu > Duration::ZERO);
            assert!(limit.cpu_line().is_some());
        }
        let half = limit.tx_per_sec() / 2.0;
        assert!(limit.ratio_line("x", half).ends_with("= 0.50 of the limit"));
    }

    #[test]
    fn process_cpu_time_grows_with_work() {
        let Some(before) = process_cpu_time() else {
            return; // not Linux
        };
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = process_cpu_time().expect("read once, readable again");
        assert!(
            after >= before + Duration::from_millis(20),
            "{before:?} → {after:?}"
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.2), "1,234,567");
    }
}
