//! The ledger inside `fclocal start`: the network file beside the template,
//! the Marbles WebAssembly chaincode endorsed by two organizations, the
//! `fclocal ledger` commands against the running server, chaincode calling a
//! function, tamper detection, and a kill -9 under load that loses no block
//! reported committed.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::{MarblesNetwork, Run, Sandbox};
use crate::server::Server;

const UNITED: &str = "United Marbles";

/// A sandbox with the standard template and `chaincode/network.yml` running
/// Marbles (AND of both organizations) and the hostile test chaincode.
fn ledger_sandbox(max_message_count: u32) -> Sandbox {
    let sandbox = Sandbox::new();
    MarblesNetwork::new(max_message_count)
        .with_hostile()
        .write(&sandbox);
    sandbox
}

fn ledger(sandbox: &Sandbox, server: &Server, args: &[&str]) -> Run {
    let mut all = vec!["ledger", "--url", server.base.as_str()];
    all.extend_from_slice(args);
    sandbox.run(&all)
}

fn submit(server: &Server, function: &str, args: &[&str]) -> (u16, Value) {
    let answer = server.send(
        "POST",
        "/ledger/v1/submit",
        &[("content-type", "application/json".into())],
        json!({"chaincode": "marbles", "function": function, "args": args})
            .to_string()
            .as_bytes(),
    );
    (answer.status, answer.json())
}

