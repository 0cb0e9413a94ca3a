//! The admin routes in process: publishing by hand, tags, the 404 for an unknown topic,
//! and the counts.

use std::sync::Arc;

use axum::body::Body;
use fclocal_template::NotifyContentFormat;
use fclocal_topics::{
    DeclaredTopic, Deliver, Delivery, HubConfig, Recorded, Subscription, TopicHub,
};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt as _;

struct Fake(mpsc::UnboundedSender<Vec<u8>>);

impl Deliver for Fake {
    fn deliver(&self, _s: &Subscription, _request_id: String, event: Vec<u8>) -> Delivery {
        let _ = self.0.send(event);
        Box::pin(async { Ok(()) })
    }

    fn record(&self, _s: &Subscription, _level: &str, _line: &str) -> Recorded {
        Box::pin(async {})
    }
}

async fn call(router: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

fn post(path: &str, tag: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path);
    if let Some(tag) = tag {
        request = request.header("x-mns-message-tag", tag);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn publish_by_hand_list_counts_and_refuse_unknown_topics() {
    let (sender, mut delivered) = mpsc::unbounded_channel();
    let (status, mut statuses) = mpsc::unbounded_channel::<String>();
    let hub = TopicHub::start(
        &[DeclaredTopic {
            name: "marbles-blocks".into(),
            source: "ledger blocks".into(),
        }],
        vec![Subscription {
            topic: "marbles-blocks".into(),
            service: "svc".into(),
            function: "rewards".into(),
            trigger: "on-block".into(),
            format: NotifyContentFormat::Json,
            filter_tag: Some("test".into()),
        }],
        Arc::new(Fake(sender)),
        HubConfig {
            account_id: "42".into(),
            queue_capacity: 8,
            status: Arc::new(move |line: &str| {
                let _ = status.send(line.to_owned());
            }),
        },
    );
    let router = fclocal_topics::router(Arc::new(hub));

    let (code, body) = call(
        &router,
        post(
            "/fclocal/topics/marbles-blocks/messages",
            Some("test"),
            "hi",
        ),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    assert_eq!(body["queuedFor"], 1);
    assert_eq!(body["MessageBodyMD5"].as_str().unwrap().len(), 32);
    let event: Value = serde_json::from_slice(&delivered.recv().await.unwrap()).unwrap();
    assert_eq!(event["Message"], "hi");
    assert_eq!(event["MessageId"], body["MessageId"]);
    assert!(
        statuses
            .recv()
            .await
            .unwrap()
            .contains("delivered to svc/rewards")
    );

    // Without the tag, the FilterTag keeps it from the function.
    let (code, body) = call(
        &router,
        post("/fclocal/topics/marbles-blocks/messages", None, "untagged"),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(body["queuedFor"], 0);

    let (code, body) = call(&router, post("/fclocal/topics/nope/messages", None, "x")).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "TopicNotExist");
    assert_eq!(body["knownTopics"], serde_json::json!(["marbles-blocks"]));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("topic `nope` does not exist"),
        "{body}"
    );

    let (code, body) = call(
        &router,
        post("/fclocal/topics/marbles-blocks/messages", None, ""),
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("empty"),
        "{body}"
    );

    let (code, body) = call(
        &router,
        Request::get("/fclocal/topics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let topic = &body["topics"][0];
    assert_eq!(topic["name"], "marbles-blocks");
    assert_eq!(topic["declaredBy"], serde_json::json!(["ledger blocks"]));
    let sub = &topic["subscriptions"][0];
    assert_eq!(sub["function"], "svc/rewards");
    assert_eq!(sub["notifyContentFormat"], "JSON");
    assert_eq!(sub["filterTag"], "test");
    assert_eq!(sub["delivered"], 1);
    assert_eq!(sub["filtered"], 1);
    assert_eq!(sub["failed"], 0);
}
