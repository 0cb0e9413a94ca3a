//! MNS topics inside `fclocal start`: the ledger publishes every committed
//! block to `marbles-blocks`, whose MNSTopic trigger runs `rewards`; its grant
//! lines land in the logstore and the points query sums them. Publishing by
//! hand reaches the same function, failures are counted, and an unknown topic
//! is a 404 naming the known ones.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::common::{MarblesNetwork, Sandbox};
use crate::server::{Answer, Server};

const UNITED: &str = "United Marbles";

/// The query the README documents: points per owner.
const POINTS_QUERY: &str = "functionName:rewards and message.kind:reward | select json_extract_scalar(message, '$.owner') as owner, sum(cast(json_extract_scalar(message, '$.points') as bigint)) as points group by owner order by points desc";

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  marblesRewards:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    rewards:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: python3.10
        CodeUri: {functions}/rewards
        EnvironmentVariables:
          POINTS_PER_TRANSFER: '10'
      Events:
        on-block:
          Type: MNSTopic
          Properties:
            TopicName: marbles-blocks
            NotifyContentFormat: JSON
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

/// The rewards template beside a network running Marbles whose blocks feed
/// `marbles-blocks`.
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::with_template(TEMPLATE);
    MarblesNetwork::new(10).with_block_topic().write(&sandbox);
    sandbox
}

