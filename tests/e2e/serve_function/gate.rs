//! A gate for the hostile guest's `hold` action: an HTTP server on
//! 127.0.0.1 that answers no request until a given number wait at it at
//! once, then all of them, and every later one at once. Invocations held
//! at it are in flight together for certain, and reaching that number
//! proves that many ran on separate instances (an instance runs one call
//! at a time). Nothing here waits for time to pass.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};

use super::harness::PATIENCE;

/// The gate; its URL goes in the `hold` event.
pub(super) struct Gate {
    url: String,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// How many must wait at once before the gate opens.
    opens_at: usize,
}

#[derive(Default)]
struct State {
    arrived: usize,
    open: bool,
}

impl Gate {
    /// A gate that opens once `opens_at` requests wait at it.
    pub(super) fn opening_at(opens_at: usize) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the gate binds");
        let url = format!("http://{}/", listener.local_addr().expect("its address"));
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            opens_at,
        });
        let accepting = shared.clone();
        // Lives as long as the test process: it only ever blocks in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let shared = accepting.clone();
                std::thread::spawn(move || shared.hold(stream));
            }
        });
        Gate { url, shared }
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// Waits until `count` requests have reached the gate in all.
    pub(super) fn wait_arrived(&self, count: usize) {
        let state = self.shared.state.lock().unwrap();
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, PATIENCE, |state| state.arrived < count)
            .unwrap();
        assert!(
            state.arrived >= count,
            "{} of {count} requests reached the gate",
            state.arrived
        );
    }

    /// How many requests reached it.
    pub(super) fn arrived(&self) -> usize {
        self.shared.state.lock().unwrap().arrived
    }
}

impl Drop for Gate {
    /// Lets anything still held go, so no invocation outlives the test.
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().open = true;
        self.shared.changed.notify_all();
    }
}

impl Shared {
    /// Reads a request's head, waits until the gate is open, answers 200.
    fn hold(&self, mut stream: TcpStream) {
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
            }
        }
        let mut state = self.state.lock().unwrap();
        state.arrived += 1;
        if state.arrived >= self.opens_at {
            state.open = true;
        }
        self.changed.notify_all();
        let _state = self.changed.wait_while(state, |state| !state.open).unwrap();
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    }
}
