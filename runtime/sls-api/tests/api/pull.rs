//! GetCursor, GetCursorTime and PullLogs: what a consumer loop sees.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fclocal_sls_api::LogGroupList;
use fclocal_sls_api::compression::Compression;
use prost::Message as _;

use crate::support::*;

async fn cursor(router: &axum::Router, shard: u32, from: &str) -> String {
    let answer = send(
        router,
        get(&format!(
            "/logstores/fc-logs/shards/{shard}?type=cursor&from={from}"
        )),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.json()["cursor"].as_str().unwrap().to_owned()
}

fn decimal(cursor: &str) -> u64 {
    String::from_utf8(STANDARD.decode(cursor).unwrap())
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn cursors_are_base64_decimals() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    for messages in [["one"], ["two"]] {
        send(
            &router,
            put(
                "/logstores/fc-logs/shards/lb",
                &group("svc", &messages),
                Some(Compression::Lz4),
            ),
        )
        .await;
    }
    assert_eq!(decimal(&cursor(&router, 0, "begin").await), 0);
    let end = cursor(&router, 0, "end").await;
    assert_eq!(end, STANDARD.encode("2"));
    assert_eq!(decimal(&cursor(&router, 0, &NOW.to_string()).await), 0);
    assert_eq!(
        decimal(&cursor(&router, 0, &(NOW + 1).to_string()).await),
        2
    );

    let time = send(
        &router,
        get(&format!(
            "/logstores/fc-logs/shards/0?type=cursor_time&cursor={}",
            STANDARD.encode("1")
        )),
    )
    .await;
    assert_eq!(time.json()["cursor_time"], NOW);

    let bad = send(
        &router,
        get("/logstores/fc-logs/shards/0?type=cursor&from=yesterday"),
    )
    .await;
    bad.error(400, "ParameterInvalid");
    send(
        &router,
        get("/logstores/fc-logs/shards/9?type=cursor&from=begin"),
    )
    .await
    .error(404, "ShardNotExist");
    send(
        &router,
        get("/logstores/fc-logs/shards/x?type=cursor&from=begin"),
    )
    .await
    .error(400, "ParameterInvalid");
}

#[tokio::test]
async fn pull_logs_answers_lz4_protobuf_with_its_headers() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let written = [
        group("svc", &["one"]),
        group("svc", &["two", "three"]),
        group("svc", &["four"]),
    ];
    for group in &written {
        send(
            &router,
            put(
                "/logstores/fc-logs/shards/lb",
                group,
                Some(Compression::Lz4),
            ),
        )
        .await;
    }
    let begin = cursor(&router, 0, "begin").await;
    // go-sdk / rs-sdk: type=logs.
    let uri = format!(
        "/logstores/fc-logs/shards/0?type=logs&cursor={}&count=2",
        urlencode(&begin)
    );
    let mut request = get(&uri);
    request
        .headers_mut()
        .insert("accept", "application/x-protobuf".parse().unwrap());
    request
        .headers_mut()
        .insert("accept-encoding", "lz4".parse().unwrap());
    let answer = send(&router, request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), "application/x-protobuf");
    assert_eq!(answer.header("x-log-compresstype"), "lz4");
    assert_eq!(answer.header("x-log-count"), "2");
    let next = answer.header("x-log-cursor").to_owned();
    assert_eq!(decimal(&next), 2);
    let list = LogGroupList::decode(decompress(&answer).as_slice()).unwrap();
    assert_eq!(list.log_group_list, written[..2]);

    // py-sdk: type=log, end_cursor, Accept-Encoding: lz4.
    let end = cursor(&router, 0, "end").await;
    let uri = format!(
        "/logstores/fc-logs/shards/0?type=log&cursor={}&count=1000&end_cursor={}",
        urlencode(&next),
        urlencode(&end)
    );
    let mut request = get(&uri);
    request
        .headers_mut()
        .insert("accept-encoding", "lz4".parse().unwrap());
    let answer = send(&router, request).await;
    assert_eq!(answer.header("x-log-compresstype"), "lz4");
    let list = LogGroupList::decode(decompress(&answer).as_slice()).unwrap();
    assert_eq!(list.log_group_list, written[2..]);
    assert_eq!(answer.header("x-log-cursor"), end);

    // At the end: nothing, raw size 0, the cursor unchanged.
    let answer = send(
        &router,
        get(&format!(
            "/logstores/fc-logs/shards/0?type=logs&cursor={}&count=10",
            urlencode(&end)
        )),
    )
    .await;
    assert_eq!(
        (
            answer.header("x-log-count"),
            answer.header("x-log-bodyrawsize")
        ),
        ("0", "0")
    );
    assert_eq!(answer.header("x-log-cursor"), end);
    // No Accept-Encoding: raw (and empty) protobuf.
    assert!(answer.headers.get("x-log-compresstype").is_none());
    assert!(answer.body.is_empty());
}

