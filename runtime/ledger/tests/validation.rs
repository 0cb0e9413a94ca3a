//! Validation codes end to end: real peers, real signatures, real redb.

mod common;

use common::{CC, Net, args};
use fclocal_ledger::endorse::sign_envelope;
use fclocal_ledger::identity::{Role, Signer};
use fclocal_ledger::model::{Decode, Envelope, Transaction, TxValidationCode as Code};
use fclocal_ledger::state::StateView;

const AND: &str = "AND('Org1MSP.peer','Org2MSP.peer')";

#[test]
fn two_transfers_of_one_asset_in_one_block_one_wins() {
    let mut net = Net::new(AND);
    assert_eq!(net.submit("create", &["a1", "alice"]), Code::VALID);
    let to_bob = net.envelope("transfer", &["a1", "bob"]);
    let to_carol = net.envelope("transfer", &["a1", "carol"]);
    let block = net.commit(&[to_bob, to_carol]);
    let codes: Vec<Code> = block.txs.iter().map(|t| t.code).collect();
    assert_eq!(codes, vec![Code::VALID, Code::MVCC_READ_CONFLICT]);
    assert_eq!(block.block.metadata.tx_filter, vec![0, 11]);
    assert_eq!(net.read("a1"), b"bob");
    // The loser stays in the block.
    assert_eq!(block.block.data.len(), 2);
    // Its tx id is indexed with its code.
    let loser = block.txs[1].tx_id.clone().unwrap();
    let status = net
        .store
        .snapshot()
        .unwrap()
        .tx_status(loser.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(
        (status.block_number, status.tx_number, status.code),
        (2, 1, Code::MVCC_READ_CONFLICT)
    );
}

#[test]
fn a_read_of_a_key_changed_in_an_earlier_block_conflicts() {
    let mut net = Net::new(AND);
    net.submit("create", &["a1", "alice"]);
    let stale = net.envelope("transfer", &["a1", "bob"]);
    assert_eq!(net.submit("transfer", &["a1", "carol"]), Code::VALID);
    assert_eq!(net.codes(&[stale]), vec![Code::MVCC_READ_CONFLICT]);
    assert_eq!(net.read("a1"), b"carol");
}

#[test]
fn an_insert_into_a_range_read_is_a_phantom() {
    let mut net = Net::new(AND);
    net.submit("create", &["a1", "alice"]);
    // tally reads the range [a, b) and writes the count elsewhere.
    let tally = net.envelope("tally", &["a", "b", "count"]);
    let insert = net.envelope("create", &["a2", "bob"]);
    assert_eq!(
        net.codes(&[insert, tally]),
        vec![Code::VALID, Code::PHANTOM_READ_CONFLICT]
    );

    // Across blocks too, and deletes count.
    let tally = net.envelope("tally", &["a", "b", "count"]);
    assert_eq!(net.submit("delete", &["a1"]), Code::VALID);
    assert_eq!(net.codes(&[tally]), vec![Code::PHANTOM_READ_CONFLICT]);

    // Writes outside the range do not disturb it.
    let tally = net.envelope("tally", &["a", "b", "count"]);
    let outside = net.envelope("create", &["b1", "carol"]);
    assert_eq!(net.codes(&[outside, tally]), vec![Code::VALID, Code::VALID]);
    assert_eq!(net.read("count"), b"1");
}

#[test]
fn an_and_policy_with_one_endorsement_fails() {
    let mut net = Net::new(AND);
    let only_org1 = net.envelope_on(&[&net.org1], "create", &["a1", "alice"]);
    assert_eq!(
        net.codes(&[only_org1]),
        vec![Code::ENDORSEMENT_POLICY_FAILURE]
    );
    assert_eq!(net.read("a1"), b"");

    let mut net = Net::new("OR('Org1MSP.peer','Org2MSP.peer')");
    let only_org2 = net.envelope_on(&[&net.org2], "create", &["a1", "alice"]);
    assert_eq!(net.codes(&[only_org2]), vec![Code::VALID]);
}

fn edit_tx(env: &Envelope, edit: impl FnOnce(&mut Transaction)) -> Transaction {
    let mut tx = Transaction::from_bytes(&env.payload).unwrap();
    edit(&mut tx);
    tx
}

#[test]
fn a_forged_creator_signature_is_rejected() {
    let mut net = Net::new(AND);
    let mut env = net.envelope("create", &["a1", "alice"]);
    env.signature[0] ^= 0x01;
    // Signed by someone else than the creator named in the proposal.
    let mallory = Signer::generate("Org1MSP", Role::Client);
    let other = net.envelope("create", &["a2", "alice"]);
    let tx = Transaction::from_bytes(&other.payload).unwrap();
    let impostor = sign_envelope(&mallory, &tx);
    let good = net.envelope("create", &["a3", "alice"]);
    assert_eq!(
        net.codes(&[env, impostor, good]),
        vec![
            Code::BAD_CREATOR_SIGNATURE,
            Code::BAD_CREATOR_SIGNATURE,
            Code::VALID
        ]
    );
}

#[test]
fn a_tampered_endorsement_fails_the_policy() {
    let mut net = Net::new(AND);
    let env = net.envelope("create", &["a1", "alice"]);
    // Flip a signature bit of the second endorsement and re-sign as the client, so only
    // the endorsement is wrong.
    let tx = edit_tx(&env, |tx| tx.endorsements[1].signature[10] ^= 0x80);
    let tampered_sig = sign_envelope(net.client.signer(), &tx);
    // Change the payload the endorsers signed (a write they never endorsed).
    let env2 = net.envelope("create", &["a2", "alice"]);
    let tx2 = edit_tx(&env2, |tx| {
        let last = tx.response_payload.len() - 1;
        tx.response_payload[last - 20] ^= 0x01;
    });
    let tampered_payload = sign_envelope(net.client.signer(), &tx2);
    let codes = net.codes(&[tampered_sig, tampered_payload]);
    assert_eq!(codes[0], Code::ENDORSEMENT_POLICY_FAILURE);
    // Either the payload no longer decodes or its signatures fail: never valid.
    assert!(
        matches!(
            codes[1],
            Code::ENDORSEMENT_POLICY_FAILURE | Code::BAD_RESPONSE_PAYLOAD
        ),
        "{codes:?}"
    );
    assert_eq!(net.read("a1"), b"");
}

#[test]
fn duplicate_tx_ids_in_a_block_and_across_blocks() {
    let mut net = Net::new(AND);
    let env = net.envelope("create", &["a1", "alice"]);
    assert_eq!(
        net.codes(&[env.clone(), env.clone()]),
        vec![Code::VALID, Code::DUPLICATE_TXID]
    );
    assert_eq!(
        net.codes(std::slice::from_ref(&env)),
        vec![Code::DUPLICATE_TXID]
    );
    // The index still points at the first, valid commit.
    let tx = Transaction::from_bytes(&env.payload).unwrap();
    let snapshot = net.store.snapshot().unwrap();
    let status = snapshot
        .tx_status(tx.proposal.tx_id.as_str())
        .unwrap()
        .unwrap();
    assert_eq!((status.block_number, status.code), (1, Code::VALID));
    assert!(snapshot.tx_exists(tx.proposal.tx_id.as_str()).unwrap());
}

#[test]
fn a_tx_id_not_derived_from_nonce_and_creator_is_rejected() {
    let mut net = Net::new(AND);
    let env = net.envelope("create", &["a1", "alice"]);
    let tx = edit_tx(&env, |tx| tx.proposal.tx_id.0 = "0".repeat(64));
    let forged = sign_envelope(net.client.signer(), &tx);
    assert_eq!(net.codes(&[forged]), vec![Code::BAD_PROPOSAL_TXID]);
}

#[test]
fn garbage_envelopes_are_flagged_not_fatal() {
    let mut net = Net::new(AND);
    let good = net.envelope("create", &["a1", "alice"]);
    let block = net
        .committer
        .commit_data(vec![
            vec![],
            vec![1, 2, 3],
            fclocal_ledger::model::Encode::to_bytes(&good),
        ])
        .unwrap();
    let codes: Vec<Code> = block.txs.iter().map(|t| t.code).collect();
    assert_eq!(
        codes,
        vec![Code::NIL_ENVELOPE, Code::BAD_PAYLOAD, Code::VALID]
    );
}

#[test]
fn history_is_newest_first_with_deletes() {
    let mut net = Net::new(AND);
    net.submit("create", &["a1", "alice"]);
    net.submit("transfer", &["a1", "bob"]);
    net.submit("delete", &["a1"]);
    let snapshot = net.store.snapshot().unwrap();
    let history = snapshot.history(CC, "a1").unwrap();
    let owners: Vec<(bool, &[u8])> = history
        .iter()
        .map(|m| (m.is_delete, m.value.as_slice()))
        .collect();
    assert_eq!(
        owners,
        vec![(true, &b""[..]), (false, b"bob"), (false, b"alice")]
    );
    let proposal = net.client.proposal(CC, "history", &args(&["a1"]));
    assert_eq!(
        net.org1.evaluate(&proposal).unwrap().payload,
        b"<deleted>,bob,alice"
    );
}

#[test]
fn a_forged_envelope_cannot_burn_a_tx_id() {
    let mut net = Net::new(AND);
    let genuine = net.envelope("create", &["a1", "alice"]);
    let mut forged = genuine.clone();
    forged.signature[3] ^= 0x10;
    assert_eq!(net.codes(&[forged]), vec![Code::BAD_CREATOR_SIGNATURE]);
    assert_eq!(net.codes(&[genuine]), vec![Code::VALID]);
}
