//! A full disk at commit, through the whole ledger (orderer task, preparer and committer
//! threads, real redb on a real file): the file is opened through a redb
//! `StorageBackend` that wraps redb's own file backend and answers `ENOSPC` while the
//! test says the disk is full. The ledger must refuse the failed transaction clearly,
//! keep serving once space returns (no restart), continue block numbers without a gap
//! and lose nothing it acknowledged, as a reopen shows.
//!
//! Blocks are cut by MaxMessageCount 1 (BatchTimeout is an hour), so nothing depends on
//! time.

use std::fs::OpenOptions;
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fclocal_ledger::chaincode::{ChaincodeRegistry, NoFunctionInvoker};
use fclocal_ledger::ledger::{Ledger, LedgerError};
use fclocal_ledger::model::TxValidationCode as Code;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::sample::AssetTransfer;
use fclocal_ledger::store::Disk;
use redb::backends::FileBackend;
use redb::{BackendError, Database, DatabaseError, StorageBackend};

/// The test's disk: full or not, and whether the next single write fails alone.
#[derive(Debug, Default)]
struct Switch {
    /// Every write, resize and sync fails with `ENOSPC`.
    full: AtomicBool,
    /// The next write fails with `ENOSPC`, then the disk has space again.
    fail_next_write: AtomicBool,
    /// The next sync fails (after the writes reached the file), then syncs work again.
    fail_next_sync: AtomicBool,
}

impl Switch {
    fn check(&self, one_shot: &AtomicBool) -> io::Result<()> {
        if self.full.load(Ordering::SeqCst) || one_shot.swap(false, Ordering::SeqCst) {
            Err(io::Error::from_raw_os_error(28)) // ENOSPC
        } else {
            Ok(())
        }
    }
}

/// Opens the database through [`Failing`].
struct SwitchDisk(Arc<Switch>);

impl Disk for SwitchDisk {
    fn open(&self, path: &Path) -> Result<Database, DatabaseError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        Database::builder().create_with_backend(Failing {
            inner: FileBackend::new(file)?,
            switch: self.0.clone(),
        })
    }
}

/// redb's file backend, failing like a full disk when the switch says so.
#[derive(Debug)]
struct Failing {
    inner: FileBackend,
    switch: Arc<Switch>,
}

