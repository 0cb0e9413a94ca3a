//! The ledger facade: open a channel from a network file and chaincodes, then evaluate,
//! submit, look up transactions and blocks, and subscribe to events.
//!
//! Layout under the ledger directory: `ledger.redb` (blocks, state, history, index) and
//! `keys/<MSP>/<peer>.key`, `keys/<MSP>/client.key` (created on first open).
//!
//! Moving parts: submissions endorse on the calling task, then go to the orderer task
//! (tokio, real time); cut batches go to a preparer thread (block building, signature
//! checks) and then to the committer thread ([`crate::pipeline`]), which finishes
//! validation, commits each block durably, wakes the submitters waiting on its
//! transactions and publishes events. Submitters register their wait before
//! broadcasting, so no commit is missed. A block that cannot be written (a full disk)
//! fails its own transactions only: the next block gets its number, once space returns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use thiserror::Error;
use tokio::sync::oneshot;

use crate::chaincode::{ChaincodeRegistry, FunctionInvoker, NoFunctionInvoker};
use crate::commit::{CommittedBlock, Committer};
use crate::endorse::{Client, EndorseError, Peer};
use crate::events::{EventHub, Subscription};
use crate::identity::{IdentityError, KeyStore, Role};
use crate::model::{
    Block, ChaincodeResponse, Decode, Envelope, Transaction, TxId, TxValidationCode,
};
use crate::network::NetworkConfig;
use crate::orderer::{OrderError, OrdererHandle, spawn_orderer};
use crate::store::{Disk, FileDisk, Store, StoreError};
use crate::validate::Validator;

/// Errors of the ledger facade.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// The ledger directory could not be created.
    #[error(
        "cannot create the ledger directory {path}: {source}; check permissions and free space"
    )]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A network chaincode has no implementation.
    #[error(
        "chaincode `{name}` is in the network file but no implementation was registered; register it in the ChaincodeRegistry passed to Ledger::open"
    )]
    MissingChaincode {
        /// The chaincode.
        name: String,
    },
    /// A registered chaincode is not in the network file.
    #[error(
        "chaincode `{name}` was registered but is not under `Chaincodes:` in the network file, so it has no endorsement policy; add it there"
    )]
    UnconfiguredChaincode {
        /// The chaincode.
        name: String,
    },
    /// A call named a chaincode the channel does not have.
    #[error("chaincode `{name}` is not deployed on channel `{channel}` (deployed: {deployed})")]
    UnknownChaincode {
        /// The chaincode.
        name: String,
        /// The channel.
        channel: String,
        /// Deployed names, comma-separated.
        deployed: String,
    },
    /// A call named an organization the network does not have.
    #[error("organization `{msp_id}` is not in the network file (organizations: {known})")]
    UnknownOrganization {
        /// The MSP id.
        msp_id: String,
        /// Known MSP ids, comma-separated.
        known: String,
    },
    /// No set of peers can satisfy a chaincode's policy.
    #[error(
        "the endorsement policy of `{chaincode}` ({policy}) cannot be satisfied by the network's peers; fix the policy or add the organizations it names"
    )]
    Unsatisfiable {
        /// The chaincode.
        chaincode: String,
        /// The policy.
        policy: String,
    },
    /// Key handling failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Endorsement failed (including chaincode errors).
    #[error(transparent)]
    Endorse(#[from] EndorseError),
    /// The orderer refused the envelope.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The thread running a chaincode panicked (a bug in native chaincode; WebAssembly
    /// traps are chaincode errors instead).
    #[error("the chaincode crashed while simulating: {reason}; nothing was ordered")]
    ChaincodeCrashed {
        /// The panic.
        reason: String,
    },
    /// The block holding the transaction could not be committed.
    #[error(
        "transaction {tx_id} was ordered but its block could not be committed: {reason}; resubmit it once the ledger is healthy"
    )]
    CommitFailed {
        /// The transaction.
        tx_id: String,
        /// Why.
        reason: String,
    },
}

/// Where a transaction ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    /// The transaction.
    pub tx_id: TxId,
    /// Its validation code.
    pub code: TxValidationCode,
    /// The block holding it.
    pub block_number: u64,
}

/// The outcome of [`Ledger::submit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitResult {
    /// Where the transaction was committed and how it was judged.
    pub status: CommitStatus,
    /// The chaincode's response from endorsement.
    pub response: ChaincodeResponse,
}

