//! Checkpoints off the commit path.
//!
//! In WAL mode a commit appends to the `-wal` file; a *checkpoint* copies those pages into
//! the database so the WAL can start over. SQLite's automatic checkpoint runs inside the
//! commit that crosses the threshold, and every flush waiting on that commit waits for the
//! copy too — tens of milliseconds for a 16–64 MiB WAL, visible as request latency in a
//! server that flushes per invocation. So the writer's WAL hook only *signals* when the WAL
//! has grown past [`WAL_PAGES_BEFORE_CHECKPOINT`], and this thread, on its own connection,
//! runs a `PASSIVE` checkpoint, which never blocks the writer. The WAL restarts from the
//! beginning on the writer's next commit after a checkpoint caught up. On close it runs a
//! final `TRUNCATE` checkpoint, leaving a small database and an empty WAL.
//!
//! The checkpointer is background work: it runs at a lower OS priority
//! ([`CHECKPOINT_NICE`]) so that copying 64 MiB of WAL never takes the CPU from the
//! threads answering requests (measured as the slowest 1 % of one-connection HTTP
//! requests, 5–12 ms, when it ran at their priority).

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

use crate::error::{LogStoreError, Result};
use crate::schema::{self, Role};

/// WAL size (in pages of 4 KiB: 64 MiB, the `journal_size_limit`) that triggers a
/// checkpoint. A server commits a few lines per request, and each commit rewrites the same
/// few tail pages (of `logs` and its indexes) as new WAL frames; a checkpoint copies only
/// the newest frame of each page. So a larger WAL means fewer checkpoints for nearly the
/// same copying each: at 16 MiB a one-connection HTTP benchmark checkpointed several times
/// a second.
pub(crate) const WAL_PAGES_BEFORE_CHECKPOINT: i32 = 16_000;

/// The nice value of the checkpointer thread (Linux sets it per thread).
pub(crate) const CHECKPOINT_NICE: i32 = 10;

/// The checkpointer thread; dropping it runs the final checkpoint and joins.
pub(crate) struct Checkpointer {
    nudge: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path, busy_timeout: Duration) -> Result<Checkpointer> {
        let conn = schema::open_connection(path, Role::Checkpointer, busy_timeout)?;
        // One pending signal is enough: a checkpoint covers every commit before it.
        let (nudge, nudged) = crossbeam_channel::bounded::<()>(1);
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("fclocal-logstore-checkpoint".to_owned())
            .spawn(move || {
                lower_priority();
                while nudged.recv().is_ok() {
                    if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(path = shown, %error, "logstore checkpoint failed; the WAL keeps growing until the next one");
                    }
                }
                if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
                    tracing::debug!(path = shown, %error, "final logstore checkpoint did not complete");
                }
            })
            .map_err(|source| LogStoreError::WriterThread {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
        })
    }

    /// A handle the writer's WAL hook uses to ask for a checkpoint.
    pub(crate) fn nudger(&self) -> Option<Sender<()>> {
        self.nudge.clone()
    }

    /// Runs the final checkpoint and waits for it. Call after the writer has stopped.
    pub(crate) fn stop(&mut self) {
        drop(self.nudge.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Lowers the calling thread's scheduling priority; failure only costs latency.
fn lower_priority() {
    // `None` is `who = 0`: on Linux, the calling thread only.
    if let Err(error) = rustix::process::setpriority_process(None, CHECKPOINT_NICE) {
        tracing::debug!("cannot lower the checkpointer's priority: {error}");
    }
}

/// Asks for a checkpoint without ever blocking the committing writer.
pub(crate) fn request(nudge: &Sender<()>) {
    match nudge.try_send(()) {
        Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
    }
}
