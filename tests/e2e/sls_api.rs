//! The SLS-compatible API on `fclocal start`, driven the way the SDKs drive
//! it: protobuf + LZ4 PutLogs, GetLogs v1 and v2 with their headers,
//! histograms, listings, shards, cursors and PullLogs, errors in SLS's
//! shape, signatures under `--auth`, and the TTL sweep on the test clock.

use crate::common::Sandbox;
use crate::server::{Answer, Server};
use crate::sls_wire::{WireLog, log_group, put_logs_request, sign};

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: sdk-project
        Logstore: fc-store
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
  sdk-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: written by SDK-shaped requests
    fc-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 10
        ShardCount: 1
    sdk-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 1
        ShardCount: 2
"#;

/// The test clock: 2026-11-23T08:00:00Z.
const NOW: u32 = 1_795_420_800;
const START: &str = "2026-11-23T08:00:00Z";

fn start(extra: &[&str]) -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let mut args = vec!["--no-watch", "--test-clock", START];
    args.extend_from_slice(extra);
    let server = Server::start(&sandbox, &args);
    (sandbox, server)
}

/// Three nginx-style lines, ten seconds apart, ending a minute before NOW.
fn nginx_group() -> Vec<u8> {
    log_group(
        "nginx",
        "10.0.0.7",
        &[("__client_ip__", "10.0.0.7"), ("env", "test")],
        &[
            WireLog {
                time: NOW - 80,
                contents: &[
                    ("request_method", "GET"),
                    ("status", "200"),
                    ("region", "cn-hangzhou"),
                ],
            },
            WireLog {
                time: NOW - 70,
                contents: &[
                    ("request_method", "POST"),
                    ("status", "502"),
                    ("region", "cn-shanghai"),
                ],
            },
            WireLog {
                time: NOW - 60,
                contents: &[
                    ("request_method", "GET"),
                    ("status", "404"),
                    ("region", "cn-hangzhou"),
                ],
            },
        ],
    )
}

fn put(server: &Server, path: &str, group: &[u8]) -> Answer {
    let (headers, body) = put_logs_request("sdk-project", group);
    server.send("POST", path, &headers, &body)
}

fn get_logs(server: &Server, logstore: &str, query: &str, extra: &str) -> Answer {
    let query = form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>();
    server.send(
        "GET",
        &format!(
            "/logstores/{logstore}?type=log&from={}&to={}&query={query}{extra}",
            NOW - 3600,
            NOW + 60
        ),
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    )
}

fn rows(answer: &Answer) -> Vec<serde_json::Map<String, serde_json::Value>> {
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer
        .json()
        .as_array()
        .expect("GetLogs v1 answers a JSON array")
        .iter()
        .map(|row| row.as_object().expect("rows are objects").clone())
        .collect()
}

#[test]
fn put_logs_then_search_and_sql_read_them_back_with_slss_headers() {
    let (_sandbox, server) = start(&[]);
    let answer = put(&server, "/logstores/sdk-store/shards/lb", &nginx_group());
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(!answer.header("x-log-requestid").is_empty());

    // A search: newest first with reverse=true, every value a string.
    let found = get_logs(
        &server,
        "sdk-store",
        "request_method:GET and region:cn-hangzhou",
        "&reverse=true",
    );
    assert_eq!(found.header("x-log-progress"), "Complete");
    assert_eq!(found.header("x-log-count"), "2");
    let lines = rows(&found);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["status"], "404");
    assert_eq!(lines[1]["status"], "200");
    assert_eq!(lines[0]["__time__"], (NOW - 60).to_string());
    assert_eq!(lines[0]["__topic__"], "nginx");
    assert_eq!(lines[0]["__source__"], "10.0.0.7");
    assert_eq!(lines[0]["__tag__:env"], "test");

    // Numeric ranges, not, and the SQL part with its implicit FROM log.
    let failures = rows(&get_logs(
        &server,
        "sdk-store",
        "status >= 400 not request_method:POST",
        "",
    ));
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["status"], "404");
    let table = rows(&get_logs(
        &server,
        "sdk-store",
        "* | select request_method, count(*) as c group by request_method order by c desc",
        "",
    ));
    assert_eq!(table.len(), 2);
    assert_eq!(table[0]["request_method"], "GET");
    assert_eq!(table[0]["c"], "2");
    assert_eq!(table[1]["c"], "1");

    // GetLogs v2: POST with a JSON body, the answer wrapped in meta + data.
    let v2 = server.send(
        "POST",
        "/logstores/sdk-store/logs",
        &[
            ("x-log-project", "sdk-project".to_owned()),
            ("content-type", "application/json".to_owned()),
        ],
        serde_json::json!({
            "from": NOW - 3600, "to": NOW + 60, "query": "status in [400 599]",
            "line": 100, "offset": 0, "reverse": false
        })
        .to_string()
        .as_bytes(),
    );
    assert_eq!(v2.status, 200, "{}", v2.text());
    let v2 = v2.json();
    assert_eq!(v2["meta"]["progress"], "Complete", "{v2}");
    assert_eq!(v2["data"].as_array().map(Vec::len), Some(2), "{v2}");

    // Histograms over the hour: all three lines in the buckets, matching only.
    let histogram = server.send(
        "GET",
        &format!(
            "/logstores/sdk-store?type=histogram&from={}&to={}&query=request_method%3AGET",
            NOW - 3600,
            NOW
        ),
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    );
    assert_eq!(histogram.status, 200, "{}", histogram.text());
    let buckets = histogram.json();
    let total: u64 = buckets
        .as_array()
        .expect("histograms are an array")
        .iter()
        .map(|bucket| bucket["count"].as_u64().expect("a count"))
        .sum();
    assert_eq!(total, 2, "{buckets}");
    assert_eq!(histogram.header("x-log-count"), "2");

    // Listings.
    let list = server.send(
        "GET",
        "/logstores",
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    );
    assert_eq!(list.status, 200, "{}", list.text());
    let names = list.json()["logstores"].clone();
    assert_eq!(names, serde_json::json!(["fc-store", "sdk-store"]));
    let one = server.send(
        "GET",
        "/logstores/sdk-store",
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    );
    assert_eq!(one.json()["ttl"], 1, "{}", one.text());
    assert_eq!(one.json()["shardCount"], 2, "{}", one.text());
}

