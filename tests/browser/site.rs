//! The site under test: `fclocal_web::router` merged with a tiny fake of the
//! SLS GetLogs API, both over one in-memory set of log lines, served
//! in-process on 127.0.0.1 port 0.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fclocal_web::{Bucket, ChartSource, Summary};
use serde::Deserialize;
use serde_json::json;

/// The one project and logstore the fake knows.
pub const PROJECT: &str = "demo-project";
/// See [`PROJECT`].
pub const LOGSTORE: &str = "fc-logs";
/// Lines seeded at start: half from `processEvent`, half from `hello`.
pub const SEEDED: usize = 40;

/// One log line as GetLogs returns it: flat string map.
pub type Line = BTreeMap<String, String>;

/// Log lines and analytics summaries with known content.
pub struct Data {
    lines: Mutex<Vec<Line>>,
    summaries: Vec<Summary>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A log line at `time` with FC's fields.
pub fn line(time: u64, function: &str, level: &str, message: &str) -> Line {
    BTreeMap::from([
        ("__time__".into(), time.to_string()),
        ("__topic__".into(), "marblesFC".into()),
        ("__source__".into(), "127.0.0.1".into()),
        ("serviceName".into(), "marblesFC".into()),
        ("functionName".into(), function.into()),
        (
            "requestId".into(),
            format!("{time:08x}-0000-4000-8000-{:012x}", message.len()),
        ),
        ("level".into(), level.into()),
        ("message".into(), message.into()),
    ])
}

impl Data {
    /// [`SEEDED`] lines over the last ~9 minutes, and a summary per minute
    /// over the last 30 minutes.
    pub fn seeded() -> Arc<Data> {
        let now = unix_now();
        let lines = (0..SEEDED as u64)
            .map(|i| {
                let function = if i % 2 == 0 { "processEvent" } else { "hello" };
                let level = if i % 5 == 0 { "ERROR" } else { "INFO" };
                line(now - 20 - 13 * i, function, level, &format!("event {i}"))
            })
            .collect();
        let summaries = (0..30u64)
            .rev()
            .map(|minute| {
                let window_end = UNIX_EPOCH + Duration::from_secs((now / 60 - minute) * 60);
                let by_type = BTreeMap::from([
                    ("create".into(), 2 + minute % 4),
                    ("transfer".into(), 1 + minute % 3),
                    ("delete".into(), minute % 2),
                ]);
                let by_owner = BTreeMap::from([
                    ("alice".into(), 1 + minute % 5),
                    ("bob".into(), 2 + minute % 2),
                ]);
                Summary {
                    window_end,
                    total: by_type.values().sum(),
                    by_type,
                    by_owner,
                }
            })
            .collect();
        Arc::new(Data {
            lines: Mutex::new(lines),
            summaries,
        })
    }

    /// Adds a line, as a function logging would.
    pub fn push(&self, line: Line) {
        self.lines.lock().expect("lines").push(line);
    }

    /// Lines with `__time__` in [from, to) matching the search statement.
    fn matching(&self, search: &str, from: u64, to: u64) -> Vec<Line> {
        let lines = self.lines.lock().expect("lines");
        lines
            .iter()
            .filter(|line| {
                let time: u64 = line["__time__"].parse().unwrap_or(0);
                (from..to).contains(&time) && matches(line, search)
            })
            .cloned()
            .collect()
    }
}

/// A tiny subset of SLS search: `*`, `key:value` (exact, case-insensitive)
/// and bare words (substring of any value), all ANDed.
fn matches(line: &Line, search: &str) -> bool {
    search.split_whitespace().all(|term| {
        if term == "*" || term.eq_ignore_ascii_case("and") {
            return true;
        }
        match term.split_once(':') {
            Some((key, value)) => line.get(key).is_some_and(|v| v.eq_ignore_ascii_case(value)),
            None => {
                let word = term.to_lowercase();
                line.values().any(|v| v.to_lowercase().contains(&word))
            }
        }
    })
}

impl ChartSource for Data {
    fn histogram(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        from: SystemTime,
        to: SystemTime,
        buckets: usize,
    ) -> Result<Vec<Bucket>, String> {
        if (project, logstore) != (PROJECT, LOGSTORE) {
            return Err(format!("logstore {project}/{logstore} does not exist"));
        }
        let (from, to) = (secs(from), secs(to));
        let lines = self.matching(query, from, to);
        let width = ((to - from) as f64 / buckets as f64).max(1.0);
        Ok((0..buckets)
            .map(|i| {
                let start = from + (i as f64 * width) as u64;
                let end = (from + ((i + 1) as f64 * width) as u64).min(to);
                let count = lines
                    .iter()
                    .filter(|l| {
                        let t: u64 = l["__time__"].parse().unwrap_or(0);
                        (start..end).contains(&t)
                    })
                    .count() as u64;
                Bucket {
                    from: UNIX_EPOCH + Duration::from_secs(start),
                    to: UNIX_EPOCH + Duration::from_secs(end),
                    count,
                }
            })
            .collect())
    }