/// Submits a Marbles transaction; returns its tx id and block number.
fn submit(server: &Server, function: &str, args: &[&str]) -> (String, u64) {
    let answer = server.send(
        "POST",
        "/ledger/v1/submit",
        &[("content-type", "application/json".into())],
        json!({"chaincode": "marbles", "function": function, "args": args})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(answer.status, 200, "{function}: {}", answer.text());
    let body = answer.json();
    assert_eq!(body["validationCode"], "VALID", "{body}");
    (
        body["txId"].as_str().expect("a txId").to_owned(),
        body["blockNumber"].as_u64().expect("a blockNumber"),
    )
}

/// GetLogs (v1) on the rewards' logstore over the last hour.
fn get_logs(server: &Server, query: &str) -> Vec<Value> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let query = form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>();
    let answer = server.send(
        "GET",
        &format!(
            "/logstores/test-log-store?type=log&from={}&to={}&query={query}",
            now - 3600,
            now + 60
        ),
        &[("x-log-project", "test-log-project".to_owned())],
        b"",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json().as_array().expect("a JSON array").clone()
}

fn publish(server: &Server, topic: &str, tag: Option<&str>, body: &str) -> Answer {
    let headers: Vec<(&str, String)> = tag
        .map(|tag| vec![("x-mns-message-tag", tag.to_owned())])
        .unwrap_or_default();
    server.send(
        "POST",
        &format!("/fclocal/topics/{topic}/messages"),
        &headers,
        body.as_bytes(),
    )
}

#[test]
fn committed_transfers_earn_points_through_the_block_topic() {
    let sandbox = sandbox();
    let server = Server::start(&sandbox, &[]);
    server.wait_for("MNSTopic on-block of marblesRewards/rewards was registered");

    // set_owner asks marblesFC/validateTransfer unless validation is off; this
    // template is about rewards only.
    submit(&server, "set_validation", &["off"]);
    submit(&server, "init_owner", &["o1", "Alice", UNITED]);
    submit(&server, "init_owner", &["o2", "Bob", UNITED]);
    submit(&server, "init_marble", &["m1", "blue", "35", "o1", UNITED]);
    submit(&server, "init_marble", &["m2", "red", "50", "o1", UNITED]);
    let (first_tx, _) = submit(&server, "set_owner", &["m1", "o2", UNITED]);
    let (_, last_block) = submit(&server, "set_owner", &["m2", "o2", UNITED]);

    // Blocks are delivered in order and a delivery's log lines are stored
    // before it is reported, so after this line every grant is queryable.
    server.wait_for(&format!(
        "Topic marbles-blocks block {last_block} delivered to marblesRewards/rewards"
    ));
    let rows = get_logs(&server, "functionName:rewards and message.kind:reward");
    let grant: Value = rows
        .iter()
        .map(|row| serde_json::from_str(row["message"].as_str().expect("a message")).unwrap())
        .find(|grant: &Value| grant["txId"] == first_tx.as_str())
        .unwrap_or_else(|| panic!("no reward line for {first_tx} in {rows:?}"));
    assert_eq!(grant["owner"], "o2");
    assert_eq!(grant["points"], 10);
    assert_eq!(grant["marble"], "m1");
    assert_eq!(rows.len(), 2, "one grant per transfer: {rows:?}");

    let totals = get_logs(&server, POINTS_QUERY);
    assert_eq!(totals.len(), 1, "{totals:?}");
    assert_eq!(totals[0]["owner"], "o2");
    assert_eq!(
        totals[0]["points"], "20",
        "SLS returns SQL values as strings"
    );

    let stats = server.get("/fclocal/topics").json();
    let subscription = &stats["topics"][0]["subscriptions"][0];
    assert_eq!(stats["topics"][0]["name"], "marbles-blocks", "{stats}");
    assert_eq!(
        subscription["function"], "marblesRewards/rewards",
        "{stats}"
    );
    assert_eq!(subscription["failed"], 0, "{stats}");
    assert!(subscription["delivered"].as_u64().unwrap() >= 6, "{stats}");
}

#[test]
fn messages_published_by_hand_reach_the_function_and_failures_are_counted() {
    let sandbox = sandbox();
    let server = Server::start(&sandbox, &[]);
    server.wait_for("MNSTopic on-block of marblesRewards/rewards was registered");

    let block = json!({
        "channel": "mychannel", "blockNumber": 9999, "blockHash": "00", "txs": [{
            "txId": "by-hand-1", "chaincode": "marbles", "function": "set_owner",
            "args": ["m9", "o9", UNITED], "creator": "Org1MSP",
            "validationCode": "VALID", "validationCodeNumber": 0, "event": null
        }]
    });
    let answer = publish(&server, "marbles-blocks", Some("demo"), &block.to_string());
    assert_eq!(answer.status, 201, "{}", answer.text());
    let published = answer.json();
    assert_eq!(published["queuedFor"], 1);
    let id = published["MessageId"]
        .as_str()
        .expect("a MessageId")
        .to_owned();
    server.wait_for(&format!(
        "delivered to marblesRewards/rewards (MessageId: {id}"
    ));
    let rows = get_logs(
        &server,
        "functionName:rewards and message.kind:reward and by-hand-1",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap()
            .contains(r#""owner":"o9""#),
        "{rows:?}"
    );

    // Not a block summary: the function (Python) raises, the failure is
    // counted, reported and recorded in the function's logstore.
    let answer = publish(&server, "marbles-blocks", None, "not a block");
    assert_eq!(answer.status, 201, "{}", answer.text());
    let id = answer.json()["MessageId"].as_str().unwrap().to_owned();
    let line = server.wait_for(&format!(
        "failed in marblesRewards/rewards (MessageId: {id}"
    ));
    assert!(line.contains("UnhandledInvocationError"), "{line}");
    assert!(line.contains("not a block summary"), "{line}");
    let stats = server.get("/fclocal/topics").json();
    let subscription = &stats["topics"][0]["subscriptions"][0];
    assert_eq!(subscription["failed"], 1, "{stats}");
    let recorded = get_logs(
        &server,
        &format!("functionName:rewards and level:ERROR and {id}"),
    );
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["level"], "ERROR");
    let message = recorded[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("FC MNSTopic trigger on-block of marblesRewards/rewards"),
        "{message}"
    );

    let answer = publish(&server, "marbles-blokcs", None, "x");
    assert_eq!(answer.status, 404, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["error"], "TopicNotExist");
    assert_eq!(body["knownTopics"], json!(["marbles-blocks"]));
    assert!(
        body["message"].as_str().unwrap().contains("marbles-blokcs"),
        "{body}"
    );
}

#[test]
fn validate_warns_about_topics_nobody_declares() {
    let sandbox = sandbox();
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    let typo = TEMPLATE.replace("TopicName: marbles-blocks", "TopicName: marbles-blokcs");
    std::fs::write(
        sandbox.path().join("template.yml"),
        typo.replace(
            "{functions}",
            &fclocal_test_support::repo_root()
                .join("functions")
                .display()
                .to_string(),
        ),
    )
    .expect("the template is written");
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert!(
        run.stderr.contains(
            "warning: function `marblesRewards/rewards` trigger `on-block`: MNSTopic TopicName `marbles-blokcs` is declared neither"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("declared: marbles-blocks"),
        "{}",
        run.stderr
    );
}
