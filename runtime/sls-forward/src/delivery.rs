//! Sending one group: retrying what waiting fixes, and finding the line SLS
//! refuses when it refuses a group for its content.
//!
//! - Connection errors, 5xx and throttling are retried with backoff; errors
//!   that need a fix (a missing project, a wrong key) every `backoff.max`.
//!   A request that cannot even be built (a header value such as an STS
//!   token with a line break) needs a fix too: it is *not* a content
//!   refusal, since splitting the group could never help, and treating it
//!   as one would set every line aside.
//! - A content refusal (`PostBodyInvalid`, `InvalidKey`…) splits the group
//!   in halves, each sent `backoff.first` after the previous request (so a
//!   large group does not fire a burst of requests), until the refused line
//!   is alone; it is set aside and counted. If both halves are refused with
//!   the same code, the cause is not one line (or there is one in each
//!   half, which cannot be told apart): splitting stops and the halves are
//!   retried every `backoff.max`, shown as failing, with no line set aside.
//!
//! While a group is split, a half SLS accepts goes before the lines of the
//! other half it is still searching, so within that one group lines may
//! arrive out of order.

use std::future::Future;
use std::pin::Pin;

use crate::plan::{DropReason, Dropped, Outgoing};
use crate::remote::{Failure, Remote, RemoteError};
use crate::request;
use crate::worker::{Stopped, Worker};

/// How sending a group ended, short of shutdown.
enum Delivery {
    /// SLS took it.
    Accepted,
    /// SLS refused it for its content.
    Refused(RemoteError),
}

impl<R: Remote> Worker<R> {
    /// Sends `group`, finding and setting aside the lines SLS refuses.
    pub(crate) async fn send_group(&mut self, group: Outgoing) -> Result<(), Stopped> {
        match self.deliver(&group).await? {
            Delivery::Accepted => Ok(()),
            Delivery::Refused(error) => self.bisect(group, error).await,
        }
    }

    /// Sends `group` until SLS accepts it or refuses its content, waiting
    /// between failed attempts.
    async fn deliver(&mut self, group: &Outgoing) -> Result<Delivery, Stopped> {
        loop {
            if self.past_deadline() {
                return Err(Stopped);
            }
            let error = match self.attempt(group).await {
                Ok(()) => {
                    self.accepted(group).await;
                    return Ok(Delivery::Accepted);
                }
                Err(error) if error.failure == Failure::Content => {
                    return Ok(Delivery::Refused(error));
                }
                Err(error) => error,
            };
            let delay = match error.failure {
                Failure::Transient => self.config.backoff.transient(self.failures + 1),
                Failure::Stuck | Failure::Content => self.config.backoff.stuck(),
            };
            let stopping = self.is_stopping();
            self.failed(&error, delay);
            if stopping {
                // The final attempt failed: the next start resends.
                return Err(Stopped);
            }
            // Woken by shutdown: retry once right away, as the final attempt.
            self.wait(delay).await;
        }
    }

    /// One request.
    async fn attempt(&self, group: &Outgoing) -> Result<(), RemoteError> {
        match request::put_logs(
            &self.config.endpoint,
            &self.config.credentials,
            group,
            self.config.clock.now(),
        ) {
            Ok(put) => self.remote.put(put).await,
            Err(error) => Err(RemoteError {
                failure: Failure::Stuck,
                status: None,
                code: None,
                message: error.to_string(),
            }),
        }
    }

    /// `group`, which SLS refused with `error`, split until the refused
    /// lines are found (see the module docs).
    fn bisect(
        &mut self,
        group: Outgoing,
        error: RemoteError,
    ) -> Pin<Box<dyn Future<Output = Result<(), Stopped>> + Send + '_>> {
        Box::pin(async move {
            let Some((first, second)) = group.halves() else {
                self.set_aside(Dropped {
                    id: group.ids[0],
                    project: group.project,
                    logstore: group.logstore,
                    reason: DropReason::Refused {
                        error: error.message,
                    },
                })
                .await;
                return Ok(());
            };
            loop {
                self.wait(self.config.backoff.first).await;
                let a = self.deliver(&first).await?;
                self.wait(self.config.backoff.first).await;
                let b = self.deliver(&second).await?;
                match (a, b) {
                    (Delivery::Refused(a), Delivery::Refused(b)) if a.code == b.code => {
                        let delay = self.config.backoff.stuck();
                        let stopping = self.is_stopping();
                        self.failed(&not_one_line(b), delay);
                        if stopping {
                            return Err(Stopped);
                        }
                        self.wait(delay).await;
                    }
                    (a, b) => {
                        if let Delivery::Refused(error) = a {
                            self.bisect(first, error).await?;
                        }
                        if let Delivery::Refused(error) = b {
                            self.bisect(second, error).await?;
                        }
                        return Ok(());
                    }
                }
            }
        })
    }
}

/// Both halves of a group were refused the same way: an error to wait on.
fn not_one_line(error: RemoteError) -> RemoteError {
    RemoteError {
        failure: Failure::Stuck,
        message: format!(
            "{}; both halves of the group were refused the same way, so it is not one line: retrying every backoff period without setting lines aside",
            error.message
        ),
        ..error
    }
}
