//! `fclocal logs --query`: SLS queries from the command line, SQL results as
//! aligned tables or JSON rows, parse errors pointing at their place, and
//! `--tail` following new lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::Sandbox;

fn invoke_some(sandbox: &Sandbox) {
    for name in ["ann", "bob"] {
        sandbox
            .run(&["invoke", "hello", "-e", &format!(r#"{{"name":"{name}"}}"#)])
            .expect_code(0);
    }
    sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"stderr"}"#])
        .expect_code(0);
}

#[test]
fn sql_results_print_as_an_aligned_table_or_json_rows() {
    let sandbox = Sandbox::new();
    invoke_some(&sandbox);
    let table = sandbox
        .run(&[
            "logs",
            "-q",
            "* | select functionName, count(*) as c group by functionName order by c desc",
        ])
        .expect_code(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert_eq!(lines[0], "functionName  c");
    assert_eq!(lines[1], "------------  -");
    assert_eq!(lines[2], "hello         6");
    assert_eq!(lines[3], "hostile       5");

    let json = sandbox
        .run(&[
            "logs",
            "--json",
            "-q",
            "functionName:hello and greeting | select count(*) as greetings",
        ])
        .expect_code(0);
    assert_eq!(json.stdout.trim(), r#"{"greetings":"2"}"#);

    let search = sandbox
        .run(&["logs", "-q", "greeting and (ann or nobody)"])
        .expect_code(0);
    assert_eq!(search.stdout.lines().count(), 1, "{}", search.stdout);
    assert!(search.stdout.contains("greeting ann"), "{}", search.stdout);
}

#[test]
fn a_malformed_query_points_at_its_column() {
    let sandbox = Sandbox::new();
    invoke_some(&sandbox);
    let run = sandbox
        .run(&["logs", "-q", "functionName:(hello"])
        .expect_code(1);
    assert!(
        run.stderr.contains("the query does not parse"),
        "{}",
        run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    let query_line = lines
        .iter()
        .position(|line| line.trim_start() == "functionName:(hello")
        .unwrap_or_else(|| panic!("the query is echoed: {}", run.stderr));
    assert!(
        lines[query_line + 1].trim_end().ends_with('^'),
        "{}",
        run.stderr
    );

    let unknown = sandbox
        .run(&["logs", "-q", "* | select no_such_function(1)"])
        .expect_code(1);
    assert!(
        unknown.stderr.contains("no_such_function"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn tail_prints_lines_as_they_are_written() {
    let sandbox = Sandbox::new();
    invoke_some(&sandbox);
    let mut tail = Command::new(env!("CARGO_BIN_EXE_fclocal"))
        .args(["logs", "--tail", "-f", "hello", "-n", "1"])
        .current_dir(sandbox.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("fclocal logs --tail starts");
    let stdout = tail.stdout.take().expect("piped stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    // The backlog first: the newest matching line.
    let first = received
        .recv_timeout(Duration::from_secs(60))
        .expect("the backlog line");
    assert!(first.contains("FC Invoke End"), "{first}");

    sandbox
        .run(&["invoke", "hello", "-e", r#"{"name":"tailed"}"#])
        .expect_code(0);
    let mut followed = Vec::new();
    while followed.len() < 3 {
        followed.push(
            received
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("tail printed only {followed:?}")),
        );
    }
    assert!(followed[0].contains("FC Invoke Start"), "{followed:?}");
    assert!(followed[1].contains("greeting tailed"), "{followed:?}");
    assert!(followed[2].contains("FC Invoke End"), "{followed:?}");
    let _ = tail.kill();
    let _ = tail.wait();
}
