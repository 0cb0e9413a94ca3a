//! The JSON views of ledger values: chaincode responses, commit statuses, block
//! summaries and full blocks with every transaction decoded.
//!
//! Keys are camelCase. Bytes are shown as text when they are UTF-8 (`"payload"`) and
//! as base64 otherwise (`"payloadBase64"`), so the common case (chaincode exchanging
//! JSON or plain strings) reads naturally and nothing is lost for binary data. Hashes
//! are lower-case hex. Views are built as `serde_json` maps rather than `Serialize`
//! structs because of that key-depends-on-the-bytes rule.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use fclocal_ledger::CommitStatus;
use fclocal_ledger::identity::Identity;
use fclocal_ledger::model::{
    Block, ChaincodeResponse, Decode, Envelope, KvRead, ProposalResponsePayload, Timestamp,
    Transaction, TxValidationCode,
};
use serde_json::{Map, Value, json};

/// Inserts `bytes` under `key` as UTF-8 text, or under `<key>Base64` as base64.
pub fn put_bytes(map: &mut Map<String, Value>, key: &str, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => map.insert(key.into(), text.into()),
        Err(_) => map.insert(format!("{key}Base64"), BASE64.encode(bytes).into()),
    };
}

/// `{"status", "message", "payload"|"payloadBase64"}`.
pub fn response(response: &ChaincodeResponse) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("status".into(), json!(response.status));
    map.insert("message".into(), response.message.clone().into());
    put_bytes(&mut map, "payload", &response.payload);
    map
}

/// `{"txId", "validationCode", "validationCodeNumber", "blockNumber"}`.
pub fn commit_status(status: &CommitStatus) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("txId".into(), status.tx_id.as_str().into());
    map.insert("validationCode".into(), status.code.name().into());
    map.insert("validationCodeNumber".into(), status.code.as_u8().into());
    map.insert("blockNumber".into(), status.block_number.into());
    map
}

/// The code of transaction `i` of `block`: its name, or `UNKNOWN(<byte>)` for a byte
/// Fabric does not define (only a damaged block has one), and its number.
pub fn code_of(block: &Block, i: usize) -> (String, Value) {
    match block.metadata.code(i) {
        Some(code) => (code.name().into(), code.as_u8().into()),
        None => match block.metadata.tx_filter.get(i) {
            Some(byte) => (format!("UNKNOWN({byte})"), (*byte).into()),
            None => (TxValidationCode::NOT_VALIDATED.name().into(), Value::Null),
        },
    }
}

/// One transaction of a block, decoded as far as it goes.
#[derive(Debug)]
pub struct DecodedTx {
    /// The endorsed transaction, when the envelope and its payload decode.
    pub tx: Option<Transaction>,
    /// The endorsers' response payload, when it decodes too.
    pub payload: Option<ProposalResponsePayload>,
    /// Why decoding stopped, if it did (such transactions are marked invalid).
    pub error: Option<String>,
}

impl DecodedTx {
    /// Decodes envelope → transaction → response payload.
    pub fn decode(envelope: &[u8]) -> DecodedTx {
        let tx = Envelope::from_bytes(envelope)
            .map_err(|e| e.to_string())
            .and_then(|env| Transaction::from_bytes(&env.payload).map_err(|e| e.to_string()));
        match tx {
            Err(error) => DecodedTx {
                tx: None,
                payload: None,
                error: Some(error),
            },
            Ok(tx) => match ProposalResponsePayload::from_bytes(&tx.response_payload) {
                Ok(payload) => DecodedTx {
                    tx: Some(tx),
                    payload: Some(payload),
                    error: None,
                },
                Err(e) => DecodedTx {
                    tx: Some(tx),
                    payload: None,
                    error: Some(e.to_string()),
                },
            },
        }
    }

    /// The tx id, if the transaction decoded.
    pub fn tx_id(&self) -> Option<&str> {
        self.tx.as_ref().map(|t| t.proposal.tx_id.as_str())
    }

