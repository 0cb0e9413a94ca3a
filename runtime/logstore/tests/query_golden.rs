//! Golden tests of the SLS query engine: every query below runs over the corpus of
//! `tests/corpus` (60 FC and nginx lines) and its output must equal `tests/golden/<name>.txt`.
//!
//! Each query runs three times, with the corpus in the FTS5 index, half of it indexed and
//! all of it still queued for the index (exact SQL functions only); all must give the same
//! output. Between them they take both access paths (scan the time range, or start from the
//! FTS5 matches) with and without queued lines.
//!
//! After a deliberate change: `BLESS=1 cargo test -p fclocal-logstore --test query_golden`,
//! then review every changed golden file by hand before committing.

mod corpus;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::SystemTime;

use corpus::{BASE, Indexing, LOGSTORE, PROJECT, at};
use fclocal_logstore::{LogStore, SearchRequest, SearchResult};

/// `(golden file name, query)`, over the whole hour, oldest first, 100 lines.
const CASES: &[(&str, &str)] = &[
    // reference/sls.md §5, the table of intents.
    ("all_star", "*"),
    ("all_empty", ""),
    ("get_2xx", "request_method:GET and status in [200 299]"),
    (
        "get_not_hangzhou",
        "request_method:GET not region:cn-hangzhou",
    ),
    ("get_or_post", "request_method:GET or request_method:POST"),
    ("not_get", "not request_method:GET"),
    (
        "failures",
        "(request_method:GET or request_method:POST) not status in [200 299]",
    ),
    ("numeric_colon", "request_time:60"),
    ("numeric_equals", "request_time=60"),
    (
        "numeric_half_open_and",
        "request_time>=60 and request_time<200",
    ),
    ("numeric_half_open_in", "request_time in [60 200)"),
    ("numeric_float", "upstream_response_time > 0.5"),
    ("present", "remote_user:*"),
    ("absent", "not remote_user:*"),
    ("empty", "remote_user:\"\""),
    ("not_null_text", "not remote_user:\"null\""),
    ("literal_keyword", "\"and\""),
    ("key_with_space", "\"request method\":PUT"),
    ("value_with_space", "\"Authorization\": \"Bearer 12345\""),
    ("topics", "__topic__:HTTPS or __topic__:HTTP"),
    ("tag_client_ip", "__tag__:__client_ip__:192.0.2.1"),
    ("prefix", "cn*"),
    ("field_prefix", "region:cn*"),
    ("infix_question", "mozi?la"),
    ("infix_star", "mo*la"),
    ("host_prefix", "host:www.yl*"),
    ("quoted_star_literal", "region:\"cn*\""),
    (
        "tokens_and",
        "http_user_agent:Linux and http_user_agent:Chrome",
    ),
    ("tokens_quoted", "http_user_agent:\"Linux Chrome\""),
    (
        "path_prefix_not",
        "request_uri:/request* not request_uri:/file-0",
    ),
    ("phrase", "#\"redo_index/1\""),
    ("field_phrase", "time_local: #\"22/Dec\""),
    ("source_glob", "source:192.0.2.*"),
    ("source_reserved", "__source__:198.51.100.7"),
    ("json_path", "content.request.method:GET"),
    ("json_path_in_string", "content.request.method:PUT"),
    ("json_path_number", "content.status>=500"),
    // Full text.
    ("word_error", "error"),
    ("word_error_upper", "ERROR"),
    ("word_with_dash", "cn-hangzhou"),
    ("word_with_dot", "www.example.com"),
    ("word_with_underscore", "redo_index"),
    ("two_words", "invoke start"),
    ("quoted_words", "\"invoke end\""),
    ("unicode_word", "ärger"),
    ("word_after_newline", "trace"),
    ("word_not_in_keys", "functionName"),
    ("delimited_value", "q"),
    ("not_word", "not invoke"),
    ("or_with_range", "timeout or status>=500"),
    // FC-flavoured (reference/sls.md §6, end).
    (
        "fc_topic_function_error",
        "__topic__:my-service and functionName:hello and ERROR",
    ),
    (
        "fc_errors_per_minute",
        "functionName:hello | SELECT date_trunc('minute', __time__) AS m, count_if(message like '%[ERROR]%') AS errors GROUP BY m ORDER BY m",
    ),
    // reference/sls.md §5 suffix via SQL, §6 examples.
    (
        "sql_suffix_like",
        "* | select region, count(*) AS n from log where region like '%hai' group by region",
    ),
    (
        "sql_select_star_where",
        "request_method:DELETE | select * from log",
    ),
    (
        "sql_status_pv",
        "* | SELECT status, count(*) AS PV GROUP BY status ORDER BY PV DESC, status",
    ),
    (
        "sql_minute5",
        "* | SELECT count(1) AS pv, __time__ - __time__ % 300 AS minute5 GROUP BY minute5 ORDER BY minute5 LIMIT 100",
    ),
    (
        "sql_date_trunc_avg",
        "* | SELECT date_trunc('minute', __time__) AS t, truncate(avg(latency)) GROUP BY t ORDER BY t DESC LIMIT 60",
    ),
    (
        "sql_time_series_2h",
        "* | SELECT time_series(__time__, '2h', '%Y-%m-%d %H:%i:%s', '0') AS stamp, count(*) AS num FROM log GROUP BY stamp ORDER BY stamp",
    ),
    (
        "sql_time_series_2m_uv",
        "* | SELECT time_series(__time__, '2m', '%H:%i', '0') AS time, COUNT(1) AS pv, approx_distinct(remote_addr) AS uv GROUP BY time ORDER BY time LIMIT 1000",
    ),
    (
        "sql_error_ratio",
        "* | SELECT round((errorCount * 100.0 / totalCount), 2) AS errorRatio FROM (SELECT sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errorCount, count(1) AS totalCount FROM log)",
    ),
    (
        "sql_json_column",
        "* | SELECT \"content.status\", COUNT(*) AS PV GROUP BY \"content.status\" ORDER BY PV DESC, \"content.status\"",
    ),
    (
        "sql_top_10",
        "* | SELECT max(request_time, 10) AS \"top 10\"",
    ),
    (
        "sql_top_3",
        "* | SELECT request_uri AS top_3, request_time ORDER BY request_time DESC LIMIT 3",
    ),
    (
        "sql_limit_offset",
        "* | SELECT request_time LIMIT 100, 1000",
    ),
    (
        "sql_limit_offset_small",
        "status:200 | SELECT request_uri LIMIT 2, 3",
    ),
    (
        "sql_map_subscript",
        "* | SELECT try_cast(json_parse(etl_context) AS map(varchar, varchar))['project'] AS project WHERE etl_context IS NOT NULL",
    ),
    (
        "sql_nested_from_log",
        "* | SELECT sum(pv) FROM (SELECT count(*) AS pv FROM log GROUP BY request_method)",
    ),
    // SLS functions.
    (
        "sql_group_function",
        "* | select functionName, count(*) as c, sum(latency) as total, max(latency) as worst group by functionName order by c desc",
    ),
    (
        "sql_percentiles",
        "* | select approx_percentile(request_time, 0.5) AS p50, approx_percentile(request_time, 0.9) AS p90, approx_percentile(request_time, array[0.5, 0.99]) AS ps",
    ),
    (
        "sql_by_functions",
        "* | select max_by(request_uri, request_time) AS slowest, min_by(request_uri, request_time) AS fastest, max_by(request_uri, request_time, 2) AS slowest2, min(request_time, 3) AS fastest3",
    ),
    (
        "sql_histogram_map",
        "* | select histogram(status) AS h, histogram(status)['200'] AS ok, element_at(histogram(request_method), 'GET') AS gets",
    ),
    (
        "sql_bool_and_count_if",
        "* | select bool_and(status < 600) AS all_ok, bool_or(status >= 500) AS any_5xx, count_if(status >= 500) AS n_5xx, arbitrary(host) IS NOT NULL AS some_host",
    ),
    (
        "sql_time_functions",
        "* | select __time__, date_format(__time__, '%Y-%m-%d %H:%i:%s %a %b') AS f, from_unixtime(__time__) AS ts, to_unixtime(from_unixtime(__time__)) AS back, date_trunc('hour', from_unixtime(__time__)) AS h, date_format(date_trunc('day', __time__), '%Y-%m-%d') AS d order by __time__ limit 2",
    ),
    (
        "sql_date_arithmetic",
        "* | select date_format(date_add('day', 1, __time__), '%Y-%m-%d %H:%i') AS tomorrow, date_diff('minute', __time__, __time__ + 3600) AS minutes, date_diff('month', from_iso8601_timestamp('2024-11-15T00:00:00Z'), __time__) AS months order by __time__ limit 1",
    ),
    (
        "sql_string_functions",
        "requestId:r-0001 | select regexp_extract(message, 'r-\\d+') AS rid, regexp_extract(message, '\\[(\\w+)\\]', 1) AS lvl, regexp_like(message, 'ERROR') AS is_err, split_part(message, ' ', 2) AS second, strpos(message, 'Invoke') AS pos, json_extract_scalar(content, '$.request.method') AS m order by __time__",
    ),
    (
        "sql_json_extract",
        "content:* | select json_extract_scalar(content, '$.request.method') AS m, json_extract_scalar(content, '$.status') + 1 AS next_status, \"content.request.uri\" AS uri order by __time__",
    ),
    (
        "sql_reserved_columns",
        "* | select __topic__, __source__, \"__tag__:__client_ip__\", count(*) AS n group by __topic__, __source__, \"__tag__:__client_ip__\" order by n desc, __topic__, __source__",
    ),
    (
        "sql_numeric_compare",
        "* | select count(*) AS slow from log where request_time > 59.95",
    ),
    ("sql_count_only", "error | select count(*) AS n"),
    // Errors.
    ("err_parse_range", "status in [200 299"),
    ("err_parse_leading_wildcard", "*abc"),
    ("err_parse_sql", "* | select from"),
    (
        "err_unknown_function",
        "* | select no_such_fn(status) from log",
    ),
    (
        "err_unsupported_compare",
        "* | SELECT diff[1] AS today FROM (SELECT compare(pv, 86400) AS diff FROM (SELECT COUNT(1) AS pv FROM log))",
    ),
    (
        "err_bad_regex",
        "* | select regexp_like(message, '(') from log",
    ),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        project: PROJECT.into(),
        logstore: LOGSTORE.into(),
        query: query.into(),
        from: at(0),
        to: at(3600),
        topic: None,
        line: 100,
        offset: 0,
        reverse: false,
    }
}