impl StorageBackend for Failing {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.switch.check(&AtomicBool::new(false))?;
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.switch.check(&self.switch.fail_next_sync)?;
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.switch.check(&self.switch.fail_next_write)?;
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

fn network() -> NetworkConfig {
    let yaml = "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  assets:
    CodeUri: ./assets
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: 1
";
    NetworkConfig::parse(yaml, "network.yml").unwrap()
}

fn registry() -> ChaincodeRegistry {
    let mut r = ChaincodeRegistry::new();
    r.register("assets", Arc::new(AssetTransfer));
    r
}

fn open_on(dir: &Path, switch: &Arc<Switch>) -> Ledger {
    Ledger::open_on_disk(
        dir,
        network(),
        registry(),
        Arc::new(NoFunctionInvoker),
        Arc::new(SwitchDisk(switch.clone())),
    )
    .unwrap()
}

fn a(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

async fn create(ledger: &Ledger, id: &str) -> Result<u64, LedgerError> {
    let done = ledger
        .submit("assets", "create", &a(&[id, "alice"]))
        .await?;
    assert_eq!(done.status.code, Code::VALID, "{id}");
    Ok(done.status.block_number)
}

/// The asset's owner, `None` when it does not exist (`read` answers empty then).
async fn owner(ledger: &Ledger, id: &str) -> Option<String> {
    let read = ledger.evaluate("assets", "read", &a(&[id])).await.unwrap();
    assert!(read.is_success(), "{}", read.message);
    (!read.payload.is_empty()).then(|| String::from_utf8_lossy(&read.payload).into_owned())
}

/// What a later open of the directory (the real file, no injected failures) sees.
async fn reopened(dir: &Path, ids: &[&str]) -> (u64, Vec<Option<String>>) {
    let ledger = Ledger::open(dir, network(), registry()).unwrap();
    let mut owners = Vec::new();
    for id in ids {
        owners.push(owner(&ledger, id).await);
    }
    ledger
        .verify()
        .expect("the chain verifies after the full disk");
    let height = ledger.height();
    ledger.close().await;
    (height, owners)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_one_submit_and_the_ledger_serves_again_once_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Arc::new(Switch::default());
    let ledger = open_on(dir.path(), &switch);
    assert_eq!(create(&ledger, "before").await.unwrap(), 1);

    switch.full.store(true, Ordering::SeqCst);
    let error = create(&ledger, "lost").await.unwrap_err().to_string();
    assert!(
        error.contains("could not be committed")
            && error.contains("block 2 could not be written")
            && error.contains("No space left on device")
            && error.contains("free disk space"),
        "{error}"
    );
    // While the disk stays full, requests fail with a clear error, not a hang or a panic.
    let still_full = create(&ledger, "still-full").await.unwrap_err().to_string();
    assert!(still_full.contains("free disk space"), "{still_full}");

    switch.full.store(false, Ordering::SeqCst);
    assert_eq!(
        create(&ledger, "after").await.unwrap(),
        2,
        "the next block takes the failed block's number: no gap, no restart"
    );
    assert_eq!(create(&ledger, "later").await.unwrap(), 3);
    assert_eq!(ledger.height(), 4);
    assert_eq!(owner(&ledger, "before").await.as_deref(), Some("alice"));
    assert_eq!(owner(&ledger, "lost").await, None);
    assert_eq!(owner(&ledger, "still-full").await, None);
    ledger.verify().expect("the chain verifies while running");
    ledger.close().await;

    let (height, owners) = reopened(dir.path(), &["before", "after", "later", "lost"]).await;
    assert_eq!(height, 4);
    let alice = Some("alice".to_owned());
    assert_eq!(owners, [alice.clone(), alice.clone(), alice, None]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_prepared_on_a_failed_block_are_renumbered_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Arc::new(Switch::default());
    let ledger = open_on(dir.path(), &switch);
    // One write fails; submissions in flight behind it were prepared on top of the
    // failed block and must still commit, right after the last durable block.
    switch.fail_next_write.store(true, Ordering::SeqCst);
    let ids = ["t0", "t1", "t2", "t3", "t4", "t5"];
    let results = create_all(&ledger, &ids).await;
    let failed: Vec<&str> = ids
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_err())
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "exactly the block whose write failed: {results:?}"
    );
    let mut blocks: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .copied()
        .collect();
    blocks.sort_unstable();
    assert_eq!(blocks, [1, 2, 3, 4, 5], "numbers continue without a gap");
    assert_eq!(create(&ledger, "next").await.unwrap(), 6);
    ledger.close().await;

    let (height, owners) = reopened(dir.path(), &ids).await;
    assert_eq!(height, 7);
    for (id, owner) in ids.iter().zip(owners) {
        assert_eq!(owner.is_none(), failed.contains(id), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_whose_last_sync_failed_but_reached_the_file_counts_as_committed() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Arc::new(Switch::default());
    let ledger = open_on(dir.path(), &switch);
    switch.fail_next_sync.store(true, Ordering::SeqCst);
    // The store reopens the file, finds the block there, and reports it committed: the
    // chain and the acknowledgements agree.
    let block = create(&ledger, "synced-late").await;
    assert_eq!(block.map_err(|e| e.to_string()), Ok(1));
    assert_eq!(create(&ledger, "next").await.unwrap(), 2);
    ledger.close().await;
    let (height, owners) = reopened(dir.path(), &["synced-late", "next"]).await;
    assert_eq!(height, 3);
    assert!(owners.iter().all(Option::is_some), "{owners:?}");
}

/// Submits one `create` per id (six of them) at once.
async fn create_all(ledger: &Ledger, ids: &[&'static str; 6]) -> Vec<Result<u64, String>> {
    let one = |id: &'static str| async move { create(ledger, id).await.map_err(|e| e.to_string()) };
    let [i0, i1, i2, i3, i4, i5] = *ids;
    let (r0, r1, r2, r3, r4, r5) =
        tokio::join!(one(i0), one(i1), one(i2), one(i3), one(i4), one(i5));
    vec![r0, r1, r2, r3, r4, r5]
}
