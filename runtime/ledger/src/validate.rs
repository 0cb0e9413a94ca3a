//! Validation of an ordered block, transaction by transaction, in Fabric's order:
//!
//! 1. envelope decodes (`NIL_ENVELOPE`, `BAD_PAYLOAD`) and the creator's signature over
//!    the payload verifies (`BAD_CREATOR_SIGNATURE`); the channel is ours
//!    (`TARGET_CHAIN_NOT_FOUND`);
//! 2. the tx id is `sha256(nonce ‖ creator)` (`BAD_PROPOSAL_TXID`) and not already in this
//!    block or the ledger (`DUPLICATE_TXID`);
//! 3. the response payload decodes and belongs to this proposal (`BAD_RESPONSE_PAYLOAD`),
//!    the chaincode has a policy (`INVALID_CHAINCODE`), and the endorsers whose signatures
//!    verify satisfy it (`ENDORSEMENT_POLICY_FAILURE`; bad endorsements are ignored, as in
//!    Fabric, so they only matter when the policy then fails);
//! 4. serially, MVCC: every read version equals the current one, counting writes of
//!    earlier valid transactions of the same block (`MVCC_READ_CONFLICT`), and every range
//!    query re-executed gives the same keys and versions (`PHANTOM_READ_CONFLICT`).
//!
//! All signatures of the block are verified up front in one batch ([`crate::sigverify`]).
//! Invalid transactions stay in the block; only valid ones produce writes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use ed25519_dalek::Signature;

use crate::identity::Identity;
use crate::model::{
    ChaincodeEvent, Decode, Endorsement, Envelope, ProposalResponsePayload, RangeQueryInfo,
    Transaction, TxId, TxValidationCode, Version,
};
use crate::policy::Policy;
use crate::sigverify::{SigItem, verify_all};
use crate::state::StateView;
use crate::store::{StateWrite, StoreError};

/// The validation result of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// The claimed tx id, when the envelope decoded that far.
    pub tx_id: Option<TxId>,
    /// The verdict.
    pub code: TxValidationCode,
    /// The chaincode, when known.
    pub chaincode: Option<String>,
    /// The chaincode event, when the payload decoded (present even for invalid txs).
    pub event: Option<ChaincodeEvent>,
}

/// Verdicts for a block plus the writes of its valid transactions, in order.
#[derive(Debug, Clone, Default)]
pub struct ValidatedBlock {
    /// One outcome per transaction.
    pub txs: Vec<TxOutcome>,
    /// Writes of valid transactions at their `(block, tx)` versions.
    pub writes: Vec<StateWrite>,
}

/// True when a transaction with this code has proven its tx id (its creator signed it and
/// the id is derived from its nonce), so the id is recorded in the tx index and counts for
/// duplicate detection. Envelopes that fail earlier cannot claim (and so burn) an id.
pub fn proves_tx_id(code: TxValidationCode) -> bool {
    use TxValidationCode as C;
    !matches!(
        code,
        C::NIL_ENVELOPE
            | C::BAD_PAYLOAD
            | C::BAD_CREATOR_SIGNATURE
            | C::TARGET_CHAIN_NOT_FOUND
            | C::BAD_PROPOSAL_TXID
            | C::DUPLICATE_TXID
    )
}

/// Validates blocks of one channel against its chaincodes' endorsement policies.
#[derive(Debug, Clone)]
pub struct Validator {
    channel: String,
    policies: HashMap<String, Policy>,
    /// Parsed identities by their bytes. Parsing decompresses the Ed25519 point (a field
    /// square root), which would otherwise cost as much as the signature checks; a
    /// network has few identities, so they are parsed once.
    identities: Arc<Mutex<HashMap<Vec<u8>, Identity>>>,
}

/// More distinct identities than this and the cache starts over (it only saves work).
const IDENTITY_CACHE_LIMIT: usize = 4096;

/// A block after decoding and signature checks, before the stateful checks.
pub struct Prevalidated {
    stage: Vec<Result<Decoded, TxOutcome>>,
    valid_sig: Vec<bool>,
}

impl std::fmt::Debug for Prevalidated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prevalidated")
            .field("transactions", &self.stage.len())
            .finish_non_exhaustive()
    }
}

/// A transaction that decoded, with where its signatures sit in the batch.
struct Decoded {
    tx: Transaction,
    creator_sig: usize,
    /// `(endorser, index in the batch)` for endorsements that parsed.
    endorsers: Vec<(Identity, usize)>,
}

/// A signature to verify, with its message owned until the batch runs.
struct PendingSig {
    key: ed25519_dalek::VerifyingKey,
    message: Vec<u8>,
    signature: Option<Signature>,
}

impl Validator {
    /// A validator for `channel` with one endorsement policy per chaincode.
    pub fn new(channel: impl Into<String>, policies: HashMap<String, Policy>) -> Validator {
        Validator {
            channel: channel.into(),
            policies,
            identities: Arc::default(),
        }
    }

