//! A page on another origin, in a real Chromium, tries what issue 11 found
//! any web page could do to a running `fclocal start`: post a transaction to
//! the ledger API as `text/plain` (a "simple" request, sent without a CORS
//! preflight) and open the Marbles websocket. Both must fail, and the ledger
//! must not change. The other origin is a tiny second listener in this test
//! (another port on 127.0.0.1: another origin, as a second local dev server
//! would be).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use serde_json::json;

use crate::common::{MarblesNetwork, Sandbox};
use crate::harness::Browser;
use crate::run_browser_test;
use crate::server::Server;

/// The attacking page: `TARGET` is the fclocal server's base URL.
const PAGE: &str = r#"<!doctype html>
<title>evil</title>
<script>
  const target = 'TARGET';
  const body = JSON.stringify({chaincode: 'marbles', function: 'init_owner', args: ['o-evil', 'Mallory', 'United Marbles']});
  window.results = {};
  // Fire and forget, as a CSRF page does: the answer is opaque to it anyway.
  fetch(target + '/ledger/v1/submit', {method: 'POST', mode: 'no-cors', headers: {'content-type': 'text/plain'}, body})
    .then(() => { window.results.noCors = 'sent'; }, (e) => { window.results.noCors = 'failed: ' + e; });
  fetch(target + '/ledger/v1/submit', {method: 'POST', headers: {'content-type': 'text/plain'}, body})
    .then((r) => { window.results.cors = 'answered ' + r.status; }, (e) => { window.results.cors = 'failed: ' + e; });
  const socket = new WebSocket(target.replace('http', 'ws') + '/ws');
  socket.onopen = () => { window.results.socket = 'open'; };
  socket.onmessage = (m) => { window.results.socketMessage = String(m.data).slice(0, 80); };
  socket.onerror = () => { window.results.socket = window.results.socket || 'refused'; };
  socket.onclose = () => { window.results.socket = window.results.socket || 'refused'; };
</script>
"#;

/// Serves `page` to every request on a fresh loopback port; the page's origin.
fn serve_page(page: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a second listener");
    let origin = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    origin
}

/// Everything on the ledger (the Marbles app seeds owners of its own as it
/// starts, so the height alone says nothing).
fn everything(server: &Server) -> String {
    let answer = server.send(
        "POST",
        "/ledger/v1/evaluate",
        &[("content-type", "application/json".into())],
        json!({"chaincode": "marbles", "function": "read_everything", "args": []})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.text()
}

#[test]
fn a_page_on_another_origin_cannot_write_the_ledger_or_open_the_websocket() {
    let sandbox = Sandbox::new();
    MarblesNetwork::new(10).write(&sandbox);
    let server = Server::start(&sandbox, &["--no-watch"]);
    assert!(!everything(&server).contains("Mallory"));
    let evil = serve_page(PAGE.replace("TARGET", &server.base));

    run_browser_test(async {
        let browser = Browser::start().await;
        browser.goto(&format!("{evil}/")).await;
        let results = browser
            .wait_until(
                "both posts and the websocket to settle",
                "window.results.noCors && window.results.cors && window.results.socket && window.results",
            )
            .await;
        browser.close().await;
        // The server answered both posts (403, unreadable to the page)...
        assert_eq!(results["noCors"], json!("sent"), "{results}");
        assert!(
            results["cors"]
                .as_str()
                .is_some_and(|r| r.starts_with("failed")),
            "{results}"
        );
        // ...and refused the websocket handshake.
        assert_eq!(results["socket"], json!("refused"), "{results}");
    });
    // Every request has been answered: nothing reached the ledger.
    let after = everything(&server);
    assert!(
        !after.contains("Mallory") && !after.contains("o-evil"),
        "a page on {evil} committed a transaction: {after}"
    );
}
