//! `verify` passes on an honest ledger and names the block after tampering. The redb file
//! is opened directly to tamper, as an attacker with disk access would.

mod common;

use common::Net;
use fclocal_ledger::model::{Block, Decode, Encode};
use fclocal_ledger::store::Store;
use fclocal_ledger::verify::{VerifyError, verify};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");

/// Genesis, then: block 1 creates a1 and a2; block 2 has a valid transfer and an MVCC
/// conflict; block 3 deletes a2.
fn honest_ledger() -> Net {
    let mut net = Net::new("AND('Org1MSP.peer','Org2MSP.peer')");
    let c1 = net.envelope("create", &["a1", "alice"]);
    let c2 = net.envelope("create", &["a2", "bob"]);
    net.commit(&[c1, c2]);
    let t1 = net.envelope("transfer", &["a1", "carol"]);
    let t2 = net.envelope("transfer", &["a1", "dave"]);
    net.commit(&[t1, t2]);
    net.submit("delete", &["a2"]);
    net
}

fn tamper_block(path: &std::path::Path, number: u64, edit: impl FnOnce(&mut Block)) {
    let db = Database::open(path).unwrap();
    let bytes = {
        let read = db.begin_read().unwrap();
        let table = read.open_table(BLOCKS).unwrap();
        table.get(number).unwrap().unwrap().value().to_vec()
    };
    let mut block = Block::from_bytes(&bytes).unwrap();
    edit(&mut block);
    let write = db.begin_write().unwrap();
    write
        .open_table(BLOCKS)
        .unwrap()
        .insert(number, block.to_bytes().as_slice())
        .unwrap();
    write.commit().unwrap();
}

fn verify_file(
    path: &std::path::Path,
    validator: &fclocal_ledger::validate::Validator,
) -> Result<fclocal_ledger::verify::VerifyReport, VerifyError> {
    let store = Store::open(path).unwrap();
    verify(&store, validator)
}

#[test]
fn an_honest_ledger_verifies() {
    let net = honest_ledger();
    let report = verify(&net.store, &net.validator).unwrap();
    assert_eq!(report.blocks, 4);
    assert_eq!(report.transactions, 5);
    assert_eq!(report.valid, 4);
    assert_eq!(report.state_keys, 1);
}

#[test]
fn an_altered_transaction_is_found_in_its_block() {
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    tamper_block(&path, 2, |b| {
        let env = &mut b.data[0];
        let at = env.len() / 2;
        env[at] ^= 0x01;
    });
    let err = verify_file(&path, &validator).unwrap_err();
    assert!(matches!(err, VerifyError::Block { number: 2, .. }), "{err}");
    assert!(err.to_string().contains("data hash"), "{err}");
}

#[test]
fn a_consistent_rewrite_is_still_caught() {
    // Reorder block 2 and recompute its data hash: re-validation now lets the other
    // transfer win, which disagrees with the tx index.
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    tamper_block(&path, 2, |b| {
        b.data.swap(0, 1);
        b.header.data_hash = fclocal_ledger::model::data_hash(&b.data);
    });
    let err = verify_file(&path, &validator).unwrap_err();
    assert!(matches!(err, VerifyError::Block { number: 2, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("the tx index puts it in block 2 as transaction 1"),
        "{err}"
    );

    // A broken link: block 3 no longer points at block 2's header hash.
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    tamper_block(&path, 3, |b| {
        b.header.previous_hash = vec![0; 32];
    });
    let err = verify_file(&path, &validator).unwrap_err();
    assert!(matches!(err, VerifyError::Block { number: 3, .. }), "{err}");
    assert!(err.to_string().contains("previous hash"), "{err}");
}

#[test]
fn a_flipped_validation_code_is_found() {
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    // Mark the MVCC loser valid (metadata is not hashed, so only re-validation sees it).
    tamper_block(&path, 2, |b| b.metadata.tx_filter[1] = 0);
    let err = verify_file(&path, &validator).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, VerifyError::Block { number: 2, .. }),
        "{text}"
    );
    assert!(
        text.contains("transaction 1 is marked VALID but re-validates as MVCC_READ_CONFLICT"),
        "{text}"
    );
}

#[test]
fn an_altered_state_value_names_the_block_that_wrote_it() {
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    {
        let db = Database::open(&path).unwrap();
        let write = db.begin_write().unwrap();
        {
            let mut state = write.open_table(STATE).unwrap();
            let key = b"assets\0a1".as_slice();
            let mut value = state.get(key).unwrap().unwrap().value().to_vec();
            let last = value.len() - 1;
            value[last] = b'X';
            state.insert(key, value.as_slice()).unwrap();
        }
        write.commit().unwrap();
    }
    let err = verify_file(&path, &validator).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, VerifyError::State { block: 2, key, .. } if key == "a1"),
        "{text}"
    );
    assert!(text.starts_with("block 2: world state key `a1`"), "{text}");
}

#[test]
fn a_state_key_no_transaction_wrote_is_found() {
    let (dir, validator) = honest_ledger().close();
    let path = dir.path().join("ledger.redb");
    {
        let db = Database::open(&path).unwrap();
        let write = db.begin_write().unwrap();
        {
            let mut state = write.open_table(STATE).unwrap();
            let mut value = 1u64.to_be_bytes().to_vec();
            value.extend_from_slice(&0u64.to_be_bytes());
            value.extend_from_slice(b"mallory");
            state
                .insert(b"assets\0a9".as_slice(), value.as_slice())
                .unwrap();
        }
        write.commit().unwrap();
    }
    let err = verify_file(&path, &validator).unwrap_err();
    assert!(
        err.to_string()
            .contains("is stored but no valid transaction wrote it"),
        "{err}"
    );
}
