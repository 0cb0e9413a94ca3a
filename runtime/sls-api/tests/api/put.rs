//! PutLogs as each SDK sends it, and what it refuses.

use fclocal_sls_api::compression::Compression;
use fclocal_sls_api::{Log, LogContent, LogGroup};
use prost::Message as _;

use crate::support::*;

#[tokio::test]
async fn py_and_rs_sdk_put_lz4_blocks_to_shards_lb() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let group = group("svc", &["hello", "world"]);
    let answer = send(
        &router,
        put(
            "/logstores/fc-logs/shards/lb",
            &group,
            Some(Compression::Lz4),
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.is_empty());
    assert!(!answer.header("x-log-requestid").is_empty());
    assert_eq!(backend.stored(PROJECT, LOGSTORE, 0), vec![group]);
    let seen = backend.seen.lock().unwrap();
    let put = &seen.puts[0];
    assert_eq!(
        (put.project.as_str(), put.logstore.as_str()),
        (PROJECT, LOGSTORE)
    );
    assert_eq!((put.hash_key.as_deref(), put.received_at), (None, NOW));
}

#[tokio::test]
async fn go_sdk_puts_zstd_to_the_logstore_path() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let group = group("svc", &["zstd"]);
    let answer = send(
        &router,
        put("/logstores/fc-logs", &group, Some(Compression::Zstd)),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(backend.stored(PROJECT, LOGSTORE, 0), vec![group]);
}

#[tokio::test]
async fn npm_sdk_puts_zlib_deflate_bodies() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let group = group("svc", &["deflate"]);
    // npm aliyun-sdk: zlib.deflateSync(protobuf), x-log-compresstype: deflate.
    let answer = send(
        &router,
        put(
            "/logstores/fc-logs/shards/lb",
            &group,
            Some(Compression::Deflate),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(backend.stored(PROJECT, LOGSTORE, 0), vec![group]);

    // A zlib bomb past the group limit is refused before it is inflated.
    let bomb = Compression::Deflate.compress(&vec![0; 8 << 20]).unwrap();
    let request = sdk_request("POST", "/logstores/fc-logs/shards/lb")
        .header("content-type", "application/x-protobuf")
        .header("x-log-compresstype", "deflate")
        .header("x-log-bodyrawsize", "100")
        .body(axum::body::Body::from(bomb))
        .unwrap();
    send(&router, request)
        .await
        .error(400, "PostBodyUncompressError");
}

#[tokio::test]
async fn uncompressed_bodies_route_by_hash_key() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let upper = group("svc", &["to shard 1"]);
    let uri = "/logstores/fc-logs/shards/route?key=C0FFEE00000000000000000000000000";
    assert_eq!(send(&router, put(uri, &upper, None)).await.status, 200);
    assert_eq!(backend.stored(PROJECT, LOGSTORE, 1), vec![upper]);

    let lower = group("svc", &["to shard 0"]);
    let mut request = put("/logstores/fc-logs/shards/lb", &lower, None);
    request
        .headers_mut()
        .insert("x-log-hashkey", "0123".parse().unwrap());
    assert_eq!(send(&router, request).await.status, 200);
    assert_eq!(backend.stored(PROJECT, LOGSTORE, 0), vec![lower]);
    let keys: Vec<Option<String>> = backend
        .seen
        .lock()
        .unwrap()
        .puts
        .iter()
        .map(|put| put.hash_key.clone())
        .collect();
    assert_eq!(
        keys,
        [
            Some("c0ffee00000000000000000000000000".to_owned()),
            Some("0123".to_owned())
        ]
    );

    let bad = send(
        &router,
        put(
            "/logstores/fc-logs/shards/route?key=not-hex",
            &group("t", &["x"]),
            None,
        ),
    )
    .await;
    bad.error(400, "ParameterInvalid");
}

