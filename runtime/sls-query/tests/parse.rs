//! Every row and example of reference/sls.md §5 (search) and §6 (analytic) through the
//! public [`parse`], with the exact result, plus errors and their positions.

use std::ops::Bound::{self, Excluded, Included, Unbounded};

use fclocal_sls_query::{Analytic, Field, ParseError, Pattern, Query, Search, parse};

// ---- helpers ---------------------------------------------------------------------------

fn search(q: &str) -> Search {
    let parsed = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(parsed.analytic, None, "{q}");
    parsed.search
}

fn analytic(q: &str) -> (Search, Analytic) {
    let Query { search, analytic } = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    (
        search,
        analytic.unwrap_or_else(|| panic!("{q}: no analytic part")),
    )
}

fn error(q: &str) -> ParseError {
    match parse(q) {
        Ok(parsed) => panic!("{q}: expected an error, got {parsed:?}"),
        Err(e) => e,
    }
}

/// The error is at `offset` and its message contains every one of `words`.
fn assert_error(q: &str, offset: usize, words: &[&str]) {
    let e = error(q);
    assert_eq!(e.offset, offset, "{q}: {e}");
    assert_eq!(e.column, q[..offset].chars().count() + 1, "{q}: {e}");
    for word in words {
        assert!(
            e.message.contains(word),
            "{q}: {:?} lacks {word:?}",
            e.message
        );
    }
}

fn key(name: &str) -> Field {
    Field::Content(vec![name.to_string()])
}

fn bare(text: &str) -> Pattern {
    Pattern {
        text: text.to_string(),
        quoted: false,
    }
}

fn quoted(text: &str) -> Pattern {
    Pattern {
        text: text.to_string(),
        quoted: true,
    }
}

fn text(t: &str) -> Search {
    Search::Text(bare(t))
}

fn field(field: Field, pattern: Pattern) -> Search {
    Search::Field { field, pattern }
}

fn kv(k: &str, v: &str) -> Search {
    field(key(k), bare(v))
}

fn range(k: &str, low: Bound<f64>, high: Bound<f64>) -> Search {
    Search::Range {
        field: key(k),
        low,
        high,
    }
}

fn and(a: Search, b: Search) -> Search {
    Search::And(Box::new(a), Box::new(b))
}

fn or(a: Search, b: Search) -> Search {
    Search::Or(Box::new(a), Box::new(b))
}

