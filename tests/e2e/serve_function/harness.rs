//! The harness that plays Function Compute's front end: packs a component
//! into a clean folder, starts `fclocal serve-function` there with FC's
//! environment only, reads the address it prints on stderr, sends requests
//! with FC's common headers, and reads stdout line by line.
//!
//! FC's environment includes `FC_FUNC_CODE_PATH` and `FC_INSTANCE_ID`, so
//! the runtime listens on 0.0.0.0 as on FC; [`Runtime::start_configured`]
//! can take them away.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use crate::common::SETSID;

/// How long the harness waits for something the runtime should print or
/// answer. It bounds a wait on an event; nothing waits for time to pass.
pub(super) const PATIENCE: Duration = Duration::from_secs(60);

/// FC's environment for a custom runtime (D-164217; fc3 `s local`).
pub(super) const FC_ENV: [(&str, &str); 11] = [
    ("FC_FUNC_CODE_PATH", "/code/"),
    ("FC_FUNCTION_NAME", "fn"),
    ("FC_SERVICE_NAME", "demo"),
    ("FC_FUNCTION_MEMORY_SIZE", "128"),
    ("FC_REGION", "cn-shanghai"),
    ("FC_ACCOUNT_ID", "1986114430573743"),
    ("FC_INSTANCE_ID", "c-65e6a1d2-6a8d4f2b9c3e4a5b6c7d"),
    ("FC_QUALIFIER", "LATEST"),
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.env-id"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
    ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
];

/// A running `bootstrap`: `fclocal serve-function` in its package folder.
pub(super) struct Runtime {
    child: Child,
    /// Kept alive while the runtime runs in it.
    _folder: tempfile::TempDir,
    stdout: Mutex<Receiver<String>>,
    stderr: Mutex<Receiver<String>>,
    /// What it printed on stderr up to and including the listening line.
    pub(super) startup: Vec<String>,
    base: String,
    agent: ureq::Agent,
}

/// One answer of the runtime.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: http::HeaderMap,
    pub(super) body: Vec<u8>,
}

impl Answer {
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(super) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The contract's success: 200 and `x-fc-status: 200`.
    pub(super) fn expect_success(&self) -> &Self {
        assert_eq!(
            (self.status, self.header("x-fc-status")),
            (200, Some("200")),
            "{}",
            self.text()
        );
        self
    }

    /// The contract's failure: 404 and `x-fc-status: 404`, FC's error body.
    pub(super) fn expect_failure(&self) -> serde_json::Value {
        assert_eq!(
            (self.status, self.header("x-fc-status")),
            (404, Some("404")),
            "{}",
            self.text()
        );
        self.json()
    }
}