    fn summaries(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Summary>, String> {
        Ok(self
            .summaries
            .iter()
            .filter(|s| s.window_end >= from && s.window_end < to)
            .cloned()
            .collect())
    }

    fn logstores(&self) -> Result<Vec<(String, Vec<String>)>, String> {
        Ok(vec![(PROJECT.into(), vec![LOGSTORE.into()])])
    }
}

#[derive(Deserialize)]
struct GetLogs {
    #[serde(rename = "type")]
    kind: String,
    from: u64,
    to: u64,
    #[serde(default)]
    query: String,
    #[serde(default = "default_line")]
    line: usize,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    reverse: bool,
}

fn default_line() -> usize {
    100
}

fn sls_error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({ "errorCode": code, "errorMessage": message })),
    )
        .into_response()
}

/// `GET /logstores/{logstore}?type=log…` with `x-log-project`, as SLS answers it.
async fn get_logs(
    State(data): State<Arc<Data>>,
    Path(logstore): Path<String>,
    headers: HeaderMap,
    Query(request): Query<GetLogs>,
) -> Response {
    let project = headers
        .get("x-log-project")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if (project, logstore.as_str()) != (PROJECT, LOGSTORE) {
        return sls_error(
            StatusCode::NOT_FOUND,
            "LogStoreNotExist",
            format!("logstore {logstore} does not exist in project {project:?}"),
        );
    }
    if request.kind != "log" || request.from >= request.to {
        return sls_error(
            StatusCode::BAD_REQUEST,
            "ParameterInvalid",
            "type must be log and from < to".into(),
        );
    }
    if let Some(at) = request.query.find(')')
        && !request.query[..at].contains('(')
    {
        return sls_error(
            StatusCode::BAD_REQUEST,
            "QuerySyntaxError",
            format!("unexpected ')' at line 1, column {}", at + 1),
        );
    }
    let (search, analytic) = match request.query.split_once('|') {
        Some((search, analytic)) => (search.trim(), Some(analytic.trim())),
        None => (request.query.trim(), None),
    };
    let mut lines = data.matching(search, request.from, request.to);
    let body: Vec<Line> = match analytic {
        Some(sql) => {
            let lower = sql.to_lowercase();
            let Some(alias) = lower
                .strip_prefix("select count(*) as ")
                .map(|a| a.trim().to_owned())
            else {
                return sls_error(
                    StatusCode::BAD_REQUEST,
                    "QuerySyntaxError",
                    "the fake knows only `select count(*) as name`".into(),
                );
            };
            vec![BTreeMap::from([(alias, lines.len().to_string())])]
        }
        None => {
            lines.sort_by_key(|l| l["__time__"].parse::<u64>().unwrap_or(0));
            if request.reverse {
                lines.reverse();
            }
            lines
                .into_iter()
                .skip(request.offset)
                .take(request.line)
                .collect()
        }
    };
    (
        [
            ("x-log-progress", "Complete".to_owned()),
            ("x-log-count", body.len().to_string()),
            ("x-log-has-sql", analytic.is_some().to_string()),
        ],
        axum::Json(body),
    )
        .into_response()
}

/// A running site: its base URL and its data.
pub struct Site {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The lines and summaries it serves.
    pub data: Arc<Data>,
}

impl Site {
    /// Serves the pages and the fake SLS API on an ephemeral port.
    pub async fn start() -> Site {
        let data = Data::seeded();
        let sls = Router::new()
            .route("/logstores/{logstore}", get(get_logs))
            .with_state(data.clone());
        let app = fclocal_web::router(data.clone()).merge(sls);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Site { base, data }
    }

    /// The URL of `path` on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}