    /// A validator for the channel and chaincode policies of a network file.
    pub fn for_network(network: &crate::network::NetworkConfig) -> Validator {
        Validator::new(
            network.channel.clone(),
            network
                .chaincodes
                .iter()
                .map(|c| (c.name.clone(), c.policy.clone()))
                .collect(),
        )
    }

    /// The channel name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Validates the envelopes of block `block_number` against committed `state`.
    pub fn validate(
        &self,
        block_number: u64,
        data: &[Vec<u8>],
        state: &dyn StateView,
    ) -> Result<ValidatedBlock, StoreError> {
        let pre = self.prevalidate(data);
        self.finish(block_number, pre, state)
    }

    /// The stateless half of validation: decoding and every signature check. Needs no
    /// committed state, so it can run for the next block while this one commits.
    pub fn prevalidate(&self, data: &[Vec<u8>]) -> Prevalidated {
        let mut sigs: Vec<PendingSig> = Vec::with_capacity(data.len() * 3);
        let stage: Vec<Result<Decoded, TxOutcome>> = data
            .iter()
            .map(|bytes| self.decode(bytes, &mut sigs))
            .collect();

        let items: Vec<SigItem<'_>> = sigs
            .iter()
            .filter_map(|s| {
                s.signature.map(|signature| SigItem {
                    key: s.key,
                    message: &s.message,
                    signature,
                })
            })
            .collect();
        let verdicts = verify_all(&items);
        // Map batch positions back (signatures that did not parse are simply invalid).
        let mut valid_sig = vec![false; sigs.len()];
        let mut it = verdicts.into_iter();
        for (i, s) in sigs.iter().enumerate() {
            if s.signature.is_some() {
                valid_sig[i] = it.next().unwrap_or(false);
            }
        }
        Prevalidated { stage, valid_sig }
    }

    /// The stateful half: tx ids, policies and MVCC against `state`, in block order.
    pub fn finish(
        &self,
        block_number: u64,
        pre: Prevalidated,
        state: &dyn StateView,
    ) -> Result<ValidatedBlock, StoreError> {
        let Prevalidated { stage, valid_sig } = pre;
        let mut out = ValidatedBlock {
            txs: Vec::with_capacity(stage.len()),
            writes: Vec::new(),
        };
        let mut seen: HashSet<String> = HashSet::with_capacity(stage.len());
        let mut updates: BTreeMap<(String, String), Option<Version>> = BTreeMap::new();
        for (tx_num, staged) in stage.into_iter().enumerate() {
            let d = match staged {
                Ok(d) => d,
                Err(outcome) => {
                    out.txs.push(outcome);
                    continue;
                }
            };
            let version = Version::new(block_number, tx_num as u64);
            let (code, payload) = self.check(&d, &valid_sig, &mut seen, &updates, state)?;
            let event = payload.as_ref().and_then(|p| p.event.clone());
            if code.is_valid()
                && let Some(p) = payload
            {
                for w in p.rwset.writes {
                    updates.insert(
                        (p.chaincode.clone(), w.key.clone()),
                        (!w.is_delete).then_some(version),
                    );
                    out.writes.push(StateWrite {
                        ns: p.chaincode.clone(),
                        key: w.key,
                        value: (!w.is_delete).then_some(w.value),
                        version,
                    });
                }
            }
            out.txs.push(TxOutcome {
                tx_id: Some(d.tx.proposal.tx_id.clone()),
                code,
                chaincode: Some(d.tx.proposal.chaincode.clone()),
                event,
            });
        }
        Ok(out)
    }

    /// Steps 1–4 for one decoded transaction.
    fn check(
        &self,
        d: &Decoded,
        valid_sig: &[bool],
        seen: &mut HashSet<String>,
        updates: &BTreeMap<(String, String), Option<Version>>,
        state: &dyn StateView,
    ) -> Result<(TxValidationCode, Option<ProposalResponsePayload>), StoreError> {
        use TxValidationCode as C;
        let proposal = &d.tx.proposal;
        if !valid_sig[d.creator_sig] {
            return Ok((C::BAD_CREATOR_SIGNATURE, None));
        }
        if proposal.channel != self.channel {
            return Ok((C::TARGET_CHAIN_NOT_FOUND, None));
        }
        if !proposal.tx_id_matches() {
            return Ok((C::BAD_PROPOSAL_TXID, None));
        }
        let tx_id = proposal.tx_id.as_str();
        if !seen.insert(tx_id.to_string()) || state.tx_exists(tx_id)? {
            return Ok((C::DUPLICATE_TXID, None));
        }
        let Ok(payload) = ProposalResponsePayload::from_bytes(&d.tx.response_payload) else {
            return Ok((C::BAD_RESPONSE_PAYLOAD, None));
        };
        if payload.chaincode != proposal.chaincode || payload.proposal_hash != proposal.hash() {
            return Ok((C::BAD_RESPONSE_PAYLOAD, Some(payload)));
        }
        let Some(policy) = self.policies.get(&proposal.chaincode) else {
            return Ok((C::INVALID_CHAINCODE, Some(payload)));
        };
        let endorsers = d
            .endorsers
            .iter()
            .filter(|(_, sig)| valid_sig[*sig])
            .map(|(id, _)| id);
        if !policy.is_satisfied_by(endorsers) {
            return Ok((C::ENDORSEMENT_POLICY_FAILURE, Some(payload)));
        }
        let ns = &payload.chaincode;
        for read in &payload.rwset.reads {
            if current_version(ns, &read.key, updates, state)? != read.version {
                return Ok((C::MVCC_READ_CONFLICT, Some(payload)));
            }
        }
        for query in &payload.rwset.range_queries {
            if !range_unchanged(ns, query, updates, state)? {
                return Ok((C::PHANTOM_READ_CONFLICT, Some(payload)));
            }
        }
        Ok((C::VALID, Some(payload)))
    }
}