    /// The chaincode namespace: the response payload's, else the proposal's.
    pub fn chaincode(&self) -> Option<&str> {
        self.payload
            .as_ref()
            .map(|p| p.chaincode.as_str())
            .or_else(|| self.tx.as_ref().map(|t| t.proposal.chaincode.as_str()))
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

/// Names of the network's peers by their serialized identity, so endorsements can say
/// which peer signed (an identity alone only says `Org1MSP.peer`).
pub type PeerNames = HashMap<Vec<u8>, String>;

/// The header fields of a block summary.
fn header(block: &Block) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("number".into(), block.header.number.into());
    map.insert("hash".into(), hex::encode(block.header.hash()).into());
    map.insert(
        "previousHash".into(),
        hex::encode(&block.header.previous_hash).into(),
    );
    map.insert(
        "dataHash".into(),
        hex::encode(&block.header.data_hash).into(),
    );
    map.insert("txCount".into(), block.data.len().into());
    map
}

/// `{"txId", "chaincode", "function", "validationCode"}` (nulls for what did not decode).
fn tx_summary(block: &Block, i: usize, decoded: &DecodedTx) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("txId".into(), opt_str(decoded.tx_id()));
    map.insert("chaincode".into(), opt_str(decoded.chaincode()));
    map.insert(
        "function".into(),
        opt_str(decoded.tx.as_ref().map(|t| t.proposal.function.as_str())),
    );
    map.insert("validationCode".into(), code_of(block, i).0.into());
    map
}

/// A block summary: header fields, `txCount` and one summary per transaction.
pub fn block_summary(block: &Block) -> Value {
    let mut map = header(block);
    let txs: Vec<Value> = block
        .data
        .iter()
        .enumerate()
        .map(|(i, env)| Value::Object(tx_summary(block, i, &DecodedTx::decode(env))))
        .collect();
    map.insert("txs".into(), txs.into());
    Value::Object(map)
}

/// A full block: the summary with every transaction's creator, time, arguments, response,
/// endorsements, read/write set, event and function calls.
pub fn block_full(block: &Block, peers: &PeerNames) -> Value {
    let mut map = header(block);
    let txs: Vec<Value> = block
        .data
        .iter()
        .enumerate()
        .map(|(i, env)| tx_full(block, i, &DecodedTx::decode(env), peers))
        .collect();
    map.insert("txs".into(), txs.into());
    Value::Object(map)
}

fn tx_full(block: &Block, i: usize, decoded: &DecodedTx, peers: &PeerNames) -> Value {
    let mut map = tx_summary(block, i, decoded);
    map.insert("validationCodeNumber".into(), code_of(block, i).1);
    if let Some(tx) = &decoded.tx {
        let creator = Identity::from_bytes(&tx.proposal.creator)
            .map(|id| Value::from(id.msp_id))
            .unwrap_or(Value::Null);
        map.insert("creator".into(), creator);
        map.insert("timestamp".into(), rfc3339(tx.proposal.timestamp).into());
        map.insert("args".into(), json!(tx.proposal.args));
        let endorsements: Vec<Value> = tx
            .endorsements
            .iter()
            .map(|e| endorsement(&e.endorser, peers))
            .collect();
        map.insert("endorsements".into(), endorsements.into());
    } else {
        // Same keys for every transaction, so clients need no special case.
        for key in ["creator", "timestamp"] {
            map.insert(key.into(), Value::Null);
        }
        map.insert("args".into(), json!([]));
        map.insert("endorsements".into(), json!([]));
    }
    if let Some(payload) = &decoded.payload {
        map.insert(
            "response".into(),
            Value::Object(response(&payload.response)),
        );
        map.insert("rwset".into(), rwset(payload));
        let event = payload.event.as_ref().map_or(Value::Null, |e| {
            let mut ev = Map::new();
            ev.insert("name".into(), e.name.clone().into());
            put_bytes(&mut ev, "payload", &e.payload);
            Value::Object(ev)
        });
        map.insert("event".into(), event);
        let calls: Vec<Value> = payload
            .function_calls
            .iter()
            .map(|c| {
                let mut call = Map::new();
                call.insert("service".into(), c.service.clone().into());
                call.insert("function".into(), c.function.clone().into());
                put_bytes(&mut call, "payload", &c.payload);
                let mut result = Map::new();
                match &c.result {
                    Ok(bytes) => put_bytes(&mut result, "ok", bytes),
                    Err(error) => {
                        result.insert("error".into(), error.clone().into());
                    }
                }
                call.insert("result".into(), Value::Object(result));
                Value::Object(call)
            })
            .collect();
        map.insert("functionCalls".into(), calls.into());
    } else {
        for key in ["response", "rwset", "event"] {
            map.insert(key.into(), Value::Null);
        }
        map.insert("functionCalls".into(), json!([]));
    }
    if let Some(error) = &decoded.error {
        map.insert("decodeError".into(), error.clone().into());
    }
    Value::Object(map)
}

