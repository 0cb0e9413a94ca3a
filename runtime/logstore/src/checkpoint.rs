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

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

use crate::error::{LogStoreError, Result};
use crate::schema::{self, Role};

/// WAL size (in pages of 4 KiB: 16 MiB) that triggers a checkpoint.
pub(crate) const WAL_PAGES_BEFORE_CHECKPOINT: i32 = 4_000;

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

/// Asks for a checkpoint without ever blocking the committing writer.
pub(crate) fn request(nudge: &Sender<()>) {
    match nudge.try_send(()) {
        Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
    }
}
