//! The `fclocal` binary. Everything it does lives in the library, so it can
//! be tested in-process; see [`fclocal::cli`].

/// jemalloc gives memory back to the system soon after a burst (a log flood,
/// a websocket flood, thousands of connections): its background thread
/// purges pages unused for 10 s. glibc's per-thread arenas kept them, so
/// the server's RSS only ever grew.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    fclocal::cli::main()
}
