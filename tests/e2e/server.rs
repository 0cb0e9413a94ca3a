//! A running `fclocal start` for tests: spawned on port 0, its address read
//! from the banner it prints, its status lines readable as they appear, and
//! a real HTTP client (ureq) to talk to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use crate::common::Sandbox;

/// How long a test waits for an expected status line before failing. It
/// bounds a wait on an event; nothing waits for time to pass.
const PATIENCE: Duration = Duration::from_secs(60);

/// How long a test waits for the server to start listening: startup builds
/// the template's function crates, which on a cold machine (a fresh CI
/// clone, other tests building guests in the shared target dir) can take
/// minutes. Still a wait on an event; a server that exits fails at once.
const STARTUP_PATIENCE: Duration = Duration::from_secs(600);

/// A running server.
pub struct Server {
    child: Child,
    lines: Mutex<Receiver<String>>,
    /// Everything printed so far, for failure messages.
    seen: Mutex<Vec<String>>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The AccessKey pair from the banner.
    pub credentials: fclocal_server::Credentials,
    agent: ureq::Agent,
    /// Where the server's stderr (build progress, diagnostics) goes.
    stderr_path: std::path::PathBuf,
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

impl Server {
    /// Starts `fclocal start --port 0 args…` in `sandbox` and waits for the banner.
    pub fn start(sandbox: &Sandbox, args: &[&str]) -> Server {
        Server::start_with_env(sandbox, args, &[])
    }

    /// [`Server::start`] with extra environment variables for the child.
    pub fn start_with_env(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(sandbox, 0, args, env)
    }

    /// [`Server::start`] on a given port: a server restarted where a client
    /// (e.g. a log forwarder) expects it. The port was this sandbox's
    /// previous server's, freed when it exited.
    pub fn start_on_port(sandbox: &Sandbox, port: u16, args: &[&str]) -> Server {
        Server::spawn(sandbox, port, args, &[])
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.base))
    }

    fn spawn(sandbox: &Sandbox, port: u16, args: &[&str], env: &[(&str, &str)]) -> Server {
        // In a session of its own, as when a user starts it in a terminal:
        // Linux's autogroup scheduling then shares the CPU fairly between
        // this server and the other tests' processes, and the server's
        // lowered-priority guest threads (the background lane) compete only
        // with its own workers. `setsid` (util-linux) execs in place, so the
        // child's pid is the server's.
        let stderr_path = sandbox.path().join("fclocal-start.stderr");
        let mut child = Command::new(crate::common::SETSID)
            .arg(env!("CARGO_BIN_EXE_fclocal"))
            .args(["start", "--port", &port.to_string()])
            .args(args)
            .current_dir(sandbox.path())
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
            .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
            .env_remove("FCLOCAL_PORT")
            // Log forwarding only where a test asks for it.
            .env_remove("FCLOCAL_FORWARD_LOGS")
            .env_remove("FCLOCAL_FORWARD_ACCESS_KEY_ID")
            .env_remove("FCLOCAL_FORWARD_ACCESS_KEY_SECRET")
            .env_remove("FCLOCAL_FORWARD_SECURITY_TOKEN")
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
            // Later calls win: the test's own variables override the removals.
            .env_remove("FCLOCAL_MARBLES_EVENT_URL")
            // Language engines build once per checkout, shared by every test.
            .env(
                fclocal_builder::ENGINE_CACHE_ENV,
                fclocal_test_support::engine_cache(),
            )
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Build progress and diagnostics; kept beside the sandbox's template.
            .stderr(std::fs::File::create(&stderr_path).expect("a log file"))
            .spawn()
            .expect("fclocal start runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        let mut server = Server {
            child,
            lines: Mutex::new(lines),
            seen: Mutex::new(Vec::new()),
            base: String::new(),
            credentials: fclocal_server::Credentials {
                access_key_id: String::new(),
                access_key_secret: String::new(),
            },
            agent,
            stderr_path,
        };
        let first = server.wait_within("fclocal listening on ", STARTUP_PATIENCE);
        server.base = first["fclocal listening on ".len()..].to_owned();
        server.wait_for("function compute app listening on port");
        if let Some(line) = server
            .printed()
            .iter()
            .find(|line| line.starts_with("Credentials for"))
        {
            let id = line
                .split("AccessKeyId ")
                .nth(1)
                .and_then(|r| r.split(',').next());
            let secret = line.split("AccessKeySecret ").nth(1);
            server.credentials = fclocal_server::Credentials {
                access_key_id: id.unwrap_or_default().to_owned(),
                access_key_secret: secret.unwrap_or_default().to_owned(),
            };
        }
        server
    }

    /// Waits for a status line containing `needle`; returns it.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_within(needle, PATIENCE)
    }

    /// [`Server::wait_for`] with its own patience.
    fn wait_within(&self, needle: &str, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        let lines = self.lines.lock().unwrap();
        let mut seen = self.seen.lock().unwrap();
        loop {
            if let Some(line) = seen.iter().find(|line| line.contains(needle)) {
                return line.clone();
            }
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "fclocal never printed {needle:?}; it printed:\n{}\n--- its stderr:\n{}",
                    seen.join("\n"),
                    std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
                ),
            }
        }
    }

    /// Every status line printed so far (after draining what is pending).
    pub fn printed(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        let mut seen = self.seen.lock().unwrap();
        while let Ok(line) = lines.try_recv() {
            seen.push(line);
        }
        seen.clone()
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Answer {
        let mut request = http::Request::builder().method(method).uri(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(body.to_vec()).expect("a valid request");
        let mut response = self.agent.run(request).expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .expect("the body reads");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], b"")
    }

    /// Headers for a request signed with the server's credentials.
    pub fn signed(
        &self,
        method: &str,
        path: &str,
        queries: Option<&[(String, String)]>,
        mut headers: Vec<(&'static str, String)>,
        date: SystemTime,
    ) -> Vec<(&'static str, String)> {
        headers.push(("date", httpdate::fmt_http_date(date)));
        let mut map = http::HeaderMap::new();
        for (name, value) in &headers {
            map.insert(*name, value.parse().expect("a header value"));
        }
        let path_only = path.split('?').next().unwrap_or(path);
        let text = fclocal_server::signature::string_to_sign(method, path_only, &map, queries);
        headers.push((
            "authorization",
            fclocal_server::signature::authorization(&self.credentials, &text),
        ));
        headers
    }

    /// Sends SIGTERM and waits for the exit code, draining the output.
    pub fn terminate(mut self) -> (Option<i32>, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let code = self.child.wait().expect("fclocal exits").code();
        let lines = self.lines.lock().unwrap();
        let mut seen = self.seen.lock().unwrap();
        // The child has exited: the reader ends and the channel disconnects.
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
            seen.push(line);
        }
        (code, seen.clone())
    }
}

impl Server {
    /// Kills the server with SIGKILL (no shutdown, no flush) and waits for it.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL is sent");
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