#[test]
fn bad_requests_get_slss_errors_and_lose_nothing() {
    let (_sandbox, server) = start(&[]);
    assert_eq!(
        put(&server, "/logstores/sdk-store/shards/lb", &nginx_group()).status,
        200
    );

    let malformed = get_logs(&server, "sdk-store", "status:(200", "");
    assert_eq!(malformed.status, 400, "{}", malformed.text());
    let error = malformed.json();
    assert!(
        error["errorCode"]
            .as_str()
            .is_some_and(|code| !code.is_empty()),
        "{error}"
    );
    let message = error["errorMessage"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("position 7"),
        "the message names the position of `(`: {message}"
    );

    let bad_sql = get_logs(&server, "sdk-store", "* | select count(* from log", "");
    assert_eq!(bad_sql.status, 400, "{}", bad_sql.text());

    let unknown = get_logs(&server, "no-such-store", "*", "");
    assert_eq!(unknown.status, 404, "{}", unknown.text());
    assert_eq!(unknown.json()["errorCode"], "LogStoreNotExist");

    // 5,000 logs in one group: over SLS's 4,096-log limit.
    let many: Vec<WireLog<'_>> = (0..5000)
        .map(|_| WireLog {
            time: NOW - 5,
            contents: &[("k", "v")],
        })
        .collect();
    let oversized = put(
        &server,
        "/logstores/sdk-store/shards/lb",
        &log_group("", "", &[], &many),
    );
    assert_eq!(oversized.status, 413, "{}", oversized.text());
    assert_eq!(oversized.json()["errorCode"], "PostBodyTooLarge");

    // Nothing stored was lost or changed.
    assert_eq!(rows(&get_logs(&server, "sdk-store", "*", "")).len(), 3);
}