pub(super) fn lines_of(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

impl Runtime {
    /// Packs `guest`'s component as `file` into a clean folder and starts
    /// the bootstrap's command there, with FC's environment plus `env`.
    pub(super) fn start(guest: &str, file: &str, env: &[(&str, &str)]) -> Runtime {
        Runtime::start_configured(
            guest,
            file,
            |command| {
                command.envs(env.iter().copied());
            },
            "0.0.0.0",
        )
    }

    /// [`Runtime::start`] whose command `configure` changes last (after
    /// FC's environment is set), expecting it to listen on `host`.
    pub(super) fn start_configured(
        guest: &str,
        file: &str,
        configure: impl FnOnce(&mut Command),
        host: &str,
    ) -> Runtime {
        let folder = tempfile::tempdir().expect("a package folder");
        std::fs::copy(fclocal_test_support::guest(guest), folder.path().join(file))
            .expect("the component is packed");
        let mut command = Command::new(SETSID);
        command
            .arg(env!("CARGO_BIN_EXE_fclocal"))
            .args(["serve-function", "--component", &format!("./{file}")])
            .env("FC_FUNCTION_HANDLER", file);
        Runtime::spawn(folder, command, configure, host)
    }

    /// Copies a function folder written by `fclocal package` into a clean
    /// folder and runs its `bootstrap` there, as FC's custom runtime does,
    /// with FC's environment (and a `PATH`, which FC sets) plus `env`.
    pub(super) fn start_packaged(package: &Path, env: &[(&str, &str)]) -> Runtime {
        let folder = tempfile::tempdir().expect("a code folder");
        let copied = Command::new("cp")
            .arg("-a")
            .arg(package.join("."))
            .arg(folder.path())
            .status()
            .expect("cp runs");
        assert!(copied.success(), "cannot copy {}", package.display());
        let mut command = Command::new(SETSID);
        command.arg("./bootstrap").env("PATH", "/usr/bin:/bin");
        let configure = |command: &mut Command| {
            command.envs(env.iter().copied());
        };
        Runtime::spawn(folder, command, configure, "0.0.0.0")
    }

    /// Starts `command` in `folder` with FC's environment only (plus what
    /// `command` sets, then what `configure` does), and waits for it to
    /// print that it listens on `host`.
    fn spawn(
        folder: tempfile::TempDir,
        mut command: Command,
        configure: impl FnOnce(&mut Command),
        host: &str,
    ) -> Runtime {
        // `env_clear` keeps the variables set on `command` before it.
        let preset: Vec<(std::ffi::OsString, std::ffi::OsString)> = command
            .get_envs()
            .filter_map(|(name, value)| Some((name.to_owned(), value?.to_owned())))
            .collect();
        command
            .current_dir(folder.path())
            .env_clear()
            .envs(preset)
            .env("FC_SERVER_PORT", "0")
            .envs(FC_ENV);
        configure(&mut command);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the bootstrap starts");
        let stdout = lines_of(child.stdout.take().expect("stdout is piped"));
        let stderr = lines_of(child.stderr.take().expect("stderr is piped"));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(PATIENCE))
            .build()
            .new_agent();
        let mut runtime = Runtime {
            child,
            _folder: folder,
            stdout: Mutex::new(stdout),
            stderr: Mutex::new(stderr),
            startup: Vec::new(),
            base: String::new(),
            agent,
        };
        runtime.startup = runtime.stderr_lines_until(&format!(" listening on {host}:"));
        let listening = runtime.startup.last().expect("the listening line");
        let port = listening.rsplit(':').next().expect("a port");
        runtime.base = format!("http://127.0.0.1:{port}");
        runtime
    }

    /// stderr lines up to and including the first containing `needle`.
    fn stderr_lines_until(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match self.stderr.lock().unwrap().recv_timeout(PATIENCE) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(_) => panic!(
                    "the runtime never printed {needle:?} on stderr; it printed:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }

    /// The next `count` stdout lines.
    pub(super) fn stdout_lines(&self, count: usize) -> Vec<String> {
        let mut lines = Vec::with_capacity(count);
        while lines.len() < count {
            match self.stdout.lock().unwrap().recv_timeout(PATIENCE) {
                Ok(line) => lines.push(line),
                Err(_) => panic!(
                    "the runtime printed {} of {count} expected stdout lines:\n{}",
                    lines.len(),
                    lines.join("\n")
                ),
            }
        }
        lines
    }

    /// stdout lines up to and including `last`.
    pub(super) fn stdout_until(&self, last: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.stdout.lock().unwrap().recv_timeout(PATIENCE) {
                Ok(line) => {
                    let done = line == last;
                    lines.push(line);
                    if done {
                        return lines;
                    }
                }
                Err(_) => panic!(
                    "the runtime never printed {last:?}; stdout:\n{}",
                    lines.join("\n")
                ),
            }
        }
    }

    pub(super) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Answer {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(body.to_vec()).expect("a valid request");
        let mut response = self.agent.run(request).expect("the runtime answers");
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_vec()
                .expect("the body reads"),
        }
    }

    /// `POST /invoke` with the full header set and `event`.
    pub(super) fn invoke(&self, request_id: &str, event: &str, extra: &[(&str, &str)]) -> Answer {
        let headers = fc_headers(request_id, "/invoke", extra);
        self.send("POST", "/invoke", &headers, event.as_bytes())
    }

    /// Stops it as FC does (SIGTERM) and returns its exit code and
    /// whatever it printed on stdout after the lines already read.
    pub(super) fn stop(mut self) -> (Option<i32>, Vec<String>) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = self.child.wait().expect("the runtime exits");
        let rest = self.stdout.lock().unwrap().iter().collect();
        (status.code(), rest)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// FC's common request headers for one call (FC doc 425057), over which
/// `extra` is set.
pub(super) fn fc_headers(
    request_id: &str,
    control_path: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = [
        ("content-type", "application/octet-stream"),
        ("x-fc-request-id", request_id),
        ("x-fc-control-path", control_path),
        ("x-fc-function-name", "fn"),
        ("x-fc-function-handler", "index.handler"),
        ("x-fc-function-memory", "128"),
        ("x-fc-function-timeout", "3"),
        ("x-fc-function-initializer", "index.initializer"),
        ("x-fc-initialization-timeout", "3"),
        ("x-fc-instance-lifecycle-pre-stop-handler", "index.preStop"),
        ("x-fc-service-name", "demo"),
        ("x-fc-service-logproject", "demo-project"),
        ("x-fc-service-logstore", "demo-store"),
        ("x-fc-region", "cn-shanghai"),
        ("x-fc-account-id", "1986114430573743"),
        ("x-fc-access-key-id", "STS.header-id"),
        ("x-fc-access-key-secret", "header-secret"),
        ("x-fc-security-token", "header-token"),
        ("x-fc-qualifier", "prod"),
        ("x-fc-version-id", "7"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect();
    for (name, value) in extra {
        headers.retain(|(existing, _)| existing != name);
        headers.push(((*name).to_owned(), (*value).to_owned()));
    }
    headers
}

/// Checks a function log line: `<UTC ms>Z <request id> [LEVEL] message`.
pub(super) fn assert_log_line(line: &str, request_id: &str, level: &str, message: &str) {
    let (time, rest) = line.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "not FC's timestamp: {line}"
    );
    assert_eq!(rest, format!("{request_id} [{level}] {message}"), "{line}");
}

/// Checks stdout of sequential invocations line by line: every invocation
/// is `FC Invoke Start RequestId: <id>`, its log lines (FC's format, its
/// own id), `FC Invoke End RequestId: <id>`, and nothing is outside a
/// frame. Returns the request ids in order.
pub(super) fn assert_framed(lines: &[String]) -> Vec<String> {
    let mut ids = Vec::new();
    let mut open: Option<&str> = None;
    for line in lines {
        if let Some(id) = line.strip_prefix("FC Invoke Start RequestId: ") {
            assert!(open.is_none(), "nested frame at {line:?}: {lines:#?}");
            open = Some(id);
            ids.push(id.to_owned());
        } else if let Some(id) = line.strip_prefix("FC Invoke End RequestId: ") {
            assert_eq!(open, Some(id), "unmatched end {line:?}: {lines:#?}");
            open = None;
        } else {
            let id = open.unwrap_or_else(|| panic!("a line outside any frame: {line:?}"));
            let (time, rest) = line.split_once(' ').unwrap_or_else(|| panic!("{line}"));
            assert!(
                time.len() == 24 && time.ends_with('Z'),
                "not FC's format: {line}"
            );
            assert!(
                rest.starts_with(&format!("{id} [")),
                "not {id}'s line: {line}"
            );
        }
    }
    assert!(open.is_none(), "an unclosed frame: {lines:#?}");
    ids
}
