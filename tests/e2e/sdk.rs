//! Runs official SDK client scripts (`tests/sdk/`) against a test server.
//!
//! The clients are Alibaba Cloud's own packages from PyPI and npm, pinned by
//! the lockfiles in `tools/sdk-clients/` and installed by its `install.sh`
//! into `target/sdk-clients/` once per checkout (the script skips the
//! install when the lockfiles have not changed). A script talks to the
//! server as a user's program would and prints what it got; the Rust test
//! asserts on that.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use fclocal_test_support::repo_root;

use crate::server::Server;

/// What a client script printed.
pub struct ScriptRun {
    pub stdout: String,
    pub stderr: String,
}

impl ScriptRun {
    /// The last line of stdout, parsed as JSON: scripts print their findings
    /// as one JSON object at the end.
    pub fn json(&self) -> serde_json::Value {
        let last = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|error| {
            panic!(
                "the script's last line is not JSON ({error}):\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// `target/sdk-clients/`, installed on first use.
fn clients() -> &'static PathBuf {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let script = repo_root().join("tools/sdk-clients/install.sh");
        let output = Command::new(&script)
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "installing the SDK clients failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(
            stdout
                .lines()
                .last()
                .expect("install.sh prints its directory"),
        )
    })
}

/// Runs `tests/sdk/<script>` against `server`: a `.py` file with the
/// clients' Python venv, a `.js` file (CommonJS) with node and `NODE_PATH`
/// pointing at the clients' `node_modules`. The working directory is the
/// repository root. The script sees `FCLOCAL_URL` (`http://127.0.0.1:PORT`),
/// `FCLOCAL_HOST`, `FCLOCAL_PORT`, `FCLOCAL_ACCESS_KEY_ID` and
/// `FCLOCAL_ACCESS_KEY_SECRET` (the banner's pair), then `extra`. Panics with
/// the script's output when it exits non-zero.
pub fn run(script: &str, server: &Server, extra: &[(&str, &str)]) -> ScriptRun {
    let clients = clients();
    let path = repo_root().join("tests/sdk").join(script);
    let mut command = match path.extension().and_then(|e| e.to_str()) {
        Some("py") => Command::new(clients.join("venv/bin/python")),
        Some("js") => {
            let mut node = Command::new("node");
            node.env("NODE_PATH", clients.join("node/node_modules"));
            node
        }
        _ => panic!("{script}: SDK scripts are .py or .js files"),
    };
    let address = server
        .base
        .strip_prefix("http://")
        .expect("the server's base URL is http://HOST:PORT");
    let (host, port) = address
        .rsplit_once(':')
        .expect("the server's base URL has a port");
    let output = command
        .arg(&path)
        .current_dir(repo_root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .env("FCLOCAL_URL", &server.base)
        .env("FCLOCAL_HOST", host)
        .env("FCLOCAL_PORT", port)
        .env("FCLOCAL_ACCESS_KEY_ID", &server.credentials.access_key_id)
        .env(
            "FCLOCAL_ACCESS_KEY_SECRET",
            &server.credentials.access_key_secret,
        )
        .envs(extra.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {script}: {error}"));
    let run = ScriptRun {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        output.status.success(),
        "{script} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        run.stdout,
        run.stderr
    );
    run
}
