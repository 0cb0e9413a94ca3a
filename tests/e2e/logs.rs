//! Lines printed by invocations land in the logstore with FC's fields and
//! read back with `fclocal logs`.

use crate::common::Sandbox;

#[test]
fn invocation_lines_read_back_in_order_with_filters() {
    let sandbox = Sandbox::new();
    let first = sandbox
        .run(&["invoke", "hello", "-e", r#"{"name":"one"}"#])
        .expect_code(0);
    let second = sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"stderr"}"#])
        .expect_code(0);
    let (first_id, second_id) = (first.request_id(), second.request_id());

    let all = sandbox.run(&["logs"]).expect_code(0);
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 3 + 5, "{}", all.stdout);
    assert!(lines[0].ends_with(&format!("demo/hello FC Invoke Start RequestId: {first_id}")));
    assert!(lines[1].ends_with(&format!("demo/hello {first_id} [INFO] greeting one")));
    assert!(lines[2].ends_with(&format!("demo/hello FC Invoke End RequestId: {first_id}")));
    assert!(lines[4].ends_with(&format!(
        "demo/hostile {second_id} [ERROR] hostile stderr line 1"
    )));

    let by_request = sandbox.run(&["logs", "-r", &second_id]).expect_code(0);
    assert_eq!(
        by_request.stdout.lines().count(),
        5,
        "{}",
        by_request.stdout
    );
    assert!(!by_request.stdout.contains(&first_id));

    let by_function = sandbox.run(&["logs", "-f", "hello"]).expect_code(0);
    assert_eq!(
        by_function.stdout.lines().count(),
        3,
        "{}",
        by_function.stdout
    );

    let by_keyword = sandbox.run(&["logs", "-k", "GREETING ONE"]).expect_code(0);
    assert_eq!(
        by_keyword.stdout.lines().count(),
        1,
        "{}",
        by_keyword.stdout
    );

    let by_service = sandbox.run(&["logs", "-s", "other"]).expect_code(0);
    assert_eq!(by_service.stdout, "");

    let newest = sandbox.run(&["logs", "-n", "2"]).expect_code(0);
    let newest: Vec<&str> = newest.stdout.lines().collect();
    assert_eq!(newest.len(), 2);
    assert!(
        newest[1].contains("FC Invoke End"),
        "newest last: {newest:?}"
    );

    let recent = sandbox.run(&["logs", "--since", "10m"]).expect_code(0);
    assert_eq!(recent.stdout.lines().count(), 8);
    let future = sandbox
        .run(&["logs", "--since", "2999-01-01T00:00:00Z"])
        .expect_code(0);
    assert_eq!(future.stdout, "");
}

#[test]
fn records_carry_fcs_fields() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hello", "-e", r#"{"name":"json"}"#])
        .expect_code(0);
    let id = run.request_id();
    let logs = sandbox
        .run(&["logs", "--json", "-k", "greeting"])
        .expect_code(0);
    let record: serde_json::Value = serde_json::from_str(logs.stdout.trim()).unwrap();
    assert_eq!(record["__topic__"], "demo");
    assert_eq!(record["serviceName"], "demo");
    assert_eq!(record["functionName"], "hello");
    assert_eq!(record["qualifier"], "LATEST");
    assert_eq!(record["versionId"], "");
    assert_eq!(record["requestId"], id.as_str());
    assert_eq!(record["level"], "INFO");
    assert_eq!(record["message"], "greeting json");
    assert!(
        record["instanceID"]
            .as_str()
            .is_some_and(|i| i.starts_with("c-"))
    );
    let time: u64 = record["__time__"].as_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now - time < 600, "time {time} vs now {now}");
}

#[test]
fn logs_before_any_invocation_say_so() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["logs"]).expect_code(0);
    assert!(run.stderr.contains("no logs yet"), "{}", run.stderr);
}
