//! Scenario 3, validation from chaincode, on the real server: the Marbles
//! WebAssembly chaincode's `set_owner` asks the `validateTransfer` event
//! function of the template (real component, rule from its
//! `EnvironmentVariables`) during endorsement. An allowed transfer commits;
//! a denied one is a 422 carrying the function's reason and orders nothing;
//! every decision is a line in the logstore.

use serde_json::{Value, json};

use crate::common::{MarblesNetwork, Sandbox};
use crate::server::Server;

const UNITED: &str = "United Marbles";

/// `marblesFC/validateTransfer` with black marbles blocked and at most one
/// marble per owner, logging to `marbles-logs/events`.
const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  marblesFC:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: marbles-logs
        Logstore: events
    validateTransfer:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: validate-transfer.wasm
        Runtime: custom
        CodeUri: {functions}/validate-transfer
        EnvironmentVariables:
          BLOCKED_COLORS: black
          MAX_MARBLES_PER_OWNER: '1'
  marbles-logs:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: Marbles events and transfer decisions
    events:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 7
        ShardCount: 1
"#;

/// The template above and a network running only Marbles (AND of both
/// organizations, so both endorsers ask the function).
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::with_template(TEMPLATE);
    MarblesNetwork::new(10).write(&sandbox);
    sandbox
}

fn gateway(server: &Server, route: &str, function: &str, args: &[&str]) -> (u16, Value) {
    let answer = server.send(
        "POST",
        &format!("/ledger/v1/{route}"),
        &[("content-type", "application/json".into())],
        json!({"chaincode": "marbles", "function": function, "args": args})
            .to_string()
            .as_bytes(),
    );
    (answer.status, answer.json())
}

fn height(server: &Server) -> u64 {
    server.get("/ledger/v1/info").json()["height"]
        .as_u64()
        .expect("a height")
}

fn owner_of(server: &Server, marble: &str) -> String {
    let (status, body) = gateway(server, "evaluate", "read", &[marble]);
    assert_eq!(status, 200, "{body}");
    let marble: Value =
        serde_json::from_str(body["payload"].as_str().expect("a payload")).expect("JSON");
    marble["owner"]["id"].as_str().expect("an owner").to_owned()
}

#[test]
fn set_owner_asks_validate_transfer_and_a_denial_orders_nothing() {
    let sandbox = sandbox();
    let server = Server::start(&sandbox, &[]);
    server.wait_for("Ledger: channel mychannel");
    for (function, args) in [
        ("init_owner", vec!["o1", "amy", UNITED]),
        ("init_owner", vec!["o2", "bob", UNITED]),
        ("init_marble", vec!["m1", "blue", "35", "o1", UNITED]),
        ("init_marble", vec!["m2", "black", "35", "o1", UNITED]),
        ("init_marble", vec!["m3", "red", "16", "o1", UNITED]),
    ] {
        let (status, body) = gateway(&server, "submit", function, &args);
        assert_eq!(status, 200, "{function} {args:?}: {body}");
    }

    // Blue, and bob holds nothing yet: allowed.
    let (status, body) = gateway(&server, "submit", "set_owner", &["m1", "o2", UNITED]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["validationCode"], "VALID", "{body}");
    assert_eq!(owner_of(&server, "m1"), "o2");

    // Black: denied by BLOCKED_COLORS, with the function's reason verbatim.
    let before = height(&server);
    let (status, body) = gateway(&server, "submit", "set_owner", &["m2", "o2", UNITED]);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "ChaincodeError", "{body}");
    assert_eq!(
        body["message"],
        "Transfer denied by validateTransfer: marble m2 is black, and black marbles may not change hands (BLOCKED_COLORS: black)"
    );
    assert_eq!(height(&server), before, "nothing was ordered");
    assert_eq!(owner_of(&server, "m2"), "o1");

    // Red, but bob already holds one marble: denied by the limit, counted
    // by the chaincode over the committed marbles.
    let (status, body) = gateway(&server, "submit", "set_owner", &["m3", "o2", UNITED]);
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["message"],
        "Transfer denied by validateTransfer: owner bob already holds 1 marbles; the limit is 1 (MAX_MARBLES_PER_OWNER)"
    );
    assert_eq!(height(&server), before);

    // Every decision is a log line of validateTransfer.
    let run = sandbox
        .run(&[
            "logs",
            "-f",
            "validateTransfer",
            "-k",
            "transfer-decision",
            "--json",
        ])
        .expect_code(0);
    let decisions: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON record");
            assert_eq!(record["__topic__"], "marblesFC", "{record}");
            serde_json::from_str(record["message"].as_str().expect("a message"))
                .expect("a JSON decision")
        })
        .collect();
    let find = |marble: &str, allowed: bool| {
        decisions
            .iter()
            .any(|d| d["marble"] == marble && d["allowed"] == allowed)
    };
    assert!(find("m1", true), "{decisions:?}");
    assert!(find("m2", false), "{decisions:?}");
    assert!(find("m3", false), "{decisions:?}");
    assert!(
        decisions.iter().all(|d| d["kind"] == "transfer-decision"),
        "{decisions:?}"
    );
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}
