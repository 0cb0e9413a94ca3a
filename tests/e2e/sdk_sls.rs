//! The official Log Service SDKs (PyPI `aliyun-log-python-sdk`, npm
//! `@alicloud/log` and `aliyun-sdk`) against `fclocal start`, each pointed at
//! the endpoint the README gives it, with `--auth` verifying their
//! signatures. The client scripts are in `tests/sdk/sls/`.

use serde_json::json;

use crate::common::Sandbox;
use crate::sdk;
use crate::server::Server;

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  sdk-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: written and read by the official SDKs
    sdk-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 1
        ShardCount: 2
"#;

fn start(args: &[&str]) -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let mut all = vec!["--no-watch"];
    all.extend_from_slice(args);
    let server = Server::start(&sandbox, &all);
    (sandbox, server)
}

#[test]
fn the_python_sdk_writes_every_compression_and_reads_back_through_http_proxy() {
    let (_sandbox, server) = start(&["--auth"]);
    let proxy = server.base.clone();
    let found = sdk::run(
        "sls/python_sdk.py",
        &server,
        &[("HTTP_PROXY", &proxy), ("FCLOCAL_RUN", "py1")],
    )
    .json();
    assert_eq!(found["logstores"], json!(["sdk-store"]));
    assert_eq!(found["shards"], 2);
    // One POST line per compression: lz4, zstd and none all stored.
    assert_eq!(found["search_count"], 3);
    assert_eq!(found["search_complete"], true);
    assert_eq!(found["search_compressions"], json!(["lz4", "none", "zstd"]));
    assert_eq!(found["search_topic"], json!(["python-sdk"]));
    assert_eq!(found["sql"], json!([["200", 3], ["502", 3]]));
    assert_eq!(found["histogram_total"], 6);
    assert_eq!(found["histogram_complete"], true);
    // Every line comes back through PullLogs, lz4-compressed and raw.
    assert_eq!(found["pulled"], json!({"compressed": 6, "raw": 6}));

    let refused = sdk::run(
        "sls/python_sdk.py",
        &server,
        &[("HTTP_PROXY", &proxy), ("FCLOCAL_WRONG_SECRET", "1")],
    )
    .json();
    assert_eq!(
        refused,
        json!({"error": "SignatureNotMatch", "status": 401})
    );
}

#[test]
fn without_auth_any_signature_is_accepted() {
    let (_sandbox, server) = start(&[]);
    let proxy = server.base.clone();
    let accepted = sdk::run(
        "sls/python_sdk.py",
        &server,
        &[("HTTP_PROXY", &proxy), ("FCLOCAL_WRONG_SECRET", "1")],
    )
    .json();
    assert_eq!(accepted, json!({"error": null}));
}

#[test]
fn the_alicloud_log_npm_sdk_writes_and_queries_through_project_localhost() {
    let (_sandbox, server) = start(&["--auth"]);
    let found = sdk::run("sls/alicloud_log.js", &server, &[("FCLOCAL_RUN", "node1")]).json();
    assert_eq!(found["logstores"], json!(["sdk-store"]));
    assert_eq!(found["shardCount"], 2);
    assert_eq!(
        found["search"],
        json!([["POST", "502", "alicloud-log", "10.0.0.8"]])
    );
    assert_eq!(found["sql"], json!([["GET", 1], ["POST", 1]]));
    assert_eq!(found["histogramTotal"], 2);

    let refused = sdk::run(
        "sls/alicloud_log.js",
        &server,
        &[("FCLOCAL_WRONG_SECRET", "1")],
    )
    .json();
    assert_eq!(refused, json!({"error": "SignatureNotMatch"}));
}

#[test]
fn the_aliyun_sdk_npm_package_puts_deflate_and_pulls_raw_from_an_ip_endpoint() {
    let (_sandbox, server) = start(&["--auth"]);
    let found = sdk::run("sls/aliyun_sdk.js", &server, &[("FCLOCAL_RUN", "aly1")]).json();
    assert_eq!(found["logstores"], json!(["sdk-store"]));
    assert_eq!(found["search"], json!([["PUT", "aliyun-sdk"]]));
    assert_eq!(found["shards"], 2);
    assert_eq!(found["pulled"], 2);

    let refused = sdk::run(
        "sls/aliyun_sdk.js",
        &server,
        &[("FCLOCAL_WRONG_SECRET", "1")],
    )
    .json();
    assert_eq!(refused["status"], 401, "{refused}");
}
