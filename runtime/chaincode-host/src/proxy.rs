//! The bridge between a borrowed ledger simulator and an owning wasmtime
//! store: the WebAssembly call runs on a chaincode worker thread with a [`ProxyHost`]
//! that turns every stub call into a [`Request`] for the calling thread,
//! which answers it with the simulator and sends back a [`Reply`].

use std::sync::mpsc::{self, Receiver, Sender};

use fclocal_engine::chaincode::{
    ChaincodeCall, ChaincodeError, ChaincodeHost, ChaincodeLimits, ChaincodeOutcome,
    KeyModification, PreparedChaincode, StateEntry,
};
use fclocal_ledger::chaincode::ChaincodeStub;

use crate::stub_host::{entries, history, split_nanos};

/// A stub call on its way to the simulator.
enum Request {
    GetState(String),
    PutState(String, Vec<u8>),
    DelState(String),
    Range(String, String),
    Partial(String, Vec<String>),
    History(String),
    SetEvent(String, Vec<u8>),
    InvokeFunction(String, String, Vec<u8>),
}

/// The simulator's answer.
enum Reply {
    State(Result<Option<Vec<u8>>, String>),
    Done(Result<(), String>),
    Entries(Result<Vec<StateEntry>, String>),
    History(Result<Vec<KeyModification>, String>),
    Bytes(Result<Vec<u8>, String>),
}

/// The store's host: forwards stub calls; the transaction's fixed facts are
/// copied in up front.
struct ProxyHost {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
    tx_id: String,
    channel_id: String,
    creator: Vec<u8>,
    timestamp: (i64, u32),
}

const GONE: &str = "the ledger stopped answering this transaction's stub calls";

impl ProxyHost {
    fn ask(&self, request: Request) -> Option<Reply> {
        self.requests.send(request).ok()?;
        self.replies.recv().ok()
    }
}

impl ChaincodeHost for ProxyHost {
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self.ask(Request::GetState(key.to_owned())) {
            Some(Reply::State(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn put_state(&mut self, key: &str, value: Vec<u8>) -> Result<(), String> {
        match self.ask(Request::PutState(key.to_owned(), value)) {
            Some(Reply::Done(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn del_state(&mut self, key: &str) -> Result<(), String> {
        match self.ask(Request::DelState(key.to_owned())) {
            Some(Reply::Done(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<StateEntry>, String> {
        match self.ask(Request::Range(start.to_owned(), end.to_owned())) {
            Some(Reply::Entries(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[String],
    ) -> Result<Vec<StateEntry>, String> {
        match self.ask(Request::Partial(
            object_type.to_owned(),
            attributes.to_vec(),
        )) {
            Some(Reply::Entries(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn get_history_for_key(&mut self, key: &str) -> Result<Vec<KeyModification>, String> {
        match self.ask(Request::History(key.to_owned())) {
            Some(Reply::History(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn tx_id(&self) -> String {
        self.tx_id.clone()
    }

    fn channel_id(&self) -> String {
        self.channel_id.clone()
    }

    fn creator(&self) -> Vec<u8> {
        self.creator.clone()
    }

    fn tx_timestamp(&self) -> (i64, u32) {
        self.timestamp
    }

    fn set_event(&mut self, name: &str, payload: Vec<u8>) -> Result<(), String> {
        match self.ask(Request::SetEvent(name.to_owned(), payload)) {
            Some(Reply::Done(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }

    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        match self.ask(Request::InvokeFunction(
            service.to_owned(),
            function.to_owned(),
            payload,
        )) {
            Some(Reply::Bytes(answer)) => answer,
            _ => Err(GONE.to_owned()),
        }
    }
}

/// Runs `call` of `component` with `stub` answering its stub calls.
pub(crate) fn call(
    component: &PreparedChaincode,
    stub: &mut dyn ChaincodeStub,
    call: &ChaincodeCall,
    limits: ChaincodeLimits,
) -> Result<ChaincodeOutcome, ChaincodeError> {
    let (requests, incoming) = mpsc::channel();
    let (answers, replies) = mpsc::channel();
    let host = ProxyHost {
        requests,
        replies,
        tx_id: stub.tx_id().to_owned(),
        channel_id: stub.channel_id().to_owned(),
        creator: stub.creator().to_owned(),
        timestamp: split_nanos(stub.tx_timestamp().0),
    };
    let (done, outcome) = mpsc::sync_channel(1);
    let (component_for_job, call, path) =
        (component.clone(), call.clone(), component.path().to_owned());
    let job = Box::new(move || {
        // The host (and with it the request sender) is dropped when the call
        // returns, which ends the serving loop below.
        let (_host, outcome) = component_for_job.call(host, &call, limits);
        let _ = done.send(outcome);
    });
    if crate::workers::run(job).is_err() {
        return Err(ChaincodeError::Trap {
            path,
            message: "no chaincode worker thread could be started".to_owned(),
        });
    }
    for request in incoming {
        if answers.send(serve(stub, request)).is_err() {
            break;
        }
    }
    outcome.recv().unwrap_or_else(|_| {
        Err(ChaincodeError::Trap {
            path,
            message: "the thread running the chaincode panicked".to_owned(),
        })
    })
}

/// Answers one stub call with the simulator.
fn serve(stub: &mut dyn ChaincodeStub, request: Request) -> Reply {
    let text = |error: fclocal_ledger::chaincode::StubError| error.to_string();
    match request {
        Request::GetState(key) => Reply::State(stub.get_state(&key).map_err(text)),
        Request::PutState(key, value) => Reply::Done(stub.put_state(&key, &value).map_err(text)),
        Request::DelState(key) => Reply::Done(stub.del_state(&key).map_err(text)),
        Request::Range(start, end) => Reply::Entries(
            stub.get_state_by_range(&start, &end)
                .map(entries)
                .map_err(text),
        ),
        Request::Partial(object_type, attributes) => {
            let attributes: Vec<&str> = attributes.iter().map(String::as_str).collect();
            Reply::Entries(
                stub.get_state_by_partial_composite_key(&object_type, &attributes)
                    .map(entries)
                    .map_err(text),
            )
        }
        Request::History(key) => {
            Reply::History(stub.get_history_for_key(&key).map(history).map_err(text))
        }
        Request::SetEvent(name, payload) => {
            Reply::Done(stub.set_event(&name, &payload).map_err(text))
        }
        Request::InvokeFunction(service, function, payload) => {
            Reply::Bytes(stub.invoke_function(&service, &function, &payload))
        }
    }
}
