//! GetHistograms: an array of buckets plus progress/count headers.

use fclocal_sls_api::TimeBucket;
use fclocal_sls_api::compression::Compression;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn histograms_are_arrays_of_buckets_with_headers() {
    let backend = FakeBackend::new();
    let router = app(&backend, config());
    let answer = send(
        &router,
        put(
            "/logstores/fc-logs/shards/lb",
            &group("svc", &["a error", "b", "c error"]),
            Some(Compression::Lz4),
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    // Logs sit at NOW-100, NOW-99, NOW-98; 120 s → 60 buckets of 2 s.
    let (from, to) = (NOW - 120, NOW);
    let uri = format!(
        "/logstores/fc-logs?type=histogram&from={from}&to={to}&topic=svc&query=error+%7C+select+1"
    );
    let answer = send(&router, get(&uri)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-log-progress"), "Complete");
    assert_eq!(answer.header("x-log-count"), "2");
    let buckets = answer.json();
    let buckets = buckets.as_array().unwrap();
    assert_eq!(buckets.len(), 60);
    assert_eq!(
        buckets[0],
        json!({"from": from, "to": from + 2, "count": 0, "progress": "Complete"})
    );
    assert_eq!(
        buckets[10],
        json!({"from": NOW - 100, "to": NOW - 98, "count": 1, "progress": "Complete"})
    );
    assert_eq!(buckets[11]["count"], 1);

    let seen = backend.seen.lock().unwrap();
    let request = &seen.histograms[0];
    assert_eq!(
        request.query, "error",
        "only the search statement is counted"
    );
    assert_eq!(request.topic.as_deref(), Some("svc"));
    assert_eq!(
        request.buckets[59],
        TimeBucket {
            from: (to - 2) as i64,
            to: to as i64
        }
    );
}

#[tokio::test]
async fn an_empty_range_is_invalid() {
    let router = app(&FakeBackend::new(), config());
    let answer = send(
        &router,
        get(&format!(
            "/logstores/fc-logs?type=histogram&from={NOW}&to={NOW}"
        )),
    )
    .await;
    answer.error(400, "InvalidTimeRange");
}
