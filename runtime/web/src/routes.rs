//! The router: pages, assets, chart endpoints and the logstore list.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fclocal_sls_query::Cancel;
use serde_json::json;

use crate::chart::{analytics, error_svg, histogram};
use crate::pages;
use crate::params::{RawParams, Size};
use crate::source::ChartSource;

type Source = Arc<dyn ChartSource>;

/// The pages and their endpoints; see the crate docs for the list.
pub fn router(source: Arc<dyn ChartSource>) -> Router {
    Router::new()
        .route("/logs", get(pages::logs))
        .route("/analytics", get(pages::analytics))
        .route("/fclocal/web/app.css", get(pages::app_css))
        .route("/fclocal/web/logs.js", get(pages::logs_js))
        .route("/fclocal/web/analytics.js", get(pages::analytics_js))
        .route("/fclocal/web/logstores.json", get(logstores_json))
        .route("/fclocal/web/histogram.svg", get(histogram_svg))
        .route("/fclocal/web/analytics.svg", get(analytics_svg))
        .with_state(source)
}

/// Runs a [`ChartSource`] call on the blocking pool, withdrawn (its query stopped) when
/// this future is dropped: a page that navigates away must not leave a query running.
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let cancel = Cancel::new();
    let _withdraw_if_dropped = cancel.on_drop();
    tokio::task::spawn_blocking(move || cancel.scope(call))
        .await
        .unwrap_or_else(|join| Err(format!("the chart source failed: {join}")))
}

/// Charts are always `200 image/svg+xml`, errors included, so an `<img>`
/// shows what went wrong instead of a broken-image icon.
fn svg(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn params(query: Result<Query<RawParams>, QueryRejection>) -> Result<RawParams, String> {
    query
        .map(|Query(raw)| raw)
        .map_err(|rejection| format!("bad query string: {}", rejection.body_text()))
}

const HISTOGRAM_SIZE: Size = Size {
    width: 960,
    height: 240,
};
const ANALYTICS_SIZE: Size = Size {
    width: 960,
    height: 300,
};

async fn histogram_svg(
    State(source): State<Source>,
    query: Result<Query<RawParams>, QueryRejection>,
) -> Response {
    let title = "Log lines over time";
    let raw = match params(query) {
        Ok(raw) => raw,
        Err(message) => return svg(error_svg(HISTOGRAM_SIZE, title, &message)),
    };
    let request = match raw.histogram(SystemTime::now()) {
        Ok(request) => request,
        Err(error) => {
            let size = raw.size(HISTOGRAM_SIZE).unwrap_or(HISTOGRAM_SIZE);
            return svg(error_svg(size, title, &error.0));
        }
    };
    let call = request.clone();
    let result = blocking(move || {
        source.histogram(
            &call.project,
            &call.logstore,
            &call.query,
            call.range.start(),
            call.range.end(),
            call.buckets,
        )
    })
    .await;
    svg(match result {
        Ok(buckets) => histogram::render(&request, &buckets),
        Err(message) => error_svg(request.size, &histogram::title(&request), &message),
    })
}

async fn analytics_svg(
    State(source): State<Source>,
    query: Result<Query<RawParams>, QueryRejection>,
) -> Response {
    let title = "Analytics summaries";
    let raw = match params(query) {
        Ok(raw) => raw,
        Err(message) => return svg(error_svg(ANALYTICS_SIZE, title, &message)),
    };
    let request = match raw.analytics(SystemTime::now()) {
        Ok(request) => request,
        Err(error) => {
            let size = raw.size(ANALYTICS_SIZE).unwrap_or(ANALYTICS_SIZE);
            return svg(error_svg(size, title, &error.0));
        }
    };
    let range = request.range;
    let result = blocking(move || source.summaries(range.start(), range.end())).await;
    svg(match result {
        Ok(summaries) => analytics::render(&request, &summaries),
        Err(message) => error_svg(request.size, request.series.title(), &message),
    })
}

/// `{"projects":[{"name":"p","logstores":["a","b"]}]}`; an SLS-style error
/// body with status 500 when the source fails.
async fn logstores_json(State(source): State<Source>) -> Response {
    match blocking(move || source.logstores()).await {
        Ok(projects) => {
            let projects: Vec<_> = projects
                .into_iter()
                .map(|(name, logstores)| json!({ "name": name, "logstores": logstores }))
                .collect();
            (
                [(header::CACHE_CONTROL, "no-store")],
                axum::Json(json!({ "projects": projects })),
            )
                .into_response()
        }
        Err(message) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "errorCode": "InternalServerError", "errorMessage": message })),
        )
            .into_response(),
    }
}