/// The text a golden file holds for one request.
fn render(store: &LogStore, request: &SearchRequest) -> String {
    let mut out = format!("query: {}\n---\n", request.query);
    match store.reader().expect("reader").search(request) {
        Err(e) => writeln!(out, "error: {e}").unwrap(),
        Ok(SearchResult::Logs {
            logs,
            processed_rows,
        }) => {
            writeln!(
                out,
                "logs: {} shown, processed_rows={processed_rows}",
                logs.len()
            )
            .unwrap();
            let ids: Vec<String> = logs
                .iter()
                .map(|l| format!("#{:02}", (l.unix_seconds() - BASE as i64) / 60))
                .collect();
            for chunk in ids.chunks(15) {
                writeln!(out, "{}", chunk.join(" ")).unwrap();
            }
        }
        Ok(SearchResult::Table {
            columns,
            rows,
            processed_rows,
        }) => {
            writeln!(
                out,
                "table: {} rows, processed_rows={processed_rows}",
                rows.len()
            )
            .unwrap();
            writeln!(out, "{}", columns.join(" | ")).unwrap();
            for row in rows {
                let cells: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect();
                writeln!(out, "{}", cells.join(" | ")).unwrap();
            }
        }
    }
    out
}

/// Compares `actual` with the golden file `name` (or writes it under `BLESS=1`).
fn check(name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = golden_dir().join(format!("{name}.txt"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let mut diff = format!("--- {}\n", path.display());
        let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
        for i in 0..e.len().max(a.len()) {
            match (e.get(i), a.get(i)) {
                (Some(x), Some(y)) if x == y => writeln!(diff, "  {x}").unwrap(),
                (x, y) => {
                    if let Some(x) = x {
                        writeln!(diff, "- {x}").unwrap();
                    }
                    if let Some(y) = y {
                        writeln!(diff, "+ {y}").unwrap();
                    }
                }
            }
        }
        failures.push(diff);
    }
}

/// The corpus in each [`Indexing`] state.
fn stores() -> (Vec<tempfile::TempDir>, Vec<LogStore>) {
    let modes = [Indexing::Indexed, Indexing::Half, Indexing::Queued];
    let dirs: Vec<_> = modes.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    let stores = modes
        .iter()
        .zip(&dirs)
        .map(|(&m, d)| corpus::store(d.path(), m))
        .collect();
    (dirs, stores)
}

/// Runs `request` on every store; they must agree.
fn run_all(stores: &[LogStore], request: &SearchRequest) -> String {
    let outputs: Vec<String> = stores.iter().map(|s| render(s, request)).collect();
    for other in &outputs[1..] {
        assert_eq!(
            &outputs[0], other,
            "indexed and not-yet-indexed lines disagree for {:?}",
            request.query
        );
    }
    outputs[0].clone()
}

#[test]
fn golden_queries() {
    let (_dirs, stores) = stores();
    let mut failures = Vec::new();
    for (name, query) in CASES {
        let out = run_all(&stores, &request(query));
        check(name, &out, &mut failures);
    }

    let special: [(&str, SearchRequest); 7] = [
        (
            "page_newest_first",
            SearchRequest {
                line: 5,
                offset: 2,
                reverse: true,
                ..request("error or warn")
            },
        ),
        (
            "page_oldest_first",
            SearchRequest {
                line: 3,
                offset: 1,
                ..request("cn-beijing")
            },
        ),
        (
            "time_window",
            SearchRequest {
                from: at(30 * 60),
                to: at(35 * 60),
                ..request("*")
            },
        ),
        (
            "topic_parameter",
            SearchRequest {
                topic: Some("other-svc".into()),
                ..request("info")
            },
        ),
        (
            "err_unknown_logstore",
            SearchRequest {
                logstore: "nope".into(),
                ..request("*")
            },
        ),
        (
            "err_unknown_project",
            SearchRequest {
                project: "nope".into(),
                ..request("*")
            },
        ),
        (
            "err_time_range",
            SearchRequest {
                from: at(10),
                to: at(5),
                ..request("*")
            },
        ),
    ];
    for (name, req) in &special {
        let out = run_all(&stores, req);
        check(name, &out, &mut failures);
    }
    for s in stores {
        s.close().unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} golden files differ (BLESS=1 to regenerate, then review):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn histogram_counts_per_bucket() {
    let (_dirs, stores) = stores();
    let ten_minutes: Vec<(SystemTime, SystemTime)> =
        (0..6).map(|i| (at(i * 600), at((i + 1) * 600))).collect();
    for store in &stores {
        let reader = store.reader().unwrap();
        let h = |q: &str, topic: Option<&str>| {
            reader
                .histogram(PROJECT, LOGSTORE, q, topic, &ten_minutes)
                .unwrap()
        };
        assert_eq!(h("*", None), [10, 10, 10, 10, 10, 10]);
        // ERROR is the level and a message word of #02, #07, #14 and #25.
        assert_eq!(h("error", None), [2, 1, 1, 0, 0, 0]);
        assert_eq!(h("level:ERROR", None), [2, 1, 1, 0, 0, 0]);
        // Status >= 500: #34, #37, #44, #47, #56; the SQL part is not run.
        assert_eq!(h("status>=500 | select count(*)", None), [0, 0, 0, 2, 2, 1]);
        assert_eq!(h("*", Some("HTTPS")), [0, 0, 0, 4, 6, 4]);
        // Unsorted, overlapping buckets are counted each: level INFO is every FC line but
        // #02, #06, #07, #14, #25.
        let odd = [(at(600), at(1200)), (at(0), at(3600)), (at(0), at(0))];
        assert_eq!(
            reader
                .histogram(PROJECT, LOGSTORE, "info", None, &odd)
                .unwrap(),
            [9, 25, 0]
        );
    }
    for s in stores {
        s.close().unwrap();
    }
}