/// An endorsed, signed transaction not yet ordered ([`Ledger::endorse_as`]).
#[derive(Debug, Clone)]
pub struct Endorsed {
    /// The transaction id.
    pub tx_id: TxId,
    /// The envelope to order.
    pub envelope: Envelope,
    /// The chaincode's response from endorsement.
    pub response: ChaincodeResponse,
}

/// A transaction handed to the orderer ([`Ledger::order`]), whose commit is awaited.
#[derive(Debug)]
pub struct PendingCommit {
    tx_id: String,
    receiver: oneshot::Receiver<Result<CommitStatus, String>>,
}

impl PendingCommit {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// Waits until the block holding the transaction is committed; the status's code
    /// says whether it was valid.
    pub async fn committed(self) -> Result<CommitStatus, LedgerError> {
        match self.receiver.await {
            Ok(Ok(status)) => Ok(status),
            Ok(Err(reason)) => Err(LedgerError::CommitFailed {
                tx_id: self.tx_id,
                reason,
            }),
            Err(_) => Err(LedgerError::CommitFailed {
                tx_id: self.tx_id,
                reason: "the committer stopped".into(),
            }),
        }
    }
}

/// The database file inside a ledger directory.
pub const DB_FILE: &str = "ledger.redb";

type Waiter = oneshot::Sender<Result<CommitStatus, String>>;

/// State shared with the committer thread.
struct Shared {
    waiters: Mutex<HashMap<String, Waiter>>,
    events: EventHub,
    height: AtomicU64,
}

/// The parts chaincode runs against, shared with the blocking threads that run it.
struct Endorsing {
    network: NetworkConfig,
    store: Store,
    /// Per organization (network order): its peers.
    peers: Vec<Vec<Peer>>,
    clients: HashMap<String, Client>,
    /// Per chaincode: indexes into `peers` of the organizations to endorse on.
    plans: HashMap<String, Vec<usize>>,
}

