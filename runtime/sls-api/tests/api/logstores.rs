//! ListLogStores, GetLogStore, ListShards.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn list_logstores_pages_and_filters() {
    let router = app(&FakeBackend::new(), config());
    let all = send(&router, get("/logstores")).await;
    assert_eq!(
        all.json(),
        json!({"count": 2, "total": 2, "logstores": ["audit", "fc-logs"]})
    );
    let page = send(&router, get("/logstores?offset=1&size=1")).await;
    assert_eq!(
        page.json(),
        json!({"count": 1, "total": 2, "logstores": ["fc-logs"]})
    );
    let filtered = send(&router, get("/logstores?logstoreName=logs")).await;
    assert_eq!(
        filtered.json(),
        json!({"count": 1, "total": 1, "logstores": ["fc-logs"]})
    );
}

#[tokio::test]
async fn get_logstore_uses_go_sdk_field_names() {
    let router = app(&FakeBackend::new(), config());
    let answer = send(&router, get("/logstores/fc-logs")).await;
    assert_eq!(answer.status, 200);
    let store = answer.json();
    assert_eq!(store["logstoreName"], "fc-logs");
    assert_eq!(store["ttl"], 30);
    assert_eq!(store["shardCount"], 2);
    assert_eq!(store["createTime"], NOW - 3600);
    assert_eq!(store["lastModifyTime"], NOW - 60);
    for key in [
        "enable_tracking",
        "autoSplit",
        "maxSplitShard",
        "appendMeta",
        "telemetryType",
        "mode",
    ] {
        assert!(store.get(key).is_some(), "{key} missing in {store}");
    }
    send(&router, get("/logstores/missing"))
        .await
        .error(404, "LogStoreNotExist");
}

#[tokio::test]
async fn list_shards_splits_the_key_space() {
    let router = app(&FakeBackend::new(), config());
    let answer = send(&router, get("/logstores/fc-logs/shards")).await;
    assert_eq!(
        answer.json(),
        json!([
            {"shardID": 0, "status": "readwrite", "inclusiveBeginKey": "00000000000000000000000000000000",
             "exclusiveEndKey": "80000000000000000000000000000000", "createTime": NOW - 3600},
            {"shardID": 1, "status": "readwrite", "inclusiveBeginKey": "80000000000000000000000000000000",
             "exclusiveEndKey": "ffffffffffffffffffffffffffffffff", "createTime": NOW - 3600},
        ])
    );
}
