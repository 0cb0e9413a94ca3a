//! GetLogs, both wire versions over one backend call.
//!
//! - v1 `GET /logstores/{ls}?type=log&from&to&topic&query&line&offset&reverse[&fromNs&toNs]`:
//!   a JSON array of rows, the metadata in `x-log-*` headers (py-sdk and
//!   `s logs` require `x-log-progress`; they loop until it reads `Complete`).
//! - v2 `POST /logstores/{ls}/logs` with the same keys in a JSON body
//!   (rs-sdk spells `line` as `lines`; unknown keys are ignored):
//!   `{"meta": {...}, "data": [rows]}`, LZ4/zstd-compressed when the client
//!   accepts it.
//!
//! Rows are flat objects whose values are all strings, as every SDK parses
//! them (`map[string]string`, `HashMap<String, String>`).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fclocal_sls_query::Cancel;
use serde_json::{Map, Value, json};

use super::{ApiState, Call, backend, json, with_headers};
use crate::backend::{GetLogsRequest, GetLogsResponse, QueryRows};
use crate::compression::{self, BODY_RAW_SIZE, COMPRESS_TYPE, Compression};
use crate::error::ApiError;
use crate::params::Params;
use crate::query::split_query;

/// The largest GetLogs v2 request body.
const MAX_REQUEST_BODY: usize = 1 << 20;
/// Longest query half echoed in the `x-log-where-query`/`x-log-agg-query` headers: clients
/// read headers line by line with limits (Python's `http.client` refuses lines over 64 KiB
/// with `LineTooLong`), so a longer half is cut, marked with `...` (ASCII: clients read
/// header values as ASCII); v2's `meta` carries it whole.
const MAX_ECHOED_QUERY: usize = 4096;
/// `line` when not sent, and its maximum.
const MAX_LINES: u32 = 100;

/// GetLogs v1.
pub(super) async fn v1(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let request = parse(&call, &call.params)?;
    let answer = run(&state, request).await?;
    let rows: Vec<Value> = answer.rows.iter().cloned().map(Value::Object).collect();
    Ok(with_headers(json(&rows), &answer.headers()))
}

/// GetLogs v2.
pub(super) async fn v2(
    State(state): State<Arc<ApiState>>,
    call: Call,
    body: Body,
) -> Result<Response, ApiError> {
    let body = axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .map_err(|error| {
            ApiError::PostBodyTooLarge(format!("the GetLogs body could not be read: {error}"))
        })?;
    let body =
        compression::decode_request_body(&call.headers, body, MAX_REQUEST_BODY, "GetLogs body")?;
    let value: Value = serde_json::from_slice(&body).map_err(|error| {
        ApiError::PostBodyInvalid(format!("the GetLogs body is not JSON: {error}"))
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::PostBodyInvalid(
            "the GetLogs body must be a JSON object".to_owned(),
        ));
    };
    let request = parse(&call, &Params::from_json(&object))?;
    let answer = run(&state, request).await?;
    let document = json!({"meta": answer.meta(), "data": answer.rows});
    let raw = serde_json::to_vec(&document).map_err(ApiError::internal)?;
    let mut headers = answer.headers();
    let body = match Compression::accepted(&call.headers) {
        Some(compression) => {
            headers.push((COMPRESS_TYPE, compression.name().to_owned()));
            headers.push((BODY_RAW_SIZE, raw.len().to_string()));
            compression.compress(&raw)?
        }
        None => raw,
    };
    let response = ([(http::header::CONTENT_TYPE, "application/json")], body).into_response();
    Ok(with_headers(response, &headers))
}

/// The request, checked as SLS checks it.
fn parse(call: &Call, params: &Params) -> Result<GetLogsRequest, ApiError> {
    let from = params.number::<i64>(&["from"], None, ApiError::ParameterInvalid)?;
    let to = params.number::<i64>(&["to"], None, ApiError::ParameterInvalid)?;
    let from_ns = nanos(params, "fromNs")?;
    let to_ns = nanos(params, "toNs")?;
    if (from, from_ns) >= (to, to_ns) {
        return Err(ApiError::InvalidTimeRange(format!(
            "from ({from}) must be earlier than to ({to}): the range is [from, to)"
        )));
    }
    let line = params.number::<u32>(&["line", "lines"], Some(MAX_LINES), ApiError::InvalidLine)?;
    if line > MAX_LINES {
        return Err(ApiError::InvalidLine(format!(
            "line must be 0–{MAX_LINES}, got {line}"
        )));
    }
    Ok(GetLogsRequest {
        project: call.project.clone(),
        logstore: call.logstore().to_owned(),
        query: params.get("query").unwrap_or("").to_owned(),
        from,
        from_ns,
        to,
        to_ns,
        topic: params.text("topic").map(str::to_owned),
        line,
        offset: params.number::<u64>(&["offset"], Some(0), ApiError::InvalidOffset)?,
        reverse: params.boolean("reverse", false, ApiError::InvalidReverse)?,
    })
}

fn nanos(params: &Params, key: &str) -> Result<u32, ApiError> {
    let value = params.number::<u32>(&[key], Some(0), ApiError::ParameterInvalid)?;
    if value >= 1_000_000_000 {
        return Err(ApiError::ParameterInvalid(format!(
            "{key} must be below 1000000000, got {value}"
        )));
    }
    Ok(value)
}

