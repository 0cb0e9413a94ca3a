//! GetLogs v1 (GET, headers) and v2 (POST, meta/data, LZ4).

use axum::body::Body;
use fclocal_sls_api::compression::Compression;
use serde_json::{Value, json};

use crate::support::*;

async fn seeded() -> (std::sync::Arc<FakeBackend>, axum::Router) {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    for (topic, messages) in [
        ("svc", &["first error", "second ok"][..]),
        ("other", &["third error"][..]),
    ] {
        let answer = send(
            &router,
            put(
                "/logstores/fc-logs/shards/lb",
                &group(topic, messages),
                Some(Compression::Lz4),
            ),
        )
        .await;
        assert_eq!(answer.status, 200);
    }
    (backend, router)
}

fn range() -> String {
    format!("from={}&to={}", NOW - 3600, NOW + 60)
}

#[tokio::test]
async fn v1_answers_string_rows_and_every_header() {
    let (_, router) = seeded().await;
    let uri = format!(
        "/logstores/fc-logs?type=log&{}&topic=&query=error&line=100&offset=0&reverse=false",
        range()
    );
    let answer = send(&router, get(&uri)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.header("x-log-progress"), "Complete");
    assert_eq!(answer.header("x-log-count"), "2");
    assert_eq!(answer.header("x-log-processed-rows"), "2");
    assert_eq!(answer.header("x-log-has-sql"), "false");
    assert_eq!(answer.header("x-log-where-query"), "error");
    assert_eq!(answer.header("x-log-agg-query"), "");
    answer
        .header("x-log-elapsed-millisecond")
        .parse::<u64>()
        .unwrap();
    let info: Value = serde_json::from_str(answer.header("x-log-query-info")).unwrap();
    assert_eq!(info["keys"][0], "__time__");
    assert!(answer.headers.get("x-log-bodyrawsize").is_none());

    let rows = answer.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        json!({
            "__time__": (NOW - 100).to_string(),
            "__topic__": "svc",
            "__source__": "10.0.0.1",
            "__tag__:__receive_time__": NOW.to_string(),
            "message": "first error",
            "functionName": "hello",
        })
    );
    for row in rows {
        assert!(
            row.as_object().unwrap().values().all(Value::is_string),
            "{row}"
        );
    }
}

#[tokio::test]
async fn v1_passes_paging_and_defaults_to_the_backend() {
    let (backend, router) = seeded().await;
    let uri = format!(
        "/logstores/fc-logs?type=log&{}&query=*&line=1&offset=1&reverse=true&topic=svc",
        range()
    );
    let answer = send(&router, get(&uri)).await;
    assert_eq!(answer.json()[0]["message"], "first error");
    let bare = send(
        &router,
        get(&format!("/logstores/fc-logs?type=log&{}", range())),
    )
    .await;
    assert_eq!(bare.header("x-log-count"), "3");
    let seen = backend.seen.lock().unwrap();
    let (paged, defaults) = (&seen.get_logs[0], &seen.get_logs[1]);
    assert_eq!(
        (
            paged.line,
            paged.offset,
            paged.reverse,
            paged.topic.as_deref()
        ),
        (1, 1, true, Some("svc"))
    );
    assert_eq!(
        (
            defaults.line,
            defaults.offset,
            defaults.reverse,
            defaults.topic.as_deref(),
            defaults.query.as_str()
        ),
        (100, 0, false, None, "")
    );
    assert_eq!(
        (defaults.from, defaults.to, defaults.from_ns),
        ((NOW - 3600) as i64, (NOW + 60) as i64, 0)
    );
}

#[tokio::test]
async fn v1_sql_answers_columns_as_strings() {
    let (_, router) = seeded().await;
    let query = "error | select count(*) as count";
    let uri = format!(
        "/logstores/fc-logs?type=log&{}&query={}",
        range(),
        query.replace(' ', "+").replace('|', "%7C")
    );
    let answer = send(&router, get(&uri)).await;
    assert_eq!(answer.header("x-log-has-sql"), "true");
    assert_eq!(answer.header("x-log-where-query"), "error");
    assert_eq!(answer.header("x-log-agg-query"), "select count(*) as count");
    assert_eq!(answer.json(), json!([{"count": "2", "nothing": "null"}]));
}