/// `{"mspId", "endorser"}`: the peer's name when it is one of this network's peers,
/// else the identity (`Org1MSP.peer`).
fn endorsement(endorser: &[u8], peers: &PeerNames) -> Value {
    match Identity::from_bytes(endorser) {
        Ok(id) => {
            let name = peers
                .get(endorser)
                .cloned()
                .unwrap_or_else(|| id.to_string());
            json!({"mspId": id.msp_id, "endorser": name})
        }
        Err(e) => json!({"mspId": null, "endorser": format!("undecodable identity: {e}")}),
    }
}

fn read(read: &KvRead) -> Value {
    let version = read.version.map_or(
        Value::Null,
        |v| json!({"blockNum": v.block_num, "txNum": v.tx_num}),
    );
    json!({"key": read.key, "version": version})
}

/// One namespace's read/write set. The model keeps one namespace per transaction (the
/// chaincode's), so this is an object naming it rather than Fabric's list of them.
fn rwset(payload: &ProposalResponsePayload) -> Value {
    let set = &payload.rwset;
    let writes: Vec<Value> = set
        .writes
        .iter()
        .map(|w| {
            let mut map = Map::new();
            map.insert("key".into(), w.key.clone().into());
            put_bytes(&mut map, "value", &w.value);
            map.insert("isDelete".into(), w.is_delete.into());
            Value::Object(map)
        })
        .collect();
    let ranges: Vec<Value> = set
        .range_queries
        .iter()
        .map(|q| {
            json!({
                "startKey": q.start_key,
                "endKey": q.end_key,
                "itrExhausted": q.itr_exhausted,
                "reads": q.reads.iter().map(read).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "namespace": payload.chaincode,
        "reads": set.reads.iter().map(read).collect::<Vec<_>>(),
        "writes": writes,
        "rangeQueries": ranges,
    })
}

/// RFC 3339 in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), the precision every
/// JavaScript `Date` parses.
pub fn rfc3339(t: Timestamp) -> String {
    let nanos = t.unix_nanos();
    let secs = i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX);
    let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, sub)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_text_when_utf8_and_base64_otherwise() {
        let mut map = Map::new();
        put_bytes(&mut map, "payload", b"bob");
        put_bytes(&mut map, "value", &[0xff, 0x00]);
        assert_eq!(
            Value::Object(map),
            json!({"payload": "bob", "valueBase64": "/wA="})
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc_millis() {
        assert_eq!(
            rfc3339(Timestamp(1_700_000_000_123_456_789)),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(rfc3339(Timestamp(0)), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn undecodable_transactions_are_shown_not_dropped() {
        let block = Block::new(1, None, vec![b"garbage".to_vec()]);
        let summary = block_summary(&block);
        assert_eq!(summary["txCount"], 1);
        assert_eq!(summary["txs"][0]["txId"], Value::Null);
        assert_eq!(summary["txs"][0]["validationCode"], "NOT_VALIDATED");
        let full = block_full(&block, &PeerNames::new());
        assert!(full["txs"][0]["decodeError"].is_string(), "{full}");
    }
}