#[tokio::test]
async fn pull_logs_answers_raw_protobuf_unless_lz4_or_zstd_is_accepted() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let written = group("svc", &["one", "two"]);
    send(&router, put("/logstores/fc-logs/shards/lb", &written, None)).await;
    let uri = format!(
        "/logstores/fc-logs/shards/0?type=logs&cursor={}&count=10",
        urlencode(&STANDARD.encode("0"))
    );
    // npm aliyun-sdk: an empty Accept-Encoding; curl: none; a browser: gzip.
    for accept in [Some(""), None, Some("gzip, deflate, br")] {
        let mut request = get(&uri);
        if let Some(accept) = accept {
            request
                .headers_mut()
                .insert("accept-encoding", accept.parse().unwrap());
        }
        let answer = send(&router, request).await;
        assert_eq!(answer.status, 200, "{accept:?}");
        assert!(
            answer.headers.get("x-log-compresstype").is_none(),
            "{accept:?}"
        );
        assert_eq!(answer.header("x-log-count"), "1");
        assert_eq!(
            answer.header("x-log-bodyrawsize"),
            answer.body.len().to_string()
        );
        let list = LogGroupList::decode(answer.body.as_ref()).unwrap();
        assert_eq!(
            list.log_group_list,
            std::slice::from_ref(&written),
            "{accept:?}"
        );
    }
}

#[tokio::test]
async fn pull_logs_uses_zstd_when_only_that_is_accepted_and_rs_sdks_end_cursor() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    for messages in [["one"], ["two"]] {
        send(
            &router,
            put(
                "/logstores/fc-logs/shards/lb",
                &group("svc", &messages),
                None,
            ),
        )
        .await;
    }
    let uri = format!(
        "/logstores/fc-logs/shards/0?type=logs&cursor={}&count=5&endCursor={}",
        urlencode(&STANDARD.encode("0")),
        urlencode(&STANDARD.encode("1"))
    );
    let mut request = get(&uri);
    request
        .headers_mut()
        .insert("accept-encoding", "zstd".parse().unwrap());
    let answer = send(&router, request).await;
    assert_eq!(answer.header("x-log-compresstype"), "zstd");
    let list = LogGroupList::decode(decompress(&answer).as_slice()).unwrap();
    assert_eq!(list.log_group_list.len(), 1);
}

#[tokio::test]
async fn bad_pulls_get_slss_codes() {
    let router = app(&FakeBackend::new(), config());
    let zero = urlencode(&STANDARD.encode("0"));
    let cases = [
        (
            "type=logs&cursor=garbage!&count=1".to_owned(),
            400,
            "InvalidCursor",
        ),
        ("type=logs&count=1".to_owned(), 400, "InvalidCursor"),
        (
            format!(
                "type=logs&cursor={}&count=1",
                urlencode(&STANDARD.encode("5"))
            ),
            400,
            "InvalidCursor",
        ),
        (
            format!("type=logs&cursor={zero}&count=0"),
            400,
            "ParameterInvalid",
        ),
        (
            format!("type=logs&cursor={zero}&count=1001"),
            400,
            "ParameterInvalid",
        ),
        ("cursor=x".to_owned(), 400, "ParameterInvalid"),
    ];
    for (query, status, code) in cases {
        send(
            &router,
            get(&format!("/logstores/fc-logs/shards/0?{query}")),
        )
        .await
        .error(status, code);
    }
    let answer = send(
        &router,
        get(&format!(
            "/logstores/fc-logs/shards/7?type=logs&cursor={zero}&count=1"
        )),
    )
    .await;
    answer.error(404, "ShardNotExist");
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}
