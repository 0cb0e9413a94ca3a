//! The router over a fake [`ChartSource`], driven with `tower::ServiceExt::oneshot`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fclocal_web::{Bucket, ChartSource, Summary, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

const FROM: u64 = 1_700_000_000;

/// `(project, logstore, query, from, to, buckets)` of one histogram call.
type HistogramCall = (String, String, String, u64, u64, usize);

/// Known data, and a record of what the router asked for.
#[derive(Default)]
struct Fake {
    fail: Option<String>,
    histogram_calls: Mutex<Vec<HistogramCall>>,
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

impl ChartSource for Fake {
    fn histogram(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        from: SystemTime,
        to: SystemTime,
        buckets: usize,
    ) -> Result<Vec<Bucket>, String> {
        if let Some(message) = &self.fail {
            return Err(message.clone());
        }
        self.histogram_calls.lock().expect("lock").push((
            project.into(),
            logstore.into(),
            query.into(),
            secs(from),
            secs(to),
            buckets,
        ));
        let width = (secs(to) - secs(from)) / buckets as u64;
        Ok((0..buckets as u64)
            .map(|i| Bucket {
                from: at(secs(from) + i * width),
                to: at(secs(from) + (i + 1) * width),
                count: i + 1,
            })
            .collect())
    }

    fn summaries(&self, _from: SystemTime, _to: SystemTime) -> Result<Vec<Summary>, String> {
        if let Some(message) = &self.fail {
            return Err(message.clone());
        }
        Ok(vec![Summary {
            window_end: at(FROM + 60),
            total: 3,
            by_type: BTreeMap::from([("create".into(), 2), ("transfer".into(), 1)]),
            by_owner: BTreeMap::from([("alice".into(), 3)]),
        }])
    }

    fn logstores(&self) -> Result<Vec<(String, Vec<String>)>, String> {
        if let Some(message) = &self.fail {
            return Err(message.clone());
        }
        Ok(vec![(
            "demo-project".into(),
            vec!["fc-logs".into(), "analytics".into()],
        )])
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn get(source: Arc<Fake>, uri: &str) -> Answer {
    let response = router(source)
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8(bytes.to_vec()).expect("utf-8"),
    }
}

#[tokio::test]
async fn pages_are_html_with_the_shared_nav_and_their_controls() {
    let fake = Arc::new(Fake::default());
    let logs = get(fake.clone(), "/logs").await;
    assert_eq!(logs.status, StatusCode::OK);
    assert!(logs.content_type.starts_with("text/html"));
    for needle in [
        "<a href=\"/logs\" aria-current=\"page\">Logs</a>",
        "<a href=\"/analytics\">Analytics</a>",
        "<label for=\"query\">",
        "id=\"histogram\"",
        "id=\"tail\"",
        "id=\"results\"",
        "/fclocal/web/logs.js",
        "/fclocal/web/app.css",
    ] {
        assert!(logs.body.contains(needle), "/logs lacks {needle}");
    }
    let analytics = get(fake, "/analytics").await;
    assert_eq!(analytics.status, StatusCode::OK);
    assert!(
        analytics
            .body
            .contains("<a href=\"/analytics\" aria-current=\"page\">Analytics</a>")
    );
    for series in ["total", "type", "owner"] {
        assert!(
            analytics
                .body
                .contains(&format!("data-series=\"{series}\""))
        );
    }
}

#[tokio::test]
async fn static_assets_have_their_content_types() {
    let fake = Arc::new(Fake::default());
    for (path, kind) in [
        ("/fclocal/web/app.css", "text/css"),
        ("/fclocal/web/logs.js", "text/javascript"),
        ("/fclocal/web/analytics.js", "text/javascript"),
    ] {
        let answer = get(fake.clone(), path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(
            answer.content_type.starts_with(kind),
            "{path}: {}",
            answer.content_type
        );
        assert!(!answer.body.is_empty());
    }
}

#[tokio::test]
async fn logstores_json_lists_projects_or_answers_an_sls_error() {
    let answer = get(Arc::new(Fake::default()), "/fclocal/web/logstores.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"projects": [{"name": "demo-project", "logstores": ["fc-logs", "analytics"]}]})
    );

    let failing = Arc::new(Fake {
        fail: Some("the logstore database is locked".into()),
        ..Fake::default()
    });
    let answer = get(failing, "/fclocal/web/logstores.json").await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    assert_eq!(json["errorCode"], "InternalServerError");
    assert_eq!(json["errorMessage"], "the logstore database is locked");
}

#[tokio::test]
async fn histogram_passes_the_request_to_the_source_and_draws_bars() {
    let fake = Arc::new(Fake::default());
    let uri = format!(
        "/fclocal/web/histogram.svg?project=demo-project&logstore=fc-logs&query=level%3AERROR&from={FROM}&to={}&buckets=4&tz=480",
        FROM + 400
    );
    let answer = get(fake.clone(), &uri).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.content_type.starts_with("image/svg+xml"));
    assert!(answer.body.starts_with("<svg"));
    assert!(answer.body.contains("matching level:ERROR"));
    assert!(answer.body.contains("time (UTC+08:00)"));
    assert_eq!(answer.body.matches("fill=\"#1F77B4\"").count(), 4);
    let calls = fake.histogram_calls.lock().expect("lock").clone();
    assert_eq!(
        calls,
        [(
            "demo-project".into(),
            "fc-logs".into(),
            "level:ERROR".into(),
            FROM,
            FROM + 400,
            4
        )]
    );
}

#[tokio::test]
async fn chart_errors_are_drawn_not_500() {
    let missing = get(
        Arc::new(Fake::default()),
        "/fclocal/web/histogram.svg?logstore=fc-logs",
    )
    .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(missing.content_type.starts_with("image/svg+xml"));
    assert!(
        missing.body.contains("choose a project"),
        "{}",
        missing.body
    );

    let failing = Arc::new(Fake {
        fail: Some("QuerySyntaxError: unexpected ')' at column 7".into()),
        ..Fake::default()
    });
    let answer = get(
        failing.clone(),
        "/fclocal/web/histogram.svg?project=p&logstore=l&query=a)",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains("unexpected &apos;)&apos; at column 7"),
        "{}",
        answer.body
    );

    let answer = get(failing, "/fclocal/web/analytics.svg?series=type").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("QuerySyntaxError"));

    let bad_series = get(
        Arc::new(Fake::default()),
        "/fclocal/web/analytics.svg?series=colour",
    )
    .await;
    assert!(bad_series.body.contains("series=colour is unknown"));
}

#[tokio::test]
async fn analytics_svg_draws_the_requested_series() {
    let fake = Arc::new(Fake::default());
    let uri = format!(
        "/fclocal/web/analytics.svg?from={FROM}&to={}&series=type",
        FROM + 600
    );
    let answer = get(fake, &uri).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("Events per window, by event type"));
    assert!(answer.body.contains("\ncreate\n"));
    assert!(answer.body.contains("\ntransfer\n"));
}