#[test]
fn cursors_and_pull_logs_page_through_groups_per_shard() {
    let (_sandbox, server) = start(&[]);
    let project = [("x-log-project", "sdk-project".to_owned())];
    let shards = server.send("GET", "/logstores/sdk-store/shards", &project, b"");
    assert_eq!(shards.status, 200, "{}", shards.text());
    let shards = shards.json();
    assert_eq!(shards.as_array().map(Vec::len), Some(2), "{shards}");
    let first_key = shards[0]["inclusiveBeginKey"]
        .as_str()
        .expect("a key")
        .to_owned();

    // Three groups routed to shard 0 by hash key.
    for index in 0..3u32 {
        let group = log_group(
            "",
            "",
            &[],
            &[WireLog {
                time: NOW - 30 + index,
                contents: &[("n", ["a", "b", "c"][index as usize])],
            }],
        );
        let answer = put(
            &server,
            &format!("/logstores/sdk-store/shards/route?key={first_key}"),
            &group,
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
    }
    let cursor = |from: &str| -> String {
        let answer = server.send(
            "GET",
            &format!("/logstores/sdk-store/shards/0?type=cursor&from={from}"),
            &project,
            b"",
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()["cursor"]
            .as_str()
            .expect("a cursor")
            .to_owned()
    };
    let begin = cursor("begin");
    let end = cursor("end");
    assert_ne!(begin, end);

    let pull = |from: &str, count: u32| -> (Vec<String>, String) {
        let from = form_urlencoded::byte_serialize(from.as_bytes()).collect::<String>();
        let answer = server.send(
            "GET",
            &format!("/logstores/sdk-store/shards/0?type=logs&cursor={from}&count={count}"),
            &[
                ("x-log-project", "sdk-project".to_owned()),
                ("accept-encoding", "lz4".to_owned()),
                ("accept", "application/x-protobuf".to_owned()),
            ],
            b"",
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.header("x-log-compresstype"), "lz4");
        let raw: usize = answer.header("x-log-bodyrawsize").parse().expect("a size");
        let bytes = lz4_flex::block::decompress(&answer.body, raw).expect("an LZ4 block");
        let list =
            <fclocal_sls_api::proto::LogGroupList as prost::Message>::decode(bytes.as_slice())
                .expect("a LogGroupList");
        let values = list
            .log_group_list
            .iter()
            .flat_map(|group| group.logs.iter())
            .flat_map(|log| log.contents.iter().map(|c| c.value.clone()))
            .collect();
        (values, answer.header("x-log-cursor").to_owned())
    };
    let (first_two, next) = pull(&begin, 2);
    assert_eq!(first_two, ["a", "b"]);
    let (last, at_end) = pull(&next, 2);
    assert_eq!(last, ["c"]);
    assert_eq!(at_end, end);
    let (nothing, still_end) = pull(&end, 2);
    assert!(nothing.is_empty());
    assert_eq!(still_end, end);

    // Shard 1 got nothing.
    let other = server.send(
        "GET",
        "/logstores/sdk-store/shards/1?type=cursor&from=begin",
        &project,
        b"",
    );
    let other_end = server.send(
        "GET",
        "/logstores/sdk-store/shards/1?type=cursor&from=end",
        &project,
        b"",
    );
    assert_eq!(other.json()["cursor"], other_end.json()["cursor"]);
}

#[test]
fn expired_lines_are_swept_when_the_clock_passes_the_ttl() {
    let (_sandbox, server) = start(&[]);
    assert_eq!(
        put(&server, "/logstores/sdk-store/shards/lb", &nginx_group()).status,
        200
    );
    assert_eq!(rows(&get_logs(&server, "sdk-store", "*", "")).len(), 3);

    // sdk-store keeps logs for 1 day; fc-store for 10.
    let answer = server.send("POST", "/fclocal/clock/advance?by=25h", &[], b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let after = server.send(
        "GET",
        &format!(
            "/logstores/sdk-store?type=log&from={}&to={}&query=*",
            NOW - 3600,
            NOW + 90_000
        ),
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    );
    assert_eq!(rows(&after).len(), 0, "the sweep deleted the expired lines");
}

#[test]
fn with_auth_unsigned_requests_are_refused_and_signed_ones_accepted() {
    // The system clock: the signature's `Date` is checked against it.
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch", "--auth"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as u32;
    let group = log_group(
        "",
        "",
        &[],
        &[WireLog {
            time: now,
            contents: &[("k", "v")],
        }],
    );
    let (headers, body) = put_logs_request("sdk-project", &group);
    let unsigned = server.send("POST", "/logstores/sdk-store/shards/lb", &headers, &body);
    assert_eq!(unsigned.status, 401, "{}", unsigned.text());

    let mut signed = headers.clone();
    let credentials = &server.credentials;
    sign(
        &mut signed,
        "POST",
        "/logstores/sdk-store/shards/lb",
        &[],
        &body,
        &credentials.access_key_id,
        &credentials.access_key_secret,
    );
    let accepted = server.send("POST", "/logstores/sdk-store/shards/lb", &signed, &body);
    assert_eq!(accepted.status, 200, "{}", accepted.text());
}

#[test]
fn npm_sdk_deflate_puts_and_raw_pulls() {
    let (_sandbox, server) = start(&[]);
    // npm aliyun-sdk: zlib.deflateSync(protobuf), x-log-compresstype: deflate.
    let group = log_group(
        "",
        "",
        &[],
        &[WireLog {
            time: NOW - 5,
            contents: &[("via", "deflate")],
        }],
    );
    let body = fclocal_sls_api::compression::Compression::Deflate
        .compress(&group)
        .expect("zlib compresses");
    let headers = [
        ("x-log-project", "sdk-project".to_owned()),
        ("content-type", "application/x-protobuf".to_owned()),
        ("x-log-apiversion", "0.6.0".to_owned()),
        ("x-log-compresstype", "deflate".to_owned()),
        ("x-log-bodyrawsize", group.len().to_string()),
    ];
    let answer = server.send("POST", "/logstores/fc-store/shards/lb", &headers, &body);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let found = rows(&get_logs(&server, "fc-store", "via:deflate", ""));
    assert_eq!(found.len(), 1, "{found:?}");

    // PullLogs with an empty Accept-Encoding (npm aliyun-sdk): raw protobuf.
    let begin = server.send(
        "GET",
        "/logstores/fc-store/shards/0?type=cursor&from=begin",
        &[("x-log-project", "sdk-project".to_owned())],
        b"",
    );
    let begin = begin.json()["cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let begin = form_urlencoded::byte_serialize(begin.as_bytes()).collect::<String>();
    let answer = server.send(
        "GET",
        &format!("/logstores/fc-store/shards/0?type=logs&cursor={begin}&count=10"),
        &[
            ("x-log-project", "sdk-project".to_owned()),
            ("accept-encoding", String::new()),
            ("accept", "application/x-protobuf".to_owned()),
        ],
        b"",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(
        answer.headers.get("x-log-compresstype").is_none(),
        "{:?}",
        answer.headers
    );
    assert_eq!(
        answer.header("x-log-bodyrawsize"),
        answer.body.len().to_string()
    );
    let list =
        <fclocal_sls_api::proto::LogGroupList as prost::Message>::decode(answer.body.as_slice())
            .expect("a raw LogGroupList");
    let values: Vec<String> = list
        .log_group_list
        .iter()
        .flat_map(|group| group.logs.iter())
        .flat_map(|log| log.contents.iter().map(|c| c.value.clone()))
        .collect();
    assert_eq!(values, ["deflate"]);
}

#[test]
fn a_named_project_that_does_not_exist_is_project_not_exist_not_the_default() {
    let (_sandbox, server) = start(&[]);
    let group = log_group(
        "",
        "",
        &[],
        &[WireLog {
            time: NOW - 5,
            contents: &[("who", "stray")],
        }],
    );
    let zero = form_urlencoded::byte_serialize(b"MA==").collect::<String>();
    let gets = [
        "/logstores".to_owned(),
        "/logstores/fc-store".to_owned(),
        "/logstores/fc-store/shards".to_owned(),
        "/logstores/fc-store/shards/0?type=cursor&from=begin".to_owned(),
        format!("/logstores/fc-store/shards/0?type=logs&cursor={zero}&count=1"),
        format!(
            "/logstores/fc-store?type=log&from={}&to={}&query=*",
            NOW - 60,
            NOW + 60
        ),
    ];
    let refused = |answer: &Answer, what: &str| {
        assert_eq!(answer.status, 404, "{what}: {}", answer.text());
        assert_eq!(answer.json()["errorCode"], "ProjectNotExist", "{what}");
        assert_eq!(
            answer.json()["errorMessage"],
            "The Project does not exist : nope",
            "{what}"
        );
    };
    // Named by the x-log-project header, then by the query parameter.
    let (mut headers, body) = put_logs_request("nope", &group);
    refused(
        &server.send("POST", "/logstores/fc-store/shards/lb", &headers, &body),
        "PutLogs, header",
    );
    headers.retain(|(name, _)| *name != "x-log-project");
    refused(
        &server.send(
            "POST",
            "/logstores/fc-store/shards/lb?project=nope",
            &headers,
            &body,
        ),
        "PutLogs, query",
    );
    for path in &gets {
        refused(
            &server.send("GET", path, &[("x-log-project", "nope".to_owned())], b""),
            path,
        );
        let with_param = if path.contains('?') {
            format!("{path}&project=nope")
        } else {
            format!("{path}?project=nope")
        };
        refused(&server.send("GET", &with_param, &[], b""), &with_param);
    }
    // Named by the Host's first label, as the SDKs send it.
    let host = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    refused(
        &server.send(
            "GET",
            "/logstores",
            &[("host", format!("nope.{host}"))],
            b"",
        ),
        "Host",
    );
    // PutLogs did not create the project, nor write to the default one.
    refused(
        &server.send("GET", "/logstores?project=nope", &[], b""),
        "after PutLogs",
    );
    // Naming no project (a bare 127.0.0.1 Host) still means the default.
    let default = server.send(
        "GET",
        &format!(
            "/logstores/fc-store?type=log&from={}&to={}&query=who:stray",
            NOW - 60,
            NOW + 60
        ),
        &[],
        b"",
    );
    assert_eq!(rows(&default).len(), 0);
}