/// A running channel: peers, clients, orderer, committer, store and events.
///
/// Chaincode runs on tokio's blocking threads, never on the caller's async task: a
/// WebAssembly simulation takes milliseconds of CPU, and a chaincode's call to a
/// function (`invoke_function`) waits for that function, which itself runs on the
/// async runtime.
pub struct Ledger {
    endorsing: Arc<Endorsing>,
    network: NetworkConfig,
    store: Store,
    orderer: OrdererHandle,
    shared: Arc<Shared>,
    orderer_task: tokio::task::JoinHandle<()>,
    committer_thread: std::thread::JoinHandle<()>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("channel", &self.network.channel)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir` with no function invoker. Must be called
    /// inside a tokio runtime (the orderer is a task).
    pub fn open(
        dir: &Path,
        network: NetworkConfig,
        chaincodes: ChaincodeRegistry,
    ) -> Result<Ledger, LedgerError> {
        Ledger::open_with_invoker(dir, network, chaincodes, Arc::new(NoFunctionInvoker))
    }

    /// Opens the ledger; chaincode calls to `invoke_function` go to `invoker`.
    pub fn open_with_invoker(
        dir: &Path,
        network: NetworkConfig,
        chaincodes: ChaincodeRegistry,
        invoker: Arc<dyn FunctionInvoker>,
    ) -> Result<Ledger, LedgerError> {
        Ledger::open_on_disk(dir, network, chaincodes, invoker, Arc::new(FileDisk))
    }

    /// [`Ledger::open_with_invoker`] with the database file opened through `disk` (tests
    /// pass one that fails like a full disk, to check the ledger recovers without a
    /// restart).
    pub fn open_on_disk(
        dir: &Path,
        network: NetworkConfig,
        chaincodes: ChaincodeRegistry,
        invoker: Arc<dyn FunctionInvoker>,
        disk: Arc<dyn Disk>,
    ) -> Result<Ledger, LedgerError> {
        for cc in &network.chaincodes {
            if chaincodes.get(&cc.name).is_none() {
                return Err(LedgerError::MissingChaincode {
                    name: cc.name.clone(),
                });
            }
        }
        for name in chaincodes.names() {
            if network.chaincode(name).is_none() {
                return Err(LedgerError::UnconfiguredChaincode { name: name.into() });
            }
        }
        std::fs::create_dir_all(dir).map_err(|source| LedgerError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let store = Store::open_on(dir.join(DB_FILE), disk)?;
        let keys = KeyStore::new(dir.join("keys"));
        let chaincodes = Arc::new(chaincodes);

        let mut peers = Vec::new();
        let mut clients = HashMap::new();
        for org in &network.organizations {
            let mut org_peers = Vec::new();
            for name in &org.peers {
                let signer = keys.load_or_create(&org.msp_id, name, Role::Peer)?;
                org_peers.push(Peer::new(
                    format!("{name}.{}", org.msp_id),
                    network.channel.clone(),
                    signer,
                    store.clone(),
                    chaincodes.clone(),
                    invoker.clone(),
                ));
            }
            peers.push(org_peers);
            let client = keys.load_or_create(&org.msp_id, "client", Role::Client)?;
            clients.insert(
                org.msp_id.clone(),
                Client::new(client, network.channel.clone()),
            );
        }

        let msp_ids: Vec<&str> = network
            .organizations
            .iter()
            .map(|o| o.msp_id.as_str())
            .collect();
        let mut plans = HashMap::new();
        for cc in &network.chaincodes {
            let plan = cc
                .policy
                .endorsement_plan(&msp_ids, |msp| {
                    let i = msp_ids.iter().position(|m| *m == msp).unwrap_or(0);
                    peers[i][0].identity().clone()
                })
                .ok_or_else(|| LedgerError::Unsatisfiable {
                    chaincode: cc.name.clone(),
                    policy: cc.policy.to_string(),
                })?;
            let indexes = plan
                .iter()
                .filter_map(|m| msp_ids.iter().position(|x| x == m))
                .collect();
            plans.insert(cc.name.clone(), indexes);
        }

        let validator = Validator::for_network(&network);
        let committer = Committer::open(store.clone(), validator)?;
        let shared = Arc::new(Shared {
            waiters: Mutex::new(HashMap::new()),
            events: EventHub::new(network.channel.clone(), 1024),
            height: AtomicU64::new(committer.height()),
        });

        let committed_shared = shared.clone();
        let failed_shared = shared.clone();
        let (batch_tx, committer_thread) = crate::pipeline::spawn(
            committer,
            move |block| committed_shared.committed(block),
            move |batch, error| failed_shared.failed(batch, error),
        )
        .map_err(|source| LedgerError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let (orderer, orderer_task) = spawn_orderer(network.orderer, move |batch| {
            let _ = batch_tx.send(batch);
        });

        Ok(Ledger {
            endorsing: Arc::new(Endorsing {
                network: network.clone(),
                store: store.clone(),
                peers,
                clients,
                plans,
            }),
            network,
            store,
            orderer,
            shared,
            orderer_task,
            committer_thread,
        })
    }

    /// Stops ordering, commits what is pending, and waits until the committer has
    /// finished and the database is closed, so the directory can be reopened.
    pub async fn close(self) {
        let Ledger {
            orderer,
            orderer_task,
            committer_thread,
            ..
        } = self;
        drop(orderer);
        let _ = orderer_task.await;
        let _ = tokio::task::spawn_blocking(move || committer_thread.join()).await;
    }

    /// The network this ledger runs.
    pub fn network(&self) -> &NetworkConfig {
        &self.network
    }

    /// The underlying store (read-only use: snapshots, blocks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The peers of organization `msp_id`.
    pub fn peers(&self, msp_id: &str) -> Result<&[Peer], LedgerError> {
        let i = self.endorsing.org_index(msp_id)?;
        Ok(&self.endorsing.peers[i])
    }

    /// Runs a query on one peer of the first organization: nothing is ordered.
    pub async fn evaluate(
        &self,
        chaincode: &str,
        function: &str,
        args: &[String],
    ) -> Result<ChaincodeResponse, LedgerError> {
        let msp_id = self.endorsing.default_msp().to_owned();
        self.evaluate_as(&msp_id, chaincode, function, args).await
    }

    /// Runs a query as `msp_id`'s client on that organization's first peer.
    pub async fn evaluate_as(
        &self,
        msp_id: &str,
        chaincode: &str,
        function: &str,
        args: &[String],
    ) -> Result<ChaincodeResponse, LedgerError> {
        self.endorsing.check_chaincode(chaincode)?;
        let i = self.endorsing.org_index(msp_id)?;
        let proposal = self.endorsing.clients[msp_id].proposal(chaincode, function, args);
        let endorsing = self.endorsing.clone();
        off_task(move || Ok(endorsing.peers[i][0].evaluate(&proposal)?)).await
    }

    /// Submits a transaction as the first organization's client: endorse on the peers the
    /// policy needs, order, wait for the commit. A chaincode error fails before ordering;
    /// an invalid transaction (e.g. an MVCC conflict) is reported in the status's code.
    pub async fn submit(
        &self,
        chaincode: &str,
        function: &str,
        args: &[String],
    ) -> Result<SubmitResult, LedgerError> {
        let msp_id = self.endorsing.default_msp().to_owned();
        self.submit_as(&msp_id, chaincode, function, args).await
    }

    /// Submits a transaction as `msp_id`'s client.
    pub async fn submit_as(
        &self,
        msp_id: &str,
        chaincode: &str,
        function: &str,
        args: &[String],
    ) -> Result<SubmitResult, LedgerError> {
        self.endorsing.check_chaincode(chaincode)?;
        self.endorsing.org_index(msp_id)?;
        let proposal = self.endorsing.clients[msp_id].proposal(chaincode, function, args);
        let tx_id = proposal.tx_id.to_string();
        let endorsing = self.endorsing.clone();
        let msp_id = msp_id.to_owned();
        let chaincode = chaincode.to_owned();
        let (envelope, response) =
            off_task(move || endorsing.endorse(&msp_id, &chaincode, &proposal)).await?;
        let status = self.order_and_wait(&tx_id, envelope).await?;
        Ok(SubmitResult { status, response })
    }

    /// Endorses a transaction as `msp_id`'s client on the peers the policy needs and
    /// returns the signed envelope without ordering it, for clients that report each
    /// step (endorsing, ordering, committing) separately; hand the envelope to
    /// [`Ledger::order`] (or [`Ledger::submit_envelope`]).
    pub async fn endorse_as(
        &self,
        msp_id: &str,
        chaincode: &str,
        function: &str,
        args: &[String],
    ) -> Result<Endorsed, LedgerError> {
        self.endorsing.check_chaincode(chaincode)?;
        self.endorsing.org_index(msp_id)?;
        let proposal = self.endorsing.clients[msp_id].proposal(chaincode, function, args);
        let tx_id = proposal.tx_id.clone();
        let endorsing = self.endorsing.clone();
        let msp_id = msp_id.to_owned();
        let chaincode = chaincode.to_owned();
        let (envelope, response) =
            off_task(move || endorsing.endorse(&msp_id, &chaincode, &proposal)).await?;
        Ok(Endorsed {
            tx_id,
            envelope,
            response,
        })
    }

    /// Hands a signed envelope to the orderer and returns at once; await
    /// [`PendingCommit::committed`] for its commit. The wait is registered before the
    /// broadcast, so the commit cannot be missed.
    pub fn order(&self, envelope: Envelope) -> Result<PendingCommit, LedgerError> {
        let tx = Transaction::from_bytes(&envelope.payload).map_err(StoreError::from)?;
        let tx_id = tx.proposal.tx_id.as_str().to_owned();
        let (sender, receiver) = oneshot::channel();
        self.shared.lock_waiters().insert(tx_id.clone(), sender);
        if let Err(e) = self.orderer.broadcast(envelope) {
            self.shared.lock_waiters().remove(&tx_id);
            return Err(e.into());
        }
        Ok(PendingCommit { tx_id, receiver })
    }

    /// Sends a signed envelope to the orderer and waits for its commit. For clients that
    /// build envelopes themselves (the tx id is read from the envelope).
    pub async fn submit_envelope(&self, envelope: Envelope) -> Result<CommitStatus, LedgerError> {
        let tx = Transaction::from_bytes(&envelope.payload).map_err(StoreError::from)?;
        self.order_and_wait(tx.proposal.tx_id.as_str(), envelope)
            .await
    }

    async fn order_and_wait(
        &self,
        tx_id: &str,
        envelope: Envelope,
    ) -> Result<CommitStatus, LedgerError> {
        let (tx, rx) = oneshot::channel();
        self.shared.lock_waiters().insert(tx_id.to_string(), tx);
        if let Err(e) = self.orderer.broadcast(envelope) {
            self.shared.lock_waiters().remove(tx_id);
            return Err(e.into());
        }
        PendingCommit {
            tx_id: tx_id.to_owned(),
            receiver: rx,
        }
        .committed()
        .await
    }

    /// Re-checks the whole chain and the world state (see [`crate::verify`]).
    pub fn verify(&self) -> Result<crate::verify::VerifyReport, crate::verify::VerifyError> {
        crate::verify::verify(&self.store, &Validator::for_network(&self.network))
    }

    /// Where `tx_id` was committed, `None` if it is not on the ledger (yet).
    pub fn commit_status(&self, tx_id: &str) -> Result<Option<CommitStatus>, LedgerError> {
        Ok(self
            .store
            .snapshot()?
            .tx_status(tx_id)?
            .map(|s| CommitStatus {
                tx_id: TxId(tx_id.into()),
                code: s.code,
                block_number: s.block_number,
            }))
    }

    /// Block `number`, `None` beyond the height.
    pub fn block(&self, number: u64) -> Result<Option<Block>, LedgerError> {
        Ok(self.store.snapshot()?.block(number)?)
    }

    /// Number of committed blocks (Fabric's height: last block number + 1).
    pub fn height(&self) -> u64 {
        self.shared.height.load(Ordering::Acquire)
    }

    /// Subscribes to block, filtered-block and chaincode events from the next block on.
    pub fn subscribe(&self) -> Subscription {
        self.shared.events.subscribe()
    }
}

impl Endorsing {
    fn org_index(&self, msp_id: &str) -> Result<usize, LedgerError> {
        self.network
            .organizations
            .iter()
            .position(|o| o.msp_id == msp_id)
            .ok_or_else(|| LedgerError::UnknownOrganization {
                msp_id: msp_id.into(),
                known: self
                    .network
                    .organizations
                    .iter()
                    .map(|o| o.msp_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn default_msp(&self) -> &str {
        &self.network.organizations[0].msp_id
    }

    fn check_chaincode(&self, chaincode: &str) -> Result<&[usize], LedgerError> {
        self.plans
            .get(chaincode)
            .map(Vec::as_slice)
            .ok_or_else(|| LedgerError::UnknownChaincode {
                name: chaincode.into(),
                channel: self.network.channel.clone(),
                deployed: self
                    .network
                    .chaincodes
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Endorses on the peers `chaincode`'s policy needs, against one snapshot.
    fn endorse(
        &self,
        msp_id: &str,
        chaincode: &str,
        proposal: &crate::model::Proposal,
    ) -> Result<(Envelope, ChaincodeResponse), LedgerError> {
        let plan = self.check_chaincode(chaincode)?;
        let endorsers: Vec<&Peer> = plan.iter().map(|i| &self.peers[*i][0]).collect();
        let snapshot = self.store.snapshot()?;
        Ok(self.clients[msp_id].endorse(proposal, &endorsers, &snapshot)?)
    }
}

/// Runs chaincode work on a blocking thread. A panic there (a native chaincode bug)
/// fails this call only.
async fn off_task<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, LedgerError> + Send + 'static,
) -> Result<T, LedgerError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(LedgerError::ChaincodeCrashed {
            reason: error.to_string(),
        }),
    }
}

impl Shared {
    fn lock_waiters(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiter>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn committed(&self, committed: &CommittedBlock) {
        let number = committed.block.header.number;
        self.height.store(number + 1, Ordering::Release);
        {
            let mut waiters = self.lock_waiters();
            for t in &committed.txs {
                if let Some(tx_id) = &t.tx_id
                    && let Some(w) = waiters.remove(tx_id.as_str())
                {
                    let _ = w.send(Ok(CommitStatus {
                        tx_id: tx_id.clone(),
                        code: t.code,
                        block_number: number,
                    }));
                }
            }
        }
        self.events.publish(committed);
    }

    fn failed(&self, batch: &[Envelope], error: &StoreError) {
        let reason = error.to_string();
        let mut waiters = self.lock_waiters();
        for env in batch {
            if let Ok(tx) = Transaction::from_bytes(&env.payload)
                && let Some(w) = waiters.remove(tx.proposal.tx_id.as_str())
            {
                let _ = w.send(Err(reason.clone()));
            }
        }
    }
}
