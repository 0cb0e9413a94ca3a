//! Which project a request reaches: Host label, then `x-log-project`, then
//! `?project=`, then the configured default.

use axum::body::Body;
use fclocal_sls_api::ApiConfig;
use http::Request;

use crate::support::*;

fn bare(uri: &str, host: &str) -> http::request::Builder {
    Request::builder().uri(uri).header("host", host)
}

#[tokio::test]
async fn the_project_comes_from_host_then_header_then_query_then_default() {
    let backend = FakeBackend::new();
    let router = app(
        &backend,
        ApiConfig {
            default_project: Some("other".into()),
            ..config()
        },
    );
    let stores = |answer: &Answer| answer.json()["logstores"].clone();

    let by_host = send(
        &router,
        bare("/logstores", "proj.localhost:9000")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(stores(&by_host), serde_json::json!(["audit", "fc-logs"]));

    let by_header = bare("/logstores", "127.0.0.1:9000")
        .header("x-log-project", "proj")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        stores(&send(&router, by_header).await),
        serde_json::json!(["audit", "fc-logs"])
    );

    let by_query = bare("/logstores?project=proj", "localhost:9000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        stores(&send(&router, by_query).await),
        serde_json::json!(["audit", "fc-logs"])
    );

    let by_default = bare("/logstores", "127.0.0.1:9000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        stores(&send(&router, by_default).await),
        serde_json::json!(["fc-logs"])
    );

    let host_wins = bare("/logstores?project=proj", "other.127.0.0.1:9000")
        .header("x-log-project", "proj")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        stores(&send(&router, host_wins).await),
        serde_json::json!(["fc-logs"])
    );
}

#[tokio::test]
async fn no_project_says_how_to_name_one() {
    let router = app(&FakeBackend::new(), config());
    let answer = send(
        &router,
        bare("/logstores/fc-logs", "127.0.0.1:9000")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let message = answer.error(404, "ProjectNotExist");
    assert!(
        message.contains("x-log-project") && message.contains("Host"),
        "{message}"
    );

    let unknown = send(
        &router,
        bare("/logstores", "nobody.127.0.0.1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        unknown.error(404, "ProjectNotExist"),
        "The Project does not exist : nobody"
    );
}
