//! Plain records the stub returns: range results, history entries and
//! timestamps. They mirror the WIT records but belong to the shim, so
//! chaincode and [`MockStub`](crate::MockStub) never touch generated types.

/// One result of a range or composite-key query: Fabric's `queryresult.KV`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The state key.
    pub key: String,
    /// Its committed value.
    pub value: Vec<u8>,
}

/// A protobuf `Timestamp`: seconds since the Unix epoch plus nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds within the second (0..1_000_000_000).
    pub nanos: u32,
}

/// One committed change of a key: Fabric's `queryresult.KeyModification`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyModification {
    /// The transaction that wrote or deleted the key.
    pub tx_id: String,
    /// The value written; empty for a delete.
    pub value: Vec<u8>,
    /// The writing transaction's timestamp.
    pub timestamp: Timestamp,
    /// Whether the transaction deleted the key.
    pub is_delete: bool,
}