fn not(a: Search) -> Search {
    Search::Not(Box::new(a))
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// The analytic part of `q` is rendered as `sql` and reads `columns`.
fn assert_sql(q: &str, sql: &str, columns: &[&str], star: bool) {
    let (_, a) = analytic(q);
    assert_eq!(a.sql, sql, "{q}");
    assert_eq!(a.columns, cols(columns), "{q}");
    assert_eq!(a.selects_star, star, "{q}");
}

// ---- §5 search: the bullets ------------------------------------------------------------

#[test]
fn empty_blank_and_star_are_all() {
    for q in ["", " ", "\t", "*", "  *  "] {
        assert_eq!(search(q), Search::All, "{q:?}");
    }
    let (s, _) = analytic(" | SELECT count(*)");
    assert_eq!(s, Search::All);
}

#[test]
fn operators_are_case_insensitive() {
    let expected = or(and(text("a"), not(text("b"))), text("c"));
    for q in [
        "a and not b or c",
        "a AND NOT b OR c",
        "a And Not b Or c",
        "a not b or c",
    ] {
        assert_eq!(search(q), expected, "{q}");
    }
}

#[test]
fn in_is_lowercase_only() {
    assert_eq!(
        search("status in [1 2]"),
        range("status", Included(1.0), Included(2.0))
    );
    // `IN` is an ordinary word: three terms.
    assert_eq!(
        search("status IN x"),
        and(and(text("status"), text("IN")), text("x"))
    );
}

#[test]
fn precedence_colon_quotes_parens_and_not_or() {
    assert_eq!(
        search("a or b and c"),
        or(text("a"), and(text("b"), text("c")))
    );
    assert_eq!(
        search("(a or b) and c"),
        and(or(text("a"), text("b")), text("c"))
    );
    assert_eq!(search("a or b c"), or(text("a"), and(text("b"), text("c"))));
    assert_eq!(search("not a b"), and(not(text("a")), text("b")));
    assert_eq!(search("a or not b"), or(text("a"), not(text("b"))));
    // `:` binds tighter than juxtaposition; a quoted string is one term.
    assert_eq!(search("k:v w"), and(kv("k", "v"), text("w")));
    assert_eq!(
        search("\"a or b\" c"),
        and(Search::Text(quoted("a or b")), text("c"))
    );
}

#[test]
fn escapes() {
    assert_eq!(
        search(r#""say \"hi\"""#),
        Search::Text(quoted(r#"say "hi""#))
    );
    assert_eq!(search(r"a\ b"), text("a b"));
    assert_eq!(search(r"k\:v"), text("k:v"));
    assert_eq!(search(r"a\*"), Search::Text(quoted("a*")));
}

#[test]
fn quoted_keys_and_values_with_special_characters() {
    assert_eq!(
        search(r#""__tag__:__client_ip__":192.0.2.1"#),
        field(Field::Tag("__client_ip__".into()), bare("192.0.2.1"))
    );
    assert_eq!(
        search(r#"k:"a-b:c 中文""#),
        field(key("k"), quoted("a-b:c 中文"))
    );
}

#[test]
fn wildcards_inside_or_at_the_end() {
    for w in ["cn*", "mozi?la", "mo*la", "a?"] {
        let s = search(w);
        assert_eq!(s, text(w));
        let Search::Text(p) = s else { unreachable!() };
        assert!(p.has_wildcards(), "{w}");
    }
    assert_eq!(search("not abcd*"), not(text("abcd*")));
}

#[test]
fn leading_wildcards_are_errors_suggesting_sql() {
    assert_error("*hai", 0, &["cannot start with a wildcard", "like '%hai'"]);
    assert_error(
        "region:*hai",
        7,
        &["cannot start with a wildcard", "\"region\" like '%hai'"],
    );
    assert_error("a key:?x", 6, &["cannot start with a wildcard"]);
    let long = format!("a{}*", "b".repeat(64));
    assert_error(&long, 0, &["at most 64 characters"]);
}

#[test]
fn ranges_closed_open_and_mixed() {
    assert_eq!(
        search("k in [1 2]"),
        range("k", Included(1.0), Included(2.0))
    );
    assert_eq!(
        search("k in (1 2)"),
        range("k", Excluded(1.0), Excluded(2.0))
    );
    assert_eq!(
        search("k in [1 2)"),
        range("k", Included(1.0), Excluded(2.0))
    );
    assert_eq!(
        search("k in (1 2]"),
        range("k", Excluded(1.0), Included(2.0))
    );
    assert_eq!(search("k in [5 *]"), range("k", Included(5.0), Unbounded));
    assert_eq!(search("k in (* 0.5)"), range("k", Unbounded, Excluded(0.5)));
}

#[test]
fn existence_and_empty_values() {
    assert_eq!(search("k:*"), Search::Exists(key("k")));
    assert_eq!(search("not k:*"), not(Search::Exists(key("k"))));
    assert_eq!(search(r#"k:"""#), field(key("k"), quoted("")));
}

#[test]
fn negative_and_decimal_numbers() {
    assert_eq!(
        search("key > -1000000000"),
        range("key", Excluded(-1e9), Unbounded)
    );
    assert_eq!(search("key>=0.5"), range("key", Included(0.5), Unbounded));
    assert_eq!(
        search("key <= -0.25"),
        range("key", Unbounded, Included(-0.25))
    );
}

#[test]
fn non_numeric_comparison_is_full_text() {
    // SLS: `owner_id>abc` on a non-numeric right side searches the words.
    assert_eq!(search("owner_id>abc"), and(text("owner_id"), text("abc")));
}

#[test]
fn reserved_fields() {
    assert_eq!(search("__topic__:x"), field(Field::Topic, bare("x")));
    assert_eq!(
        search("__source__:192.0.2.*"),
        field(Field::Source, bare("192.0.2.*"))
    );
    assert_eq!(
        search("source:192.0.2.*"),
        field(Field::Source, bare("192.0.2.*"))
    );
    assert_eq!(
        search("__tag__:__receive_time__:1609837139"),
        field(Field::Tag("__receive_time__".into()), bare("1609837139"))
    );
    assert_eq!(
        search("__tag__:__receive_time__ >= 1609837139"),
        Search::Range {
            field: Field::Tag("__receive_time__".into()),
            low: Included(1609837139.0),
            high: Unbounded
        }
    );
}

#[test]
fn json_paths() {
    assert_eq!(
        search("content.request.request_method:GET"),
        field(
            Field::Content(cols(&["content", "request", "request_method"])),
            bare("GET")
        )
    );
    assert_eq!(search(r#""a.b":x"#), field(key("a.b"), bare("x")));
}

#[test]
fn phrases() {
    assert_eq!(
        search(r##"#"abc def""##),
        Search::Phrase {
            field: None,
            text: "abc def".into()
        }
    );
    assert_eq!(
        search(r##"key:#"abc def""##),
        Search::Phrase {
            field: Some(key("key")),
            text: "abc def".into()
        }
    );
}

#[test]
fn spaces_around_colon() {
    assert_eq!(search("key : value"), kv("key", "value"));
    assert_eq!(search("key: value"), kv("key", "value"));
    assert_eq!(search("key :value"), kv("key", "value"));
}

// ---- §5 search: the table --------------------------------------------------------------

#[test]
fn table_get_with_2xx() {
    assert_eq!(
        search("request_method:GET and status in [200 299]"),
        and(
            kv("request_method", "GET"),
            range("status", Included(200.0), Included(299.0))
        )
    );
}

#[test]
fn table_get_not_from_hangzhou() {
    assert_eq!(
        search("request_method:GET not region:cn-hangzhou"),
        and(
            kv("request_method", "GET"),
            not(kv("region", "cn-hangzhou"))
        )
    );
}

#[test]
fn table_get_or_post_and_not_get() {
    assert_eq!(
        search("request_method:GET or request_method:POST"),
        or(kv("request_method", "GET"), kv("request_method", "POST"))
    );
    assert_eq!(
        search("not request_method:GET"),
        not(kv("request_method", "GET"))
    );
}

#[test]
fn table_failures() {
    assert_eq!(
        search("(request_method:GET or request_method:POST) not status in [200 299]"),
        and(
            or(kv("request_method", "GET"), kv("request_method", "POST")),
            not(range("status", Included(200.0), Included(299.0)))
        )
    );
}

#[test]
fn table_numeric() {
    // `key:60` stays a token match (the field's type is unknown here); `=` is numeric.
    assert_eq!(search("request_time:60"), kv("request_time", "60"));
    assert_eq!(
        search("request_time=60"),
        range("request_time", Included(60.0), Included(60.0))
    );
    assert_eq!(
        search("request_time>=60 and request_time<200"),
        and(
            range("request_time", Included(60.0), Unbounded),
            range("request_time", Unbounded, Excluded(200.0))
        )
    );
    assert_eq!(
        search("request_time in [60 200)"),
        range("request_time", Included(60.0), Excluded(200.0))
    );
    assert_eq!(
        search("upstream_response_time > 0.5"),
        range("upstream_response_time", Excluded(0.5), Unbounded)
    );
}

#[test]
fn table_present_absent_empty() {
    assert_eq!(search("remote_user:*"), Search::Exists(key("remote_user")));
    assert_eq!(
        search("not remote_user:*"),
        not(Search::Exists(key("remote_user")))
    );
    assert_eq!(
        search(r#"remote_user:"""#),
        field(key("remote_user"), quoted(""))
    );
    assert_eq!(
        search(r#"not remote_user:"null""#),
        not(field(key("remote_user"), quoted("null")))
    );
}

#[test]
fn table_literal_keyword() {
    assert_eq!(search(r#""and""#), Search::Text(quoted("and")));
}

#[test]
fn table_key_or_value_with_space() {
    assert_eq!(
        search(r#""request method":PUT"#),
        field(key("request method"), bare("PUT"))
    );
    assert_eq!(
        search(r#""Authorization": "Bearer 12345""#),
        field(key("Authorization"), quoted("Bearer 12345"))
    );
}

#[test]
fn table_topic_and_tag() {
    assert_eq!(
        search("__topic__:HTTPS or __topic__:HTTP"),
        or(
            field(Field::Topic, bare("HTTPS")),
            field(Field::Topic, bare("HTTP"))
        )
    );
    assert_eq!(
        search("__tag__:__client_ip__:192.0.2.1"),
        field(Field::Tag("__client_ip__".into()), bare("192.0.2.1"))
    );
}

#[test]
fn table_prefix_and_infix() {
    assert_eq!(search("cn*"), text("cn*"));
    assert_eq!(search("region:cn*"), kv("region", "cn*"));
    assert_eq!(search("mozi?la"), text("mozi?la"));
    assert_eq!(search("mo*la"), text("mo*la"));
    assert_eq!(search("host:www.yl*"), kv("host", "www.yl*"));
    let literal = search(r#"region:"cn*""#);
    assert_eq!(literal, field(key("region"), quoted("cn*")));
    let Search::Field { pattern, .. } = literal else {
        unreachable!()
    };
    assert!(!pattern.has_wildcards());
}

#[test]
fn table_token_in_value() {
    assert_eq!(
        search("http_user_agent:Linux and http_user_agent:Chrome"),
        and(
            kv("http_user_agent", "Linux"),
            kv("http_user_agent", "Chrome")
        )
    );
    assert_eq!(
        search(r#"http_user_agent:"Linux Chrome""#),
        field(key("http_user_agent"), quoted("Linux Chrome"))
    );
}

#[test]
fn table_path() {
    assert_eq!(
        search("request_uri:/request* not request_uri:/file-0"),
        and(
            kv("request_uri", "/request*"),
            not(kv("request_uri", "/file-0"))
        )
    );
}

#[test]
fn table_exact_phrase() {
    assert_eq!(
        search(r##"#"redo_index/1""##),
        Search::Phrase {
            field: None,
            text: "redo_index/1".into()
        }
    );
    assert_eq!(
        search(r##"time_local: #"22/Dec""##),
        Search::Phrase {
            field: Some(key("time_local")),
            text: "22/Dec".into()
        }
    );
}

#[test]
fn table_suffix_via_sql() {
    let q = "* | select * from log where region like '%hai'";
    let (s, _) = analytic(q);
    assert_eq!(s, Search::All);
    assert_sql(
        q,
        "SELECT * FROM log WHERE region LIKE '%hai' LIMIT 100",
        &["region"],
        true,
    );
}

#[test]
fn table_scan_pipeline_is_not_supported() {
    assert_error(
        "* | status:200 | WHERE userId = '123'",
        4,
        &["must be a SELECT query", "not supported"],
    );
}

#[test]
fn fc_flavoured_search() {
    assert_eq!(
        search("__topic__:my-service and functionName:hello and ERROR"),
        and(
            and(
                field(Field::Topic, bare("my-service")),
                kv("functionName", "hello")
            ),
            text("ERROR")
        )
    );
}

// ---- §5 search: errors -----------------------------------------------------------------

#[test]
fn search_errors_and_positions() {
    assert_error("a and (b or c", 6, &["unbalanced `(`"]);
    assert_error("a and b) or c", 7, &["unmatched `)`"]);
    assert_error(r#"k:"abc"#, 2, &["unterminated quoted string"]);
    assert_error("status:", 7, &["missing value after `status:`"]);
    assert_error("status: or x", 8, &["missing value after `status:`"]);
    assert_error("a and", 2, &["`and`", "end"]);
    assert_error("a OR ", 2, &["`OR`", "end"]);
    assert_error("a not", 2, &["`not`", "end"]);
    assert_error("not", 0, &["`not`", "end"]);
    assert_error(
        "status in 200",
        7,
        &["`in` must be followed by a bracketed range"],
    );
    assert_error("status in [200 abc]", 15, &["`abc` is not a number"]);
    assert_error("status in [2OO 299]", 11, &["`2OO` is not a number"]);
    assert_error("status in [200 299", 10, &["unterminated range"]);
    assert_error("*abc", 0, &["cannot start with a wildcard"]);
}

#[test]
fn error_columns_count_characters() {
    // "日志 " is 7 bytes, 3 characters.
    let e = error("日志 and");
    assert_eq!((e.offset, e.column), (7, 4));
    assert_eq!(
        e.to_string(),
        format!("{} (at line 1, column 4)", e.message)
    );
}

// ---- §6 analytic: the examples ---------------------------------------------------------

#[test]
fn example_group_by_status() {
    assert_sql(
        "* | SELECT status, count(*) AS PV GROUP BY status",
        "SELECT status, count(*) AS PV FROM log GROUP BY status LIMIT 100",
        &["status"],
        false,
    );
}

#[test]
fn example_minute5_alias_in_group_by() {
    assert_sql(
        "* | SELECT count(1) AS pv, __time__ - __time__ % 300 AS minute5 GROUP BY minute5 LIMIT 100",
        "SELECT count(1) AS pv, __time__ - __time__ % 300 AS minute5 FROM log GROUP BY minute5 LIMIT 100",
        &["__time__"],
        false,
    );
}

#[test]
fn example_date_trunc_truncate() {
    assert_sql(
        "* | SELECT date_trunc('minute', __time__) AS t, truncate(avg(latency)) GROUP BY t ORDER BY t DESC LIMIT 60",
        "SELECT date_trunc('minute', __time__) AS t, truncate(avg(latency)) FROM log GROUP BY t ORDER BY t DESC LIMIT 60",
        &["__time__", "latency"],
        false,
    );
}

#[test]
fn example_time_series_from_log() {
    assert_sql(
        "* | SELECT time_series(__time__, '2h', '%Y-%m-%d %H:%i:%s', '0') AS stamp, count(*) AS num FROM log GROUP BY stamp ORDER BY stamp",
        "SELECT time_series(__time__, '2h', '%Y-%m-%d %H:%i:%s', '0') AS stamp, count(*) AS num FROM log GROUP BY stamp ORDER BY stamp LIMIT 100",
        &["__time__"],
        false,
    );
}

#[test]
fn example_time_series_uv() {
    assert_sql(
        "* | SELECT time_series(__time__, '2m', '%H:%i', '0') AS time, COUNT(1) AS pv, approx_distinct(remote_addr) AS uv GROUP BY time ORDER BY time LIMIT 1000",
        "SELECT time_series(__time__, '2m', '%H:%i', '0') AS time, COUNT(1) AS pv, approx_distinct(remote_addr) AS uv FROM log GROUP BY time ORDER BY time LIMIT 1000",
        &["__time__", "remote_addr"],
        false,
    );
}

#[test]
fn example_error_ratio_subquery() {
    assert_sql(
        "* | SELECT round((errorCount * 100.0 / totalCount), 2) AS errorRatio FROM (SELECT sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errorCount, count(1) AS totalCount FROM log)",
        "SELECT round((errorCount * 100.0 / totalCount), 2) AS errorRatio FROM (SELECT sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errorCount, count(1) AS totalCount FROM log) LIMIT 100",
        &["status"],
        false,
    );
}

#[test]
fn example_compare_subscripts() {
    assert_sql(
        "* | SELECT diff[1] AS today, round((diff[3] - 1.0) * 100, 2) AS growth FROM (SELECT compare(pv, 86400) AS diff FROM (SELECT COUNT(1) AS pv FROM log))",
        "SELECT fcl_element_at(diff, 1) AS today, round((fcl_element_at(diff, 3) - 1.0) * 100, 2) AS growth FROM (SELECT compare(pv, 86400) AS diff FROM (SELECT COUNT(1) AS pv FROM log)) LIMIT 100",
        &[],
        false,
    );
}

#[test]
fn example_quoted_json_column() {
    assert_sql(
        r#"* | SELECT "content.status", COUNT(*) AS PV GROUP BY "content.status""#,
        r#"SELECT "content.status", COUNT(*) AS PV FROM log GROUP BY "content.status" LIMIT 100"#,
        &["content.status"],
        false,
    );
}

#[test]
fn example_max_n() {
    assert_sql(
        r#"* | SELECT max(request_time, 10) AS "top 10""#,
        r#"SELECT fcl_max_n(request_time, 10) AS "top 10" FROM log LIMIT 100"#,
        &["request_time"],
        false,
    );
}

#[test]
fn example_order_by_limit() {
    assert_sql(
        "* | SELECT request_uri AS top_3, request_time ORDER BY request_time DESC LIMIT 3",
        "SELECT request_uri AS top_3, request_time FROM log ORDER BY request_time DESC LIMIT 3",
        &["request_uri", "request_time"],
        false,
    );
}

#[test]
fn example_limit_offset_comma() {
    assert_sql(
        "* | SELECT request_time LIMIT 100, 1000",
        "SELECT request_time FROM log LIMIT 100, 1000",
        &["request_time"],
        false,
    );
}

#[test]
fn example_try_cast_map_subscript() {
    assert_sql(
        "* | SELECT try_cast(json_parse(etl_context) AS map(varchar, varchar))['project']",
        "SELECT fcl_element_at(json_parse(etl_context), 'project') FROM log LIMIT 100",
        &["etl_context"],
        false,
    );
}

#[test]
fn example_nested_sum_of_pv() {
    assert_sql(
        "* | SELECT sum(pv) FROM (SELECT count(*) AS pv FROM log GROUP BY method)",
        "SELECT sum(pv) FROM (SELECT count(*) AS pv FROM log GROUP BY method) LIMIT 100",
        &["method"],
        false,
    );
}

#[test]
fn example_fc_errors_per_minute() {
    let q = "functionName:hello | SELECT date_trunc('minute', __time__) AS m, count_if(message like '%[ERROR]%') AS errors GROUP BY m ORDER BY m";
    let (s, _) = analytic(q);
    assert_eq!(s, kv("functionName", "hello"));
    assert_sql(
        q,
        "SELECT date_trunc('minute', __time__) AS m, count_if(message LIKE '%[ERROR]%') AS errors FROM log GROUP BY m ORDER BY m LIMIT 100",
        &["__time__", "message"],
        false,
    );
}

#[test]
fn tag_column() {
    assert_sql(
        r#"* | SELECT "__tag__:__client_ip__" AS ip, count(*) GROUP BY ip"#,
        r#"SELECT "__tag__:__client_ip__" AS ip, count(*) FROM log GROUP BY ip LIMIT 100"#,
        &["__tag__:__client_ip__"],
        false,
    );
}

// ---- §6 analytic: rewrites -------------------------------------------------------------

#[test]
fn type_names_and_try_cast() {
    assert_sql(
        "* | SELECT try_cast(a AS bigint), cast(b AS integer), cast(c AS double), cast(d AS real), cast(e AS varchar), cast(f AS boolean) LIMIT 1",
        "SELECT CAST(a AS INTEGER), CAST(b AS INTEGER), CAST(c AS REAL), CAST(d AS REAL), CAST(e AS TEXT), CAST(f AS INTEGER) FROM log LIMIT 1",
        &["a", "b", "c", "d", "e", "f"],
        false,
    );
}

#[test]
fn min_n_and_array_literals() {
    assert_sql(
        "* | SELECT min(a, 3), approx_percentile(b, ARRAY[0.5, 0.9]) LIMIT 1",
        "SELECT fcl_min_n(a, 3), approx_percentile(b, fcl_array(0.5, 0.9)) FROM log LIMIT 1",
        &["a", "b"],
        false,
    );
}

#[test]
fn user_with_and_with_log() {
    let q = "* | WITH t AS (SELECT status, count(*) AS n FROM log GROUP BY status) SELECT status, n FROM t ORDER BY n DESC";
    assert_sql(
        q,
        "WITH t AS (SELECT status, count(*) AS n FROM log GROUP BY status) SELECT status, n FROM t ORDER BY n DESC LIMIT 100",
        &["status"],
        false,
    );
    let (_, a) = analytic(q);
    assert_eq!(
        a.with_log("SELECT 1 AS status"),
        "WITH log AS (SELECT 1 AS status), t AS (SELECT status, count(*) AS n FROM log GROUP BY status) SELECT status, n FROM t ORDER BY n DESC LIMIT 100"
    );
    let (_, plain) = analytic("* | SELECT count(*)");
    assert_eq!(
        plain.with_log("SELECT 1"),
        "WITH log AS (SELECT 1) SELECT count(*) FROM log LIMIT 100"
    );
}

#[test]
fn pipes_inside_search_quotes_do_not_split() {
    let (s, a) = analytic(r#"message:"a|b" | SELECT count(*)"#);
    assert_eq!(s, field(key("message"), quoted("a|b")));
    assert_eq!(a.sql, "SELECT count(*) FROM log LIMIT 100");
    assert!(a.columns.is_empty());
}

// ---- §6 analytic: errors ---------------------------------------------------------------

#[test]
fn analytic_errors_and_positions() {
    // Offsets are into the whole query: the SQL part starts after "* |" (byte 3).
    assert_error("* | SELECT 1;", 12, &["remove the `;`"]);
    assert_error(
        "* | SELECT a LIMIT 10 OFFSET 5",
        29,
        &["`OFFSET` is not supported"],
    );
    assert_error("* | SELECT a LIMIT 1000001", 19, &["too large", "1000000"]);
    assert_error("* | SELECT a LIMIT 5, 10001", 22, &["at most 10000"]);
    assert_error("* | SELECT a LIMIT 999995, 10", 19, &["offset + count"]);
    assert_error(
        "* | SELECT a FROM (SELECT b FROM log LIMIT 1, 2)",
        43,
        &["only allowed in the outermost query"],
    );
    assert_error("* | SELECT a,, b", 13, &["invalid analytic statement"]);
    assert_error(
        "* | SELECT a FROM log WHERE",
        27,
        &["Expected: an expression", "EOF"],
    );
    assert_error("* | SELECT 'abc", 11, &["Unterminated string literal"]);
    assert_error("* | SELECT a FROM logs", 18, &["unknown table `logs`"]);
    assert_error("* | ", 4, &["empty"]);
    assert_error("* | DROP TABLE log", 4, &["must be a SELECT query"]);
}

#[test]
fn analytic_error_after_multibyte_search() {
    // "日志 | " is 9 bytes; the `;` is at byte 17, character column 14.
    let e = error("日志 | SELECT 1;");
    assert_eq!((e.offset, e.column), (17, 14));
}

#[test]
fn errors_in_both_parts_report_the_search_first() {
    assert_error("a and | SELECT 1;", 2, &["`and`"]);
}
