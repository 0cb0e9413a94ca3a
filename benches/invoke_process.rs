//! `fclocal invoke hello` as a whole process with a warm compile cache:
//! process start, template parse, freshness check, logstore open, engine
//! start, cached component load, instantiate, call, durable log flush, exit.
//!
//! Run: `cargo bench --bench invoke_process` (uses the release binary).
//! Target: ≤ 50 ms wall. For comparison, `fun local invoke` starts a Docker
//! container and takes seconds.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 40;

fn main() {
    let hello = fclocal_test_support::guest("hello");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let functions = fclocal_test_support::repo_root().join("functions");
    std::fs::write(
        dir.path().join("template.yml"),
        format!(
            "ROSTemplateFormatVersion: '2015-09-01'\nTransform: 'Aliyun::Serverless-2018-04-03'\nResources:\n  svc:\n    Type: 'Aliyun::Serverless::Service'\n    hello:\n      Type: 'Aliyun::Serverless::Function'\n      Properties:\n        Handler: hello.wasm\n        Runtime: custom\n        CodeUri: {}\n",
            functions.join("hello").display()
        ),
    )
    .expect("template");
    let invoke = || {
        let status = Command::new(env!("CARGO_BIN_EXE_fclocal"))
            .args(["invoke", "hello", "-e", r#"{"name":"bench"}"#])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("fclocal runs");
        assert!(status.success());
    };
    // First run builds the record and fills the compile cache.
    invoke();
    invoke();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            invoke();
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = times.iter().sum::<Duration>() / RUNS as u32;
    println!(
        "fclocal invoke hello (whole process, warm cache, {} KB component): median {:.1} ms, mean {:.1} ms, min {:.1} ms, max {:.1} ms over {RUNS} runs",
        std::fs::metadata(&hello)
            .map(|m| m.len() / 1024)
            .unwrap_or(0),
        ms(times[RUNS / 2]),
        ms(mean),
        ms(times[0]),
        ms(times[RUNS - 1]),
    );
}