impl Validator {
    /// Parses identity bytes through the cache.
    fn identity(&self, bytes: &[u8]) -> Option<Identity> {
        let mut cache = self
            .identities
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(id) = cache.get(bytes) {
            return Some(id.clone());
        }
        let id = Identity::from_bytes(bytes).ok()?;
        if cache.len() >= IDENTITY_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(bytes.to_vec(), id.clone());
        Some(id)
    }

    /// Decodes one envelope and queues its signatures; an undecodable one gets its code now.
    fn decode(&self, bytes: &[u8], sigs: &mut Vec<PendingSig>) -> Result<Decoded, TxOutcome> {
        let fail = |code, tx: Option<&Transaction>| TxOutcome {
            tx_id: tx.map(|t| t.proposal.tx_id.clone()),
            code,
            chaincode: tx.map(|t| t.proposal.chaincode.clone()),
            event: None,
        };
        if bytes.is_empty() {
            return Err(fail(TxValidationCode::NIL_ENVELOPE, None));
        }
        let env =
            Envelope::from_bytes(bytes).map_err(|_| fail(TxValidationCode::BAD_PAYLOAD, None))?;
        let tx = Transaction::from_bytes(&env.payload)
            .map_err(|_| fail(TxValidationCode::BAD_PAYLOAD, None))?;
        let creator = self
            .identity(&tx.proposal.creator)
            .ok_or_else(|| fail(TxValidationCode::BAD_CREATOR_SIGNATURE, Some(&tx)))?;
        let creator_sig = sigs.len();
        sigs.push(PendingSig {
            key: creator.public_key,
            message: env.payload,
            signature: Signature::from_slice(&env.signature).ok(),
        });
        let mut endorsers = Vec::with_capacity(tx.endorsements.len());
        for e in &tx.endorsements {
            if let Some(id) = self.identity(&e.endorser) {
                endorsers.push((id.clone(), sigs.len()));
                sigs.push(PendingSig {
                    key: id.public_key,
                    message: Endorsement::signed_bytes(&tx.response_payload, &e.endorser),
                    signature: Signature::from_slice(&e.signature).ok(),
                });
            }
        }
        Ok(Decoded {
            tx,
            creator_sig,
            endorsers,
        })
    }
}

/// The version `key` has now: written by an earlier valid tx of this block, or committed.
fn current_version(
    ns: &str,
    key: &str,
    updates: &BTreeMap<(String, String), Option<Version>>,
    state: &dyn StateView,
) -> Result<Option<Version>, StoreError> {
    if let Some(v) = updates.get(&(ns.to_string(), key.to_string())) {
        return Ok(*v);
    }
    Ok(state.get(ns, key)?.map(|v| v.version))
}

/// Re-executes a range query over committed state plus this block's earlier valid writes
/// and compares keys and versions with what the simulation saw.
fn range_unchanged(
    ns: &str,
    query: &RangeQueryInfo,
    updates: &BTreeMap<(String, String), Option<Version>>,
    state: &dyn StateView,
) -> Result<bool, StoreError> {
    let mut now: BTreeMap<String, Version> = state
        .range(ns, &query.start_key, &query.end_key)?
        .into_iter()
        .map(|(k, v)| (k, v.version))
        .collect();
    let lo = Bound::Included((ns.to_string(), query.start_key.clone()));
    for ((n, key), version) in updates.range((lo, Bound::Unbounded)) {
        if n != ns || (!query.end_key.is_empty() && *key >= query.end_key) {
            break;
        }
        match version {
            Some(v) => now.insert(key.clone(), *v),
            None => now.remove(key),
        };
    }
    let seen = query.reads.iter().map(|r| (r.key.as_str(), r.version));
    let current = now.iter().map(|(k, v)| (k.as_str(), Some(*v)));
    Ok(if query.itr_exhausted {
        seen.eq(current)
    } else {
        seen.eq(current.take(query.reads.len()))
    })
}
