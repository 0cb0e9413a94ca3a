//! The reward rule, without any WebAssembly: which transactions of a block
//! earn points, and for whom.

use serde::{Deserialize, Serialize};

/// A block summary as the ledger publishes it to a `Source: blocks` topic
/// (only the fields the rule reads).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockMessage {
    /// The block's number.
    pub block_number: u64,
    /// Its transactions, in order.
    pub txs: Vec<Tx>,
}

/// One transaction of the summary.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tx {
    /// Null when the transaction did not decode.
    pub tx_id: Option<String>,
    /// The chaincode it ran.
    pub chaincode: Option<String>,
    /// The chaincode function.
    pub function: Option<String>,
    /// The function's arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// `VALID`, or why the validator rejected it.
    pub validation_code: String,
}

/// One grant: the line the function prints.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// Always `reward`, so queries can find these lines.
    pub kind: &'static str,
    /// The owner id that receives the points (the new owner).
    pub owner: String,
    /// How many points.
    pub points: u64,
    /// The marble that changed hands.
    pub marble: String,
    /// The transaction.
    pub tx_id: String,
    /// Its block.
    pub block: u64,
}

impl BlockMessage {
    /// The block summary from FC's MNS event: the JSON envelope's `Message`,
    /// or (with `NotifyContentFormat: STREAM`) the event itself.
    pub fn from_event(event: &[u8]) -> Result<BlockMessage, String> {
        let value: serde_json::Value = serde_json::from_slice(event).map_err(|e| {
            format!("the event is not JSON ({e}); subscribe to a `Source: blocks` topic")
        })?;
        let block = match value.get("Message").and_then(|m| m.as_str()) {
            Some(message) => serde_json::from_str(message).map_err(|e| {
                format!("the MNS message is not a block summary ({e}); subscribe to a `Source: blocks` topic")
            })?,
            None => serde_json::from_value(value).map_err(|e| {
                format!("the event is neither an MNS JSON event nor a block summary ({e})")
            })?,
        };
        Ok(block)
    }

    /// A grant for each VALID Marbles `set_owner` (args `[marble_id,
    /// new_owner_id, authed_by_company]`) in the block, in order. Transactions
    /// that did not validate changed nothing, so they earn nothing.
    pub fn grants(&self, points: u64) -> Vec<Grant> {
        self.txs
            .iter()
            .filter(|tx| {
                tx.validation_code == "VALID"
                    && tx.chaincode.as_deref() == Some("marbles")
                    && tx.function.as_deref() == Some("set_owner")
                    && tx.args.len() >= 2
            })
            .map(|tx| Grant {
                kind: "reward",
                owner: tx.args[1].clone(),
                points,
                marble: tx.args[0].clone(),
                tx_id: tx.tx_id.clone().unwrap_or_default(),
                block: self.block_number,
            })
            .collect()
    }
}

/// `POINTS_PER_TRANSFER`: a whole number of points, at least 1.
pub fn parse_points(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(points) if points > 0 => Ok(points),
        _ => Err(format!(
            "POINTS_PER_TRANSFER must be a whole number of points above 0, got `{value}`; fix the function's EnvironmentVariables in template.yml"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = r#"{"channel":"mychannel","blockNumber":7,"blockHash":"ab","txs":[
        {"txId":"t1","chaincode":"marbles","function":"set_owner","args":["m1","o2","United Marbles"],"creator":"Org1MSP","validationCode":"VALID","validationCodeNumber":0,"event":null},
        {"txId":"t2","chaincode":"marbles","function":"set_owner","args":["m2","o3","United Marbles"],"creator":"Org1MSP","validationCode":"MVCC_READ_CONFLICT","validationCodeNumber":11,"event":null},
        {"txId":"t3","chaincode":"marbles","function":"init_marble","args":["m4","blue","35","o1","United Marbles"],"creator":"Org1MSP","validationCode":"VALID","validationCodeNumber":0,"event":null},
        {"txId":"t4","chaincode":"other","function":"set_owner","args":["m1","o9","x"],"creator":"Org1MSP","validationCode":"VALID","validationCodeNumber":0,"event":null},
        {"txId":null,"chaincode":null,"function":null,"args":[],"creator":null,"validationCode":"BAD_PAYLOAD","validationCodeNumber":2,"event":null}
    ]}"#;

    #[test]
    fn only_valid_marbles_transfers_earn_points() {
        let block: BlockMessage = serde_json::from_str(BLOCK).unwrap();
        assert_eq!(
            block.grants(10),
            vec![Grant {
                kind: "reward",
                owner: "o2".into(),
                points: 10,
                marble: "m1".into(),
                tx_id: "t1".into(),
                block: 7,
            }]
        );
        let line = serde_json::to_string(&block.grants(5)[0]).unwrap();
        assert_eq!(
            line,
            r#"{"kind":"reward","owner":"o2","points":5,"marble":"m1","txId":"t1","block":7}"#
        );
    }

    #[test]
    fn json_and_stream_events_both_work() {
        let envelope =
            serde_json::json!({"TopicName": "marbles-blocks", "Message": BLOCK}).to_string();
        assert_eq!(
            BlockMessage::from_event(envelope.as_bytes())
                .unwrap()
                .block_number,
            7
        );
        assert_eq!(
            BlockMessage::from_event(BLOCK.as_bytes())
                .unwrap()
                .block_number,
            7
        );
        let error = BlockMessage::from_event(br#"{"Message": "hello"}"#).unwrap_err();
        assert!(
            error.contains("subscribe to a `Source: blocks` topic"),
            "{error}"
        );
    }

    #[test]
    fn points_must_be_positive_whole_numbers() {
        assert_eq!(parse_points("25"), Ok(25));
        for bad in ["0", "-1", "ten", ""] {
            let error = parse_points(bad).unwrap_err();
            assert!(error.contains("POINTS_PER_TRANSFER"), "{error}");
        }
    }
}