#[tokio::test]
async fn oversized_groups_are_refused_whole() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let mut many = group("svc", &["x"]);
    many.logs = vec![many.logs[0].clone(); 4097];
    let answer = send(
        &router,
        put(
            "/logstores/fc-logs/shards/lb",
            &many,
            Some(Compression::Lz4),
        ),
    )
    .await;
    let message = answer.error(413, "PostBodyTooLarge");
    assert!(
        message.starts_with("Logs must be less than or equal to 3 MB and 4096 entries"),
        "{message}"
    );

    let mut big = group("svc", &["x"]);
    big.logs[0]
        .contents
        .push(LogContent::new("blob", "a".repeat(3 * 1024 * 1024)));
    let answer = send(
        &router,
        put("/logstores/fc-logs/shards/lb", &big, Some(Compression::Lz4)),
    )
    .await;
    answer.error(413, "PostBodyTooLarge");
    let answer = send(&router, put("/logstores/fc-logs/shards/lb", &big, None)).await;
    answer.error(413, "PostBodyTooLarge");
    assert_eq!(backend.total_groups(), 0);
}

#[tokio::test]
async fn a_log_outside_the_time_window_rejects_the_group() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let mut stale = group("svc", &["fresh", "stale"]);
    stale.logs[1].time = (NOW - 8 * 24 * 3600) as u32;
    let answer = send(
        &router,
        put(
            "/logstores/fc-logs/shards/lb",
            &stale,
            Some(Compression::Lz4),
        ),
    )
    .await;
    let message = answer.error(499, "PostBodyInvalid");
    assert!(
        message.starts_with("The post data time is out of range"),
        "{message}"
    );

    let mut future = group("svc", &["future"]);
    future.logs[0].time = (NOW + 16 * 60) as u32;
    let answer = send(&router, put("/logstores/fc-logs", &future, None)).await;
    answer.error(499, "PostBodyInvalid");
    assert_eq!(backend.total_groups(), 0, "nothing partial is stored");
}

#[tokio::test]
async fn bad_keys_are_invalid() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    for key in ["", "__time__", &"k".repeat(129)] {
        let group = LogGroup {
            logs: vec![Log {
                time: NOW as u32,
                contents: vec![LogContent::new("ok", "1"), LogContent::new(key, "2")],
                time_ns: None,
            }],
            ..LogGroup::default()
        };
        let answer = send(
            &router,
            put(
                "/logstores/fc-logs/shards/lb",
                &group,
                Some(Compression::Lz4),
            ),
        )
        .await;
        let message = answer.error(400, "InvalidKey");
        assert!(message.contains("invalid key"), "{message}");
    }
    assert_eq!(backend.total_groups(), 0);
}

#[tokio::test]
async fn undecodable_bodies_name_what_is_wrong() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let garbage = send(
        &router,
        put_bytes("/logstores/fc-logs/shards/lb", vec![0xff; 16], None),
    )
    .await;
    garbage.error(400, "PostBodyInvalid");

    let raw = group("svc", &["x"]).encode_to_vec();
    let request = sdk_request("POST", "/logstores/fc-logs/shards/lb")
        .header("content-type", "application/x-protobuf")
        .header("x-log-compresstype", "lz4")
        .header("x-log-bodyrawsize", raw.len().to_string())
        .body(axum::body::Body::from(vec![0xf0, 0xff, 0xff]))
        .unwrap();
    send(&router, request)
        .await
        .error(400, "PostBodyUncompressError");

    let mut request = put(
        "/logstores/fc-logs/shards/lb",
        &group("svc", &["x"]),
        Some(Compression::Lz4),
    );
    request
        .headers_mut()
        .insert("x-log-bodyrawsize", "7".parse().unwrap());
    send(&router, request)
        .await
        .error(400, "PostBodyUncompressError");

    let mut request = put("/logstores/fc-logs/shards/lb", &group("svc", &["x"]), None);
    request
        .headers_mut()
        .insert("x-log-compresstype", "brotli".parse().unwrap());
    send(&router, request)
        .await
        .error(400, "InvalidCompressType");
    assert_eq!(backend.total_groups(), 0);
}

#[tokio::test]
async fn an_unknown_logstore_is_the_backends_404() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let answer = send(
        &router,
        put(
            "/logstores/nope/shards/lb",
            &group("svc", &["x"]),
            Some(Compression::Lz4),
        ),
    )
    .await;
    let message = answer.error(404, "LogStoreNotExist");
    assert_eq!(message, "logstore nope does not exist");
}
