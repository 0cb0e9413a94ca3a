//! Long-lived threads that run chaincode calls. Each call used to get a
//! thread of its own; creating and tearing one down (stack mmap, clone,
//! munmap with its TLB shootdown) cost more than a Marbles call itself.
//!
//! The pool is bounded by the engine's instance pool
//! ([`MAX_CONCURRENT_CALLS`]), so a call never fails for want of an instance
//! slot: callers beyond the bound queue here instead.

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;

use fclocal_engine::chaincode::MAX_CONCURRENT_CALLS;

type Job = Box<dyn FnOnce() + Send>;

/// Hands `job` to a chaincode worker. Returns the job back if the pool
/// cannot run it (its threads could not be started).
pub(crate) fn run(job: Job) -> Result<(), Job> {
    match pool() {
        Some(sender) => sender.send(job).map_err(|refused| refused.into_inner()),
        None => Err(job),
    }
}

fn pool() -> Option<&'static crossbeam_channel::Sender<Job>> {
    static POOL: OnceLock<Option<crossbeam_channel::Sender<Job>>> = OnceLock::new();
    POOL.get_or_init(start).as_ref()
}

/// Workers: four per core (they spend much of a call waiting for stub
/// answers from the simulator's thread), at most the engine's bound.
fn start() -> Option<crossbeam_channel::Sender<Job>> {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let count = (cores * 4).clamp(2, MAX_CONCURRENT_CALLS as usize);
    let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
    let mut started = 0;
    for index in 0..count {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("chaincode-{index}"))
            .spawn(move || {
                for job in receiver {
                    // A panic fails that call (its result channel closes);
                    // the worker lives on for the next one.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            });
        if spawned.is_ok() {
            started += 1;
        }
    }
    (started > 0).then_some(sender)
}
