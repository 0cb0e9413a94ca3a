//! Blocks and transactions as text: a table of blocks, and one block with
//! everything a developer looks for when a transaction did not do what they
//! expected (arguments, endorsers, reads with versions, writes, event).

use std::fmt::Write as _;

use serde_json::Value;

use crate::table;

/// The payload as text: UTF-8 as is, anything else as `base64:<...>`.
pub fn payload(answer: &Value) -> Option<String> {
    if let Some(text) = answer["payload"].as_str() {
        return Some(text.to_owned());
    }
    answer["payloadBase64"]
        .as_str()
        .map(|b64| format!("base64:{b64}"))
}

fn short(hash: &Value) -> String {
    hash.as_str().unwrap_or("").chars().take(16).collect()
}

/// `BLOCK  HASH  TXS  TRANSACTIONS` for `GET /blocks`; alike transactions
/// are counted, not repeated.
pub fn blocks_table(answer: &Value) -> String {
    let columns: Vec<String> = ["BLOCK", "HASH", "TXS", "TRANSACTIONS"]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let rows: Vec<Vec<String>> = answer["blocks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|block| {
            let txs: Vec<String> = block["txs"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|tx| {
                    format!(
                        "{}.{} {}",
                        tx["chaincode"].as_str().unwrap_or("?"),
                        tx["function"].as_str().unwrap_or("?"),
                        tx["validationCode"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            vec![
                block["number"].to_string(),
                short(&block["hash"]),
                block["txCount"].to_string(),
                grouped(&txs),
            ]
        })
        .collect();
    let mut out = table::render(&columns, &rows);
    let _ = writeln!(out, "height {}", answer["height"]);
    out
}

/// `a, b ×18, c`: a block of 500 alike transactions stays one readable cell.
fn grouped(items: &[String]) -> String {
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|(seen, _)| *seen == item.as_str()) {
            Some((_, count)) => *count += 1,
            None => groups.push((item, 1)),
        }
    }
    groups
        .iter()
        .map(|(item, count)| match count {
            1 => (*item).to_owned(),
            n => format!("{item} ×{n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One block, header first, then each transaction.
pub fn block(block: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Block {}", block["number"]);
    let _ = writeln!(out, "  hash           {}", text(&block["hash"]));
    let _ = writeln!(out, "  previous hash  {}", text(&block["previousHash"]));
    let _ = writeln!(out, "  data hash      {}", text(&block["dataHash"]));
    let txs = block["txs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let _ = writeln!(out, "  transactions   {}", txs.len());
    for (index, tx) in txs.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  [{index}] {}  {}",
            text(&tx["txId"]),
            text(&tx["validationCode"])
        );
        let args: Vec<String> = tx["args"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|a| format!("{:?}", a.as_str().unwrap_or_default()))
            .collect();
        let _ = writeln!(
            out,
            "      call       {}.{}({})",
            text(&tx["chaincode"]),
            text(&tx["function"]),
            args.join(", ")
        );
        let _ = writeln!(
            out,
            "      creator    {} at {}",
            text(&tx["creator"]),
            text(&tx["timestamp"])
        );
        let endorsers: Vec<String> = tx["endorsements"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| text(&e["mspId"]))
            .collect();
        let _ = writeln!(out, "      endorsers  {}", endorsers.join(", "));
        let response = &tx["response"];
        let _ = writeln!(
            out,
            "      response   {} {}",
            response["status"],
            payload(response).unwrap_or_default()
        );
        for line in rwset_lines(&tx["rwset"]) {
            let _ = writeln!(out, "      {line}");
        }
        if let Some(name) = tx["event"]["name"].as_str() {
            let _ = writeln!(
                out,
                "      event      {name} {}",
                payload(&tx["event"]).unwrap_or_default()
            );
        }
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// `read  key @ block:tx` / `write key = value` lines, whatever nesting the
/// API uses (one rwset, or one per namespace).
fn rwset_lines(rwset: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let sets: Vec<&Value> = match rwset {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    for set in sets {
        for read in set["reads"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let version = &read["version"];
            let at = if version.is_null() {
                "absent".to_owned()
            } else {
                format!("@ {}:{}", version["blockNum"], version["txNum"])
            };
            lines.push(format!(
                "read       {} {at}",
                printable(&text(&read["key"]))
            ));
        }
        for write in set["writes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let key = printable(&text(&write["key"]));
            if write["isDelete"].as_bool().unwrap_or(false) {
                lines.push(format!("delete     {key}"));
            } else {
                let value = write["value"]
                    .as_str()
                    .map(printable)
                    .or_else(|| write["valueBase64"].as_str().map(|b| format!("base64:{b}")))
                    .unwrap_or_default();
                lines.push(format!("write      {key} = {value}"));
            }
        }
        for range in set["rangeQueries"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            lines.push(format!(
                "range      [{}, {})",
                printable(&text(&range["startKey"])),
                printable(&text(&range["endKey"]))
            ));
        }
    }
    lines
}

/// Composite keys hold U+0000; newlines would break the layout.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\u{0}' => "\\0".chars().collect::<Vec<_>>(),
            '\n' => "\\n".chars().collect(),
            '\t' => "\\t".chars().collect(),
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_transactions_are_counted_in_first_seen_order() {
        let items: Vec<String> = [
            "a VALID",
            "b VALID",
            "a VALID",
            "a MVCC_READ_CONFLICT",
            "a VALID",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(grouped(&items), "a VALID ×3, b VALID, a MVCC_READ_CONFLICT");
        assert_eq!(grouped(&[]), "");
    }
}
