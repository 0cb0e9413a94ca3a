//! The `fclocal` binary. Everything it does lives in the library, so it can
//! be tested in-process; see [`fclocal::cli`].

fn main() -> std::process::ExitCode {
    fclocal::cli::main()
}