#[test]
fn ledger_commands_drive_marbles_on_the_running_server() {
    let sandbox = ledger_sandbox(10);
    let server = Server::start(&sandbox, &["--no-marbles"]);
    let banner = server.wait_for("Ledger: channel mychannel");
    assert!(
        banner.contains("2 chaincodes (marbles, hostile)"),
        "{banner}"
    );

    let run = ledger(
        &sandbox,
        &server,
        &["invoke", "marbles", "init_owner", "o1", "Alice", UNITED],
    )
    .expect_code(0);
    assert!(
        run.stderr.contains("committed in block 1: VALID"),
        "{}",
        run.stderr
    );
    // The chaincode's own error text, and nothing ordered.
    let run = ledger(
        &sandbox,
        &server,
        &["invoke", "marbles", "init_owner", "o1", "Alice", UNITED],
    )
    .expect_code(1);
    assert!(
        run.stderr.contains("This owner already exists - o1"),
        "{}",
        run.stderr
    );
    ledger(
        &sandbox,
        &server,
        &[
            "invoke",
            "marbles",
            "init_marble",
            "m1",
            "Blue",
            "35",
            "o1",
            UNITED,
        ],
    )
    .expect_code(0);
    let run = ledger(&sandbox, &server, &["query", "marbles", "read", "m1"]).expect_code(0);
    let marble: Value = serde_json::from_str(run.stdout.trim()).expect("the marble is JSON");
    assert_eq!(marble["color"], "blue");
    assert_eq!(marble["owner"]["username"], "alice");
    let run = ledger(&sandbox, &server, &["invoke", "marbles", "nope"]).expect_code(1);
    assert!(
        run.stderr
            .contains("Received unknown invoke function name - 'nope'"),
        "{}",
        run.stderr
    );

    let run = ledger(&sandbox, &server, &["blocks"]).expect_code(0);
    assert!(
        run.stdout.contains("marbles.init_owner VALID"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("marbles.init_marble VALID"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("height 3"), "{}", run.stdout);
    let run = ledger(&sandbox, &server, &["block", "2"]).expect_code(0);
    assert!(
        run.stdout
            .contains("marbles.init_marble(\"m1\", \"Blue\", \"35\", \"o1\", \"United Marbles\")"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("endorsers  Org1MSP, Org2MSP"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("write      m1 = "), "{}", run.stdout);
    let run = ledger(&sandbox, &server, &["block", "9"]).expect_code(1);
    assert!(
        run.stderr.contains("block 9 does not exist"),
        "{}",
        run.stderr
    );

    // Chaincode calls a function of template.yml through the server's pools.
    let run = ledger(
        &sandbox,
        &server,
        &[
            "query",
            "hostile",
            "call",
            "demo",
            "hello",
            r#"{"name":"ledger"}"#,
        ],
    )
    .expect_code(0);
    assert_eq!(run.stdout.trim(), "Hello, ledger!");
    let run = ledger(
        &sandbox,
        &server,
        &["query", "hostile", "call", "demo", "missing", "{}"],
    )
    .expect_code(1);
    assert!(
        run.stderr
            .contains("function demo/missing is not in template.yml"),
        "{}",
        run.stderr
    );

    // The server holds the database, so verify asks it.
    let run = ledger(&sandbox, &server, &["verify"]).expect_code(0);
    assert!(
        run.stdout
            .contains("Ledger verified (by the running server): 3 blocks"),
        "{}",
        run.stdout
    );
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));

    // Offline, then after tampering with one stored byte.
    let run = sandbox.run(&["ledger", "verify"]).expect_code(0);
    assert!(
        run.stdout
            .contains("Ledger verified: 3 blocks, 2 transactions (2 valid, replayed)"),
        "{}",
        run.stdout
    );
    let db = sandbox.path().join(".fclocal/ledger/ledger.redb");
    let mut bytes = std::fs::read(&db).expect("the ledger file");
    let at = bytes
        .windows(2)
        .position(|w| w == b"m1")
        .expect("the marble id is stored");
    bytes[at + 1] = b'9';
    std::fs::write(&db, bytes).expect("the ledger file is rewritten");
    // Block 2 holds `m1` (in its transaction, and as the writer of the
    // state key): whichever copy was hit, that block is named.
    let run = sandbox.run(&["ledger", "verify"]).expect_code(1);
    assert!(
        run.stderr.contains("Ledger verification FAILED: block 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn kill_9_under_load_loses_no_committed_block() {
    let sandbox = ledger_sandbox(50);
    let server = Server::start(&sandbox, &["--no-marbles"]);
    server.wait_for("Ledger: channel mychannel");
    assert_eq!(
        submit(&server, "init_owner", &["o1", "Alice", UNITED]).0,
        200
    );

    // Four clients create marbles until the server dies; every transaction
    // the server reported committed is remembered.
    let committed: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (enough_tx, enough) = std::sync::mpsc::channel::<()>();
    let base = server.base.clone();
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let committed = committed.clone();
            let enough_tx = enough_tx.clone();
            let base = base.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                for n in 0.. {
                    let id = format!("m{client}x{n}");
                    let body = json!({"chaincode": "marbles", "function": "init_marble",
                        "args": [id, "red", "16", "o1", UNITED]});
                    let Ok(mut response) = agent
                        .post(&format!("{base}/ledger/v1/submit"))
                        .header("content-type", "application/json")
                        .send(body.to_string().as_bytes())
                    else {
                        return; // the server is gone
                    };
                    let Ok(text) = response.body_mut().read_to_string() else {
                        return;
                    };
                    if response.status() == 200 {
                        let answer: Value = serde_json::from_str(&text).expect("JSON");
                        let mut committed = committed.lock().unwrap();
                        committed.push((answer["txId"].as_str().unwrap().to_owned(), id));
                        if committed.len() >= 60 {
                            let _ = enough_tx.send(());
                        }
                    }
                }
            })
        })
        .collect();
    enough.recv().expect("the clients commit transactions");
    server.kill9();
    for client in clients {
        client.join().expect("a client thread");
    }
    let committed = committed.lock().unwrap().clone();
    assert!(committed.len() >= 60);

    let server = Server::start(&sandbox, &["--no-marbles"]);
    server.wait_for("Ledger: channel mychannel");
    for (tx_id, marble) in &committed {
        let status = server.get(&format!("/ledger/v1/transactions/{tx_id}"));
        assert_eq!(
            status.status,
            200,
            "{tx_id} was reported committed: {}",
            status.text()
        );
        assert_eq!(status.json()["validationCode"], "VALID");
        let read = server.send(
            "POST",
            "/ledger/v1/evaluate",
            &[("content-type", "application/json".into())],
            json!({"chaincode": "marbles", "function": "read", "args": [marble]})
                .to_string()
                .as_bytes(),
        );
        assert!(
            read.json()["payload"]
                .as_str()
                .unwrap()
                .contains(marble.as_str())
        );
    }
    // The restarted ledger keeps working, and the whole chain verifies.
    assert_eq!(submit(&server, "init_owner", &["o2", "Bob", UNITED]).0, 200);
    let verify = server.get("/ledger/v1/verify");
    assert_eq!(verify.status, 200, "{}", verify.text());
    assert_eq!(verify.json()["ok"], true);
}

#[test]
fn validate_checks_the_network_file() {
    let sandbox = ledger_sandbox(10);
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert!(
        run.stdout
            .contains("chaincode/network.yml is valid: channel mychannel: 2 organizations"),
        "{}",
        run.stdout
    );
    sandbox.file(
        "chaincode/network.yml",
        b"Channel: mychannel\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\nChaincodes:\n  marbles:\n    CodeUri: ./nowhere\n    EndorsementPolicy: \"AND('Org1MSP.peer', 'Org9MSP.peer')\"\n",
    );
    let run = sandbox.run(&["validate"]).expect_code(1);
    assert!(
        run.stderr.contains("network.yml:8:") && run.stderr.contains("Org9MSP"),
        "{}",
        run.stderr
    );
    sandbox.file(
        "chaincode/network.yml",
        b"Channel: mychannel\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\nChaincodes:\n  marbles:\n    CodeUri: ./nowhere\n    EndorsementPolicy: \"'Org1MSP.peer'\"\n",
    );
    let run = sandbox.run(&["validate"]).expect_code(1);
    assert!(
        run.stderr
            .contains("chaincode `marbles` has CodeUri `./nowhere`, which holds neither a Cargo crate nor the component `nowhere.wasm`"),
        "{}",
        run.stderr
    );
}
