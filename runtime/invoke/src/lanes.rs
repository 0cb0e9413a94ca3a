//! Where guest code runs, so a busy guest never starves the server.
//!
//! Every invocation starts on the caller's runtime (the server's workers):
//! most calls take well under a millisecond, and a hop to another thread
//! would cost more than the call. A guest still yields every epoch tick, but
//! a worker polling two busy guests in 10 ms slices polls the socket driver
//! only every few dozen slices, so a function that loops for seconds took
//! `hello`'s throughput from 7,000 to ~100 requests/s. So an invocation that
//! has been polled for [`DEMOTE_AFTER`] in total moves to the *background
//! lane*: its own runtime, whose threads run at a lower OS priority (nice
//! [`BACKGROUND_NICE`]). Accepting connections, short invocations and log
//! hand-offs then keep the CPU, and long guests take what is left, as on a
//! shared machine's batch queue. A long guest still meets its `Timeout`: the
//! deadline is wall-clock time, as on FC.
//!
//! Moving is safe because invocation futures own everything they touch
//! (`Pools` holds instances behind `Arc`s); a caller that stops waiting
//! still cancels the call, as before the move (the lane task is aborted).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, Runtime};
use tokio_util::task::AbortOnDropHandle;

/// How long an invocation may be polled on the caller's runtime before it
/// moves to the background lane. A warm `hello` is ~0.1 ms; a language
/// engine's call a few; a busy guest yields every 10 ms epoch tick.
pub const DEMOTE_AFTER: Duration = Duration::from_millis(5);

/// The nice value of the background lane's threads (Linux: per thread).
pub const BACKGROUND_NICE: i32 = 10;

/// The background lane: a runtime for long-running invocations.
pub struct Lanes {
    background: Option<Runtime>,
    demoted: AtomicU64,
}

impl std::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lanes")
            .field("demoted", &self.demoted())
            .finish()
    }
}

impl Lanes {
    /// Starts the background lane's threads (one per core).
    pub fn new() -> std::io::Result<Lanes> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let background = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("fclocal-guest")
            .on_thread_start(lower_priority)
            .enable_all()
            .build()?;
        Ok(Lanes {
            background: Some(background),
            demoted: AtomicU64::new(0),
        })
    }

    /// How many invocations moved to the background lane so far.
    pub fn demoted(&self) -> u64 {
        self.demoted.load(Ordering::Relaxed)
    }

    /// Runs `call` here until it has been polled for [`DEMOTE_AFTER`], then
    /// finishes it on the background lane. Dropping the returned future
    /// cancels the call wherever it runs.
    ///
    /// `call` comes boxed: an invocation's future is ~8 KB (wasmtime's call
    /// state included), and every async layer above that held it by value
    /// copied it again, which measured ~8 % of a busy server's CPU in
    /// `memmove`.
    pub async fn run<T>(&self, call: Pin<Box<dyn Future<Output = T> + Send>>) -> T
    where
        T: Send + 'static,
    {
        let mut call = call;
        let Some(lane) = self.background.as_ref().map(Runtime::handle) else {
            return call.await;
        };
        let mut polled = Duration::ZERO;
        let here = std::future::poll_fn(|cx| {
            let start = Instant::now();
            let poll = call.as_mut().poll(cx);
            polled += start.elapsed();
            match poll {
                Poll::Ready(output) => Poll::Ready(Some(output)),
                Poll::Pending if polled >= DEMOTE_AFTER => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match here {
            Some(output) => output,
            None => {
                self.demoted.fetch_add(1, Ordering::Relaxed);
                finish_on(lane, call).await
            }
        }
    }
}

/// Finishes `call` on `lane`, aborting it if the caller goes away.
async fn finish_on<T: Send + 'static>(
    lane: &Handle,
    call: Pin<Box<dyn Future<Output = T> + Send>>,
) -> T {
    let task = AbortOnDropHandle::new(lane.spawn(call));
    match task.await {
        Ok(output) => output,
        // Not aborted (the handle is ours) and not cancelled by a runtime
        // shutdown while we wait (the lane lives as long as `self`): a panic.
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

impl Drop for Lanes {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is not allowed inside async code
        // (the server drops its pools there); running calls were cancelled
        // with their callers.
        if let Some(runtime) = self.background.take() {
            runtime.shutdown_background();
        }
    }
}

/// Lowers the calling thread's scheduling priority (Linux sets nice per
/// thread). Failure only costs fairness, never correctness.
fn lower_priority() {
    // `None` is `who = 0`: on Linux, the calling thread only.
    if let Err(error) = rustix::process::setpriority_process(None, BACKGROUND_NICE) {
        tracing::debug!("cannot lower the priority of a guest thread: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Burns CPU in slices, yielding between them, like a guest on epochs.
    async fn busy(slices: u32, slice: Duration) -> std::thread::ThreadId {
        for _ in 0..slices {
            let start = Instant::now();
            while start.elapsed() < slice {
                std::hint::spin_loop();
            }
            tokio::task::yield_now().await;
        }
        std::thread::current().id()
    }

    #[tokio::test]
    async fn short_calls_stay_on_the_callers_thread() {
        let lanes = Lanes::new().unwrap();
        let here = std::thread::current().id();
        let ran_on = lanes
            .run(Box::pin(busy(3, Duration::from_micros(100))))
            .await;
        assert_eq!(ran_on, here);
        assert_eq!(lanes.demoted(), 0);
    }

    #[tokio::test]
    async fn long_calls_move_to_the_background_lane() {
        let lanes = Lanes::new().unwrap();
        let here = std::thread::current().id();
        let ran_on = lanes
            .run(Box::pin(busy(10, Duration::from_millis(2))))
            .await;
        assert_ne!(ran_on, here);
        assert_eq!(lanes.demoted(), 1);
    }

    #[tokio::test]
    async fn a_caller_that_goes_away_cancels_the_moved_call() {
        let lanes = Lanes::new().unwrap();
        let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
        /// Signals when the call's future is dropped.
        struct OnDrop(Option<tokio::sync::oneshot::Sender<()>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                if let Some(tx) = self.0.take() {
                    let _ = tx.send(());
                }
            }
        }
        let guard = OnDrop(Some(dropped_tx));
        let call = async move {
            let _guard = guard;
            busy(u32::MAX, Duration::from_millis(2)).await
        };
        let mut run = Box::pin(lanes.run(Box::pin(call)));
        // Poll until it has moved, then give up on it.
        while lanes.demoted() == 0 {
            assert!(futures_poll_once(run.as_mut()).await.is_none());
        }
        drop(run);
        dropped_rx.await.expect("the moved call was dropped");
    }

    /// Polls `future` once.
    async fn futures_poll_once<F: Future + Unpin>(mut future: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| match Pin::new(&mut future).poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending => Poll::Ready(None),
        })
        .await
    }
}
