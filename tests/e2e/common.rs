//! A sandbox: a temporary directory holding a template whose CodeUris point
//! at the repository's guest crates, and a way to run `fclocal` in it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A template with every test function: `{functions}` is replaced by the
/// repository's `functions/` directory.
pub const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
    processEvent:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: echo-http.wasm
        Runtime: custom
        CodeUri: {functions}/echo-http
      Events:
        http-test:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET', 'POST']
    hostile:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
        Timeout: 1
        MemorySize: 128
        EnvironmentVariables:
          GREETING: hi
  test-log-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: test logs
    test-log-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 10
        ShardCount: 1
"#;

/// The walkthrough's two services: `processEvent` (HTTP) logs Marbles
/// events (beside `validateTransfer`, which blocks black marbles, and
/// `rewards` on the ledger's block topic), and the `analytics` function
/// summarises them hourly over a window
/// of `{window}` seconds; both log to `marbles-logs/events`. Used by the
/// analytics end-to-end test and the browser test of the real pages.
const MARBLES_TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  marblesFC:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: marbles-logs
        Logstore: events
    processEvent:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: echo-http.wasm
        Runtime: custom
        CodeUri: {functions}/echo-http
      Events:
        http-test:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    validateTransfer:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: validate-transfer.wasm
        Runtime: custom
        CodeUri: {functions}/validate-transfer
        EnvironmentVariables:
          BLOCKED_COLORS: black
    rewards:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: python3.10
        CodeUri: {functions}/rewards
      Events:
        on-block:
          Type: MNSTopic
          Properties:
            TopicName: marbles-blocks
            NotifyContentFormat: JSON
  marblesAnalytics:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: marbles-logs
        Logstore: events
    analytics:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: analytics.wasm
        Runtime: custom
        CodeUri: {functions}/analytics
        Timeout: 30
      Events:
        hourly:
          Type: Timer
          Properties:
            CronExpression: '@every 1h'
            Payload: '{"project":"marbles-logs","logstore":"events","service":"marblesFC","function":"processEvent","windowSeconds":{window}}'
  marbles-logs:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: Marbles events and their summaries
    events:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 7
        ShardCount: 1
"#;

/// [`MARBLES_TEMPLATE`] with the analytics window set.
pub fn marbles_template(window_seconds: u32) -> String {
    MARBLES_TEMPLATE.replace("{window}", &window_seconds.to_string())
}

/// util-linux's `setsid`, by absolute path: some tests run fclocal with a
/// `PATH` of their own. It puts the program in a session of its own and
/// execs it in place (same pid).
pub const SETSID: &str = "/usr/bin/setsid";

/// A directory with a template, where `fclocal` runs.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a run printed and how it ended.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }

    /// Fails the test with everything printed unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// The request id from the `FC Invoke Start` line.
    pub fn request_id(&self) -> String {
        self.stderr
            .lines()
            .find_map(|line| line.strip_prefix("FC Invoke Start RequestId: "))
            .unwrap_or_else(|| panic!("no framing in\n{}", self.stderr))
            .to_owned()
    }
}

impl Sandbox {
    /// A sandbox with the standard test template.
    pub fn new() -> Sandbox {
        Sandbox::with_template(TEMPLATE)
    }

    /// A sandbox with `template` (`{functions}` is substituted).
    pub fn with_template(template: &str) -> Sandbox {
        // Build the guests once per test process, so the builds that the
        // runs below trigger find cargo's work already done.
        for guest in fclocal_test_support::GUESTS {
            fclocal_test_support::guest(guest);
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let functions = fclocal_test_support::repo_root().join("functions");
        let text = template.replace("{functions}", &functions.display().to_string());
        std::fs::write(dir.path().join("template.yml"), text).expect("the template is written");
        Sandbox { dir }
    }

    /// The sandbox directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the sandbox.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("the file is written");
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        // In a session of its own, as a user's terminal runs it (see
        // `Server::start_with_env`): guests in its lowered-priority lane then
        // compete with its own threads only, not with other tests.
        let mut command = Command::new(SETSID);
        command
            .arg(env!("CARGO_BIN_EXE_fclocal"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FCLOCAL_TEMPLATE")
            .env_remove("FCLOCAL_DATA_DIR")
            .env_remove("RUST_BACKTRACE")
            // Language engines build once per checkout, shared by every test.
            .env(
                fclocal_builder::ENGINE_CACHE_ENV,
                fclocal_test_support::engine_cache(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `fclocal args…` with an empty stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .expect("fclocal runs");
        Run::from(output)
    }

    /// Runs `fclocal args…` with an empty stdin and `vars` set in its
    /// environment (over the defaults above).
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &std::ffi::OsStr)]) -> Run {
        let mut command = self.command(args);
        for (name, value) in vars {
            command.env(name, value);
        }
        Run::from(command.stdin(Stdio::null()).output().expect("fclocal runs"))
    }

    /// Runs `fclocal args…` with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("fclocal runs");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input)
            .expect("the event is written");
        Run::from(child.wait_with_output().expect("fclocal finishes"))
    }
}

/// A sandbox's `chaincode/network.yml`: the prebuilt Marbles chaincode (so
/// the server does not rebuild it) endorsed by two organizations (AND),
/// blocks cut at `max_message_count` transactions or after 50 ms.
pub struct MarblesNetwork {
    max_message_count: u32,
    hostile: bool,
    block_topic: bool,
}

impl MarblesNetwork {
    /// Marbles alone.
    pub fn new(max_message_count: u32) -> MarblesNetwork {
        MarblesNetwork {
            max_message_count,
            hostile: false,
            block_topic: false,
        }
    }

    /// Also the hostile test chaincode (`call` reaches functions), OR policy.
    pub fn with_hostile(mut self) -> MarblesNetwork {
        self.hostile = true;
        self
    }

    /// Committed blocks published to the `marbles-blocks` topic.
    pub fn with_block_topic(mut self) -> MarblesNetwork {
        self.block_topic = true;
        self
    }

    /// Writes the file into `sandbox`.
    pub fn write(&self, sandbox: &Sandbox) {
        let dir_of = |name: &str, component: &str| {
            let path = fclocal_test_support::chaincode(name, component);
            path.parent().expect("a dir").display().to_string()
        };
        let mut yaml = format!(
            "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: {}
    Handler: marbles.wasm
    EndorsementPolicy: \"AND('Org1MSP.peer', 'Org2MSP.peer')\"
",
            dir_of("marbles", "marbles.wasm")
        );
        if self.hostile {
            yaml.push_str(&format!(
                "  hostile:
    CodeUri: {}
    Handler: hostile_chaincode.wasm
    EndorsementPolicy: \"OR('Org1MSP.peer', 'Org2MSP.peer')\"
",
                dir_of("hostile", "hostile_chaincode.wasm")
            ));
        }
        yaml.push_str(&format!(
            "Orderer:\n  BatchTimeout: 50ms\n  MaxMessageCount: {}\n",
            self.max_message_count
        ));
        if self.block_topic {
            yaml.push_str("EventTopics:\n  marbles-blocks:\n    Source: blocks\n");
        }
        std::fs::create_dir_all(sandbox.path().join("chaincode")).expect("a chaincode dir");
        sandbox.file("chaincode/network.yml", yaml.as_bytes());
    }
}