/// A query's result, ready for either wire version.
struct Answer {
    rows: Vec<Map<String, Value>>,
    keys: Vec<String>,
    has_sql: bool,
    processed_rows: u64,
    elapsed_ms: u64,
    where_query: String,
    agg_query: String,
}

async fn run(state: &ApiState, request: GetLogsRequest) -> Result<Answer, ApiError> {
    let (where_query, agg_query) = split_query(&request.query);
    let (where_query, agg_query) = (where_query.to_owned(), agg_query.to_owned());
    let started = Instant::now();
    // A client that goes away drops this future; the guard then stops the query.
    let cancel = Cancel::new();
    let _withdraw_if_dropped = cancel.on_drop();
    let GetLogsResponse {
        rows,
        processed_rows,
    } = backend(state, move |backend| {
        cancel.scope(|| backend.get_logs(request))
    })
    .await?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let has_sql = matches!(rows, QueryRows::Sql { .. });
    let (rows, keys) = to_json_rows(rows);
    Ok(Answer {
        rows,
        keys,
        has_sql,
        processed_rows,
        elapsed_ms,
        where_query,
        agg_query,
    })
}

/// Rows as JSON objects of strings, and the keys they use (SQL: the columns;
/// logs: every key, in order of first appearance).
fn to_json_rows(rows: QueryRows) -> (Vec<Map<String, Value>>, Vec<String>) {
    match rows {
        QueryRows::Logs(rows) => {
            let mut keys: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let rows = rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|(key, value)| {
                            if seen.insert(key.clone()) {
                                keys.push(key.clone());
                            }
                            (key, Value::String(value))
                        })
                        .collect()
                })
                .collect();
            (rows, keys)
        }
        QueryRows::Sql { columns, rows } => {
            let rows =
                rows.into_iter()
                    .map(|row| {
                        columns
                            .iter()
                            .cloned()
                            .zip(row.into_iter().map(|value| {
                                Value::String(value.unwrap_or_else(|| "null".to_owned()))
                            }))
                            .collect()
                    })
                    .collect();
            (rows, columns)
        }
    }
}

impl Answer {
    /// v1's metadata headers (also sent with v2: harmless, and handy).
    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("x-log-progress", "Complete".to_owned()),
            ("x-log-count", self.rows.len().to_string()),
            ("x-log-processed-rows", self.processed_rows.to_string()),
            ("x-log-elapsed-millisecond", self.elapsed_ms.to_string()),
            ("x-log-has-sql", self.has_sql.to_string()),
            ("x-log-where-query", echoed(&self.where_query)),
            ("x-log-agg-query", echoed(&self.agg_query)),
            // fclocal's own: log queries still running as this answer leaves (this one is
            // done), to see that withdrawn and stopped queries really ended.
            (
                "x-fclocal-running-queries",
                fclocal_sls_query::running_queries().to_string(),
            ),
            (
                "x-log-query-info",
                json!({"keys": self.keys, "terms": []}).to_string(),
            ),
        ]
    }

    /// v2's `meta` (go-sdk `GetLogsV3ResponseMeta`, rs-sdk `GetLogsMeta`).
    fn meta(&self) -> Value {
        json!({
            "progress": "Complete",
            "aggQuery": self.agg_query,
            "whereQuery": self.where_query,
            "hasSQL": self.has_sql,
            "processedRows": self.processed_rows,
            "elapsedMillisecond": self.elapsed_ms,
            "cpuSec": 0.0,
            "cpuCores": 0.0,
            "limited": 0,
            "count": self.rows.len(),
            "processedBytes": 0,
            "telementryType": "logging",
            "powerSql": false,
            "insertedSQL": "",
            "keys": self.keys,
            "terms": [],
            "mode": 0,
            "isAccurate": true,
        })
    }
}

/// `query` cut to [`MAX_ECHOED_QUERY`] bytes (at a character boundary) for a header.
fn echoed(query: &str) -> String {
    if query.len() <= MAX_ECHOED_QUERY {
        return query.to_owned();
    }
    let mut end = MAX_ECHOED_QUERY;
    while !query.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &query[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_queries_are_cut_in_headers() {
        assert_eq!(echoed("select 1"), "select 1");
        let long = "é".repeat(MAX_ECHOED_QUERY);
        let cut = echoed(&long);
        assert!(cut.len() <= MAX_ECHOED_QUERY + 3, "{}", cut.len());
        assert!(cut.ends_with("..."));
    }

    #[test]
    fn sql_rows_become_string_objects_with_null_spelled_out() {
        let (rows, keys) = to_json_rows(QueryRows::Sql {
            columns: vec!["status".into(), "pv".into()],
            rows: vec![vec![Some("200".into()), None]],
        });
        assert_eq!(keys, ["status", "pv"]);
        assert_eq!(
            Value::Object(rows[0].clone()),
            json!({"status": "200", "pv": "null"})
        );
    }

    #[test]
    fn log_keys_are_collected_in_order() {
        let (_, keys) = to_json_rows(QueryRows::Logs(vec![
            vec![("__time__".into(), "1".into()), ("a".into(), "x".into())],
            vec![("__time__".into(), "2".into()), ("b".into(), "y".into())],
        ]));
        assert_eq!(keys, ["__time__", "a", "b"]);
    }
}