#[tokio::test]
async fn v1_checks_its_parameters() {
    let (_, router) = seeded().await;
    let cases = [
        (format!("from={NOW}&to={NOW}"), "InvalidTimeRange"),
        (format!("from={NOW}&to={}", NOW - 1), "InvalidTimeRange"),
        (format!("{}&line=101", range()), "InvalidLine"),
        (format!("{}&line=ten", range()), "InvalidLine"),
        (format!("{}&offset=-1", range()), "InvalidOffset"),
        (format!("{}&reverse=maybe", range()), "InvalidReverse"),
        (format!("to={NOW}"), "ParameterInvalid"),
        (format!("{}&fromNs=1000000000", range()), "ParameterInvalid"),
    ];
    for (query, code) in cases {
        let answer = send(
            &router,
            get(&format!("/logstores/fc-logs?type=log&{query}")),
        )
        .await;
        answer.error(400, code);
    }
    let same_second = send(
        &router,
        get(&format!(
            "/logstores/fc-logs?type=log&from={NOW}&to={NOW}&fromNs=1&toNs=2"
        )),
    )
    .await;
    assert_eq!(
        same_second.status, 200,
        "a nanosecond range within one second is not empty"
    );
}

#[tokio::test]
async fn query_errors_carry_the_position() {
    let (_, router) = seeded().await;
    let answer = send(
        &router,
        get(&format!(
            "/logstores/fc-logs?type=log&{}&query=a+((b",
            range()
        )),
    )
    .await;
    let message = answer.error(400, "InvalidQueryString");
    assert_eq!(message, "unbalanced parenthesis (at position 2)");
}

fn v2(body: Value, accept_lz4: bool) -> http::Request<Body> {
    let body = body.to_string();
    let mut builder = sdk_request("POST", "/logstores/fc-logs/logs")
        .header("content-type", "application/json")
        .header("x-log-bodyrawsize", body.len().to_string());
    if accept_lz4 {
        builder = builder.header("accept-encoding", "lz4");
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn v2_answers_meta_and_data_uncompressed_without_raw_size() {
    let (backend, router) = seeded().await;
    // rs-sdk spells `lines`; py-sdk sends nulls; unknown keys are ignored.
    let body = json!({
        "from": NOW - 3600, "to": NOW + 60, "lines": 1, "offset": 0, "reverse": true,
        "query": "error", "powerSql": false, "forward": null, "need_highlight": false, "session": "x",
    });
    let answer = send(&router, v2(body, false)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(
        answer.headers.get("x-log-bodyrawsize").is_none(),
        "go-sdk would try to decompress"
    );
    assert!(
        answer.headers.get("x-log-compresstype").is_none(),
        "rs-sdk would try to decompress"
    );
    let document = answer.json();
    let meta = &document["meta"];
    assert_eq!(meta["progress"], "Complete");
    assert_eq!(meta["count"], 1);
    assert_eq!(meta["processedRows"], 2);
    assert_eq!(meta["hasSQL"], false);
    assert_eq!(meta["whereQuery"], "error");
    assert_eq!(meta["aggQuery"], "");
    assert!(meta["elapsedMillisecond"].is_u64());
    assert!(meta["keys"].as_array().unwrap().contains(&json!("message")));
    assert_eq!(meta["terms"], json!([]));
    assert_eq!(document["data"][0]["message"], "third error");
    let seen = backend.seen.lock().unwrap();
    assert_eq!((seen.get_logs[0].line, seen.get_logs[0].reverse), (1, true));
}

#[tokio::test]
async fn v2_compresses_with_lz4_when_asked() {
    let (_, router) = seeded().await;
    let body = json!({"from": NOW - 3600, "to": NOW + 60, "line": 100, "offset": 0, "reverse": false, "query": "*"});
    let plain = send(&router, v2(body.clone(), false)).await;
    let compressed = send(&router, v2(body, true)).await;
    assert_eq!(compressed.header("x-log-compresstype"), "lz4");
    let raw = decompress(&compressed);
    let document: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(document["data"], plain.json()["data"]);
    assert_eq!(document["meta"]["count"], 3);
}

#[tokio::test]
async fn v2_rejects_bodies_that_are_not_objects() {
    let (_, router) = seeded().await;
    let request = sdk_request("POST", "/logstores/fc-logs/logs")
        .header("content-type", "application/json")
        .body(Body::from("[1, 2]"))
        .unwrap();
    send(&router, request).await.error(400, "PostBodyInvalid");
    send(&router, v2(json!({"to": NOW}), false))
        .await
        .error(400, "ParameterInvalid");
}
