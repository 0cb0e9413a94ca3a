//! `read_everything`, `getHistory` and `getMarblesByRange`
//! (`read_ledger.go`).

use fclocal_chaincode_shim::ChaincodeStub;

use crate::gojson::{push_string, unmarshal_into};
use crate::model::{Marble, Owner, write_slice};

/// The marble ids the app generates: `m` + 19 characters starting with a
/// millisecond timestamp, so they sort inside this range.
pub const MARBLES_RANGE: (&str, &str) = ("m0", "m9999999999999999999");
/// Owner ids: `o` + 19 characters, likewise.
const OWNERS_RANGE: (&str, &str) = ("o0", "o9999999999999999999");

/// `read_everything` (arguments ignored): `{"owners":[…],"marbles":[…]}`
/// with every marble but only *enabled* owners. Each record is
/// unmarshalled into a fresh struct, so a non-JSON value in the range shows
/// up as a zero-valued record; an empty list is `null` (a nil Go slice).
pub fn read_everything(stub: &dyn ChaincodeStub) -> Result<Vec<u8>, String> {
    let mut marbles = Vec::new();
    for kv in stub.get_state_by_range(MARBLES_RANGE.0, MARBLES_RANGE.1)? {
        let mut marble = Marble::default();
        unmarshal_into(&mut marble, &kv.value);
        marbles.push(marble);
    }
    let mut owners = Vec::new();
    for kv in stub.get_state_by_range(OWNERS_RANGE.0, OWNERS_RANGE.1)? {
        let mut owner = Owner::default();
        unmarshal_into(&mut owner, &kv.value);
        if owner.enabled {
            owners.push(owner);
        }
    }
    let mut out = String::from("{\"owners\":");
    write_slice(&mut out, &owners, Owner::write_json);
    out.push_str(",\"marbles\":");
    write_slice(&mut out, &marbles, Marble::write_json);
    out.push('}');
    Ok(out.into_bytes())
}

/// `getHistory [id]` (not sanitized): `[{"txId":…,"value":<marble>},…]` in
/// the order the ledger returns history (newest first since Fabric 2.0), or
/// `null` when the key has none.
///
/// Faithful to a Go quirk: one `marble` variable is reused across entries
/// and `json.Unmarshal` merges into it, so fields missing from an entry (or
/// an entry that is not JSON) carry over from the previous one. A delete
/// (empty value, Go's nil) shows a zero-valued marble but leaves the
/// carried-over variable as it was.
pub fn get_history(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 1 {
        return Err("Incorrect number of arguments. Expecting 1".into());
    }
    let history = stub.get_history_for_key(&args[0])?;
    let mut marble = Marble::default();
    let mut entries = Vec::with_capacity(history.len());
    for modification in history {
        unmarshal_into(&mut marble, &modification.value);
        let value = if modification.value.is_empty() {
            Marble::default()
        } else {
            marble.clone()
        };
        entries.push((modification.tx_id, value));
    }
    let mut out = String::new();
    write_slice(&mut out, &entries, |(tx_id, value), out| {
        out.push_str("{\"txId\":");
        push_string(out, tx_id);
        out.push_str(",\"value\":");
        value.write_json(out);
        out.push('}');
    });
    Ok(out.into_bytes())
}

/// `getMarblesByRange [startKey, endKey]` (not sanitized): a hand-built
/// array `[{"Key":"<key>", "Record":<value>},…]` (note the space), with the
/// key unescaped and the value copied raw; `[]` when empty.
pub fn get_marbles_by_range(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    let results = stub.get_state_by_range(&args[0], &args[1])?;
    let mut out = b"[".to_vec();
    for (i, kv) in results.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"Key\":\"");
        out.extend_from_slice(kv.key.as_bytes());
        out.extend_from_slice(b"\", \"Record\":");
        out.extend_from_slice(&kv.value);
        out.push(b'}');
    }
    out.push(b']');
    Ok(out)
}
