//! Error shapes, request ids, unsupported operations, and living beside the
//! FC server's routes.

use std::collections::HashSet;

use axum::Router;
use axum::body::Body;
use axum::routing::get as get_route;
use fclocal_sls_api::compression::Compression;
use http::Request;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::*;

#[tokio::test]
async fn every_answer_has_a_fresh_request_id() {
    let router = app(&FakeBackend::new(), config());
    let mut ids = HashSet::new();
    for uri in [
        "/logstores",
        "/logstores/missing",
        "/logstores/fc-logs/shards",
    ] {
        let answer = send(&router, get(uri)).await;
        let id = answer.header("x-log-requestid").to_owned();
        assert_eq!(id.len(), 24, "{id}");
        assert!(ids.insert(id));
    }
}

#[tokio::test]
async fn operations_fclocal_does_not_serve_answer_in_slss_shape() {
    let router = app(&FakeBackend::new(), config());
    for (method, uri) in [
        ("DELETE", "/logstores/fc-logs"),
        ("POST", "/logstores"),
        ("GET", "/logstores/fc-logs/index"),
        ("POST", "/logstores/fc-logs/consumergroups"),
        ("GET", "/logstores/fc-logs?type=topic"),
        ("PUT", "/logstores/fc-logs/shards/0"),
    ] {
        let request = sdk_request(method, uri).body(Body::empty()).unwrap();
        let message = send(&router, request).await.error(400, "ParameterInvalid");
        assert!(
            message.contains("does not serve") && message.contains("PutLogs"),
            "{method} {uri}: {message}"
        );
    }
    let answer = send(&router, get("/logstores/fc-logs/shards/0")).await;
    assert!(
        answer
            .error(400, "ParameterInvalid")
            .contains("`type` is required")
    );
}

#[tokio::test]
async fn the_router_merges_beside_a_server_with_its_own_fallback() {
    let sls = app(&FakeBackend::new(), config());
    let server = Router::new()
        .route("/fclocal/health", get_route(|| async { "ok" }))
        .fallback(|| async { (http::StatusCode::NOT_FOUND, "fc fallback") })
        .merge(sls);
    let answer = send(&server, get("/logstores")).await;
    assert_eq!(answer.status, 200);
    let fc = send(
        &server,
        Request::builder()
            .uri("/2016-08-15/proxy/s/f/")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (fc.status.as_u16(), &fc.body[..]),
        (404, &b"fc fallback"[..])
    );
}

#[tokio::test]
async fn a_real_listener_sees_the_client_address() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });

    let raw = Compression::Lz4
        .compress(&prost::Message::encode_to_vec(&group("svc", &["over tcp"])))
        .unwrap();
    let raw_size = prost::Message::encode_to_vec(&group("svc", &["over tcp"])).len();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /logstores/fc-logs/shards/lb HTTP/1.1\r\nHost: proj.127.0.0.1:{}\r\nContent-Type: application/x-protobuf\r\nx-log-compresstype: lz4\r\nx-log-bodyrawsize: {raw_size}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        address.port(),
        raw.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&raw).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("x-log-requestid: "),
        "{response}"
    );
    server.abort();

    let seen = backend.seen.lock().unwrap();
    assert_eq!(seen.puts[0].client_ip.as_deref(), Some("127.0.0.1"));
}
