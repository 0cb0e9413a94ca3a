//! The epoch ticker: one thread per engine that advances wasmtime's epoch.
//!
//! Guests are compiled with epoch interruption. Each tick gives a running
//! guest a chance to yield to other tasks and to be stopped once past its
//! deadline, so the tick is the granularity of `Timeout`. One thread serves
//! every store (an epoch thread per request cost wasmtime serve 2–3 orders of
//! magnitude of throughput, wasmtime#11814).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// Advances the engine's epoch every tick until dropped.
pub(crate) struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, tick: Duration) -> std::io::Result<Self> {
        let engine = engine.weak();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fclocal-epoch".into())
            .spawn(move || {
                // `recv_timeout` doubles as the tick timer and the stop signal.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
