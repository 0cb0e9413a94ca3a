//! How `fclocal logs` prints: log lines as text or JSON, SQL results as an
//! aligned table or JSON rows, and query errors pointing at their place.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use fclocal_logstore::{QueryError, StoredLog};
use fclocal_sls_query::ParseError;

use crate::output;
use crate::table;

/// Prints log lines; `false` when the reader of stdout has gone away.
pub fn logs(logs: &[StoredLog], json: bool) -> std::io::Result<bool> {
    for log in logs {
        let line = if json { json_line(log) } else { text_line(log) };
        if !output::stdout(&format!("{line}\n"))? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Prints an SQL result: an aligned table (`null` for SQL NULL), or one JSON
/// object per row with every value a string, as GetLogs returns them.
pub fn table(columns: &[String], rows: &[Vec<Option<String>>], json: bool) -> std::io::Result<()> {
    if json {
        for row in rows {
            let object: serde_json::Map<String, serde_json::Value> = columns
                .iter()
                .zip(row)
                .map(|(column, value)| {
                    (
                        column.clone(),
                        value.clone().unwrap_or_else(|| "null".to_owned()).into(),
                    )
                })
                .collect();
            if !output::stdout(&format!("{}\n", serde_json::Value::Object(object)))? {
                return Ok(());
            }
        }
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|value| value.clone().unwrap_or_else(|| "null".to_owned()))
                .collect()
        })
        .collect();
    output::stdout(&table::render(columns, &cells))?;
    Ok(())
}

/// RFC 3339 UTC with milliseconds.
pub fn timestamp(time: SystemTime) -> String {
    let time: DateTime<Utc> = time.into();
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `<time> <service>/<function> <request id> [LEVEL] <message>`; FC's
/// framing lines and lines that are not a function's (PutLogs from an SDK)
/// are printed with what they have.
fn text_line(log: &StoredLog) -> String {
    let get = |key| log.get(key).unwrap_or_default();
    let message = get("message");
    if log.get("functionName").is_none() {
        let pairs: Vec<String> = log
            .contents
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        return format!("{} {} {}", timestamp(log.time), log.topic, pairs.join(" "));
    }
    let function = format!("{}/{}", get("serviceName"), get("functionName"));
    if message.starts_with("FC Invoke ") || message.starts_with("FC Initialize ") {
        format!("{} {function} {message}", timestamp(log.time))
    } else {
        format!(
            "{} {function} {} [{}] {message}",
            timestamp(log.time),
            get("requestId"),
            get("level"),
        )
    }
}

/// SLS's GetLogs shape: every value a string.
fn json_line(log: &StoredLog) -> String {
    let seconds = log
        .time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let mut object = serde_json::Map::new();
    object.insert("__time__".into(), seconds.to_string().into());
    object.insert("__topic__".into(), log.topic.clone().into());
    object.insert("__source__".into(), log.source.clone().into());
    for (key, value) in &log.tags {
        object.insert(format!("__tag__:{key}"), value.clone().into());
    }
    for (key, value) in &log.contents {
        object
            .entry(key.clone())
            .or_insert_with(|| value.clone().into());
    }
    serde_json::Value::Object(object).to_string()
}

/// A parse error with the query and a caret under the offending place:
///
/// ```text
/// the query does not parse: unbalanced parenthesis (at line 1, column 7)
///   functionName:(hello
///                ^
/// ```
///
/// A query longer than [`SHOWN_CHARS`] is shown as the stretch around the place, with `…`
/// for what is left out (a 50,000-character query would otherwise fill the terminal).
pub fn parse_error(query: &str, error: &ParseError) -> String {
    let chars: Vec<char> = query.chars().collect();
    let at = error.column.saturating_sub(1).min(chars.len());
    let (start, end) = if chars.len() <= SHOWN_CHARS {
        (0, chars.len())
    } else {
        let start = at.saturating_sub(SHOWN_CHARS / 2);
        (start, (start + SHOWN_CHARS).min(chars.len()))
    };
    let before = if start > 0 { "…" } else { "" };
    let after = if end < chars.len() { "…" } else { "" };
    let shown: String = chars[start..end].iter().collect();
    let caret = " ".repeat(at - start + before.chars().count());
    format!("the query does not parse: {error}\n  {before}{shown}{after}\n  {caret}^")
}

/// Most characters of the query a parse error shows.
const SHOWN_CHARS: usize = 120;

/// A query failure as the user should see it.
pub fn query_error(query: &str, error: QueryError) -> anyhow::Error {
    match &error {
        QueryError::Parse(parse) => anyhow::anyhow!("{}", parse_error(query, parse)),
        _ => anyhow::Error::new(error).context("the query failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_point_at_their_column() {
        let query = "functionName:(hello";
        let error = fclocal_sls_query::parse(query).unwrap_err();
        let text = parse_error(query, &error);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], format!("  {query}"));
        let caret = lines[2].find('^').expect("a caret");
        assert_eq!(caret - 2, error.column - 1, "{text}");
    }

    #[test]
    fn long_queries_are_shown_around_the_place() {
        let query = format!("{}a{}", "(".repeat(50_000), ")".repeat(50_000));
        let error = fclocal_sls_query::parse(&query).unwrap_err();
        let text = parse_error(&query, &error);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].chars().count() < 130, "{}", lines[1]);
        assert!(lines[1].starts_with("  …") && lines[1].ends_with('…'));
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        let error = fclocal_sls_query::parse(&deep).unwrap_err();
        let text = parse_error(&deep, &error);
        let lines: Vec<&str> = text.lines().collect();
        let caret = lines[2].chars().position(|c| c == '^').expect("a caret");
        assert_eq!(lines[1].chars().nth(caret), Some('('), "{text}");
        assert_eq!(error.column, 33, "{text}");
    }
}
