//! Hostile queries: too deep, too wide, too long. Each must come back as a [`ParseError`]
//! naming the limit, on a thread with the 2 MB stack Tokio gives its blocking pool (where the
//! server parses queries). Before the limits each of these overflowed the stack and aborted
//! the process.

use fclocal_sls_query::limits::{
    MAX_QUERY_BYTES, MAX_SEARCH_DEPTH, MAX_SEARCH_TERMS, MAX_SQL_OPERATORS, MAX_SQL_SET_OPERATIONS,
};
use fclocal_sls_query::{ParseError, Query, parse};

/// Tokio's default thread stack size.
const STACK: usize = 2 << 20;

fn parse_on_small_stack(query: String) -> Result<Query, ParseError> {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || parse(&query))
        .expect("spawn")
        .join()
        .expect("the parser panicked")
}

fn refused(query: String, words: &str) -> ParseError {
    let e = parse_on_small_stack(query).expect_err("too big");
    assert!(e.message.contains(words), "{e}");
    e
}

fn terms(n: usize, op: &str) -> String {
    (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>().join(op)
}

#[test]
fn nested_parentheses_are_refused_past_the_depth_limit() {
    let ok = format!(
        "{}a{}",
        "(".repeat(MAX_SEARCH_DEPTH),
        ")".repeat(MAX_SEARCH_DEPTH)
    );
    assert!(parse_on_small_stack(ok).is_ok());
    let e = refused(
        format!("{}a{}", "(".repeat(1600), ")".repeat(1600)),
        &format!("more than {MAX_SEARCH_DEPTH} levels deep"),
    );
    assert_eq!(
        e.offset, MAX_SEARCH_DEPTH,
        "points at the first `(` too many"
    );
}

#[test]
fn repeated_not_is_refused_past_the_depth_limit() {
    refused(
        format!("{}a", "not ".repeat(5000)),
        &format!("more than {MAX_SEARCH_DEPTH} levels deep"),
    );
    refused(
        format!("x {}a", "not (".repeat(100)),
        &format!("more than {MAX_SEARCH_DEPTH} levels deep"),
    );
}

#[test]
fn wide_searches_are_refused_past_the_term_limit() {
    assert!(parse_on_small_stack(terms(MAX_SEARCH_TERMS, " or ")).is_ok());
    for op in [" or ", " and ", " "] {
        refused(
            terms(MAX_SEARCH_TERMS + 1, op),
            &format!("more than {MAX_SEARCH_TERMS} terms"),
        );
    }
    // 10,000 terms: the length limit answers first.
    refused(terms(10_000, " or "), "bytes long");
}

#[test]
fn long_queries_are_refused() {
    let e = refused(
        format!("a{}", " ".repeat(MAX_QUERY_BYTES)),
        &format!("at most {MAX_QUERY_BYTES} bytes"),
    );
    assert_eq!(e.offset, MAX_QUERY_BYTES);
}

#[test]
fn long_sql_chains_are_refused() {
    let chain = |n: usize| {
        let terms: Vec<String> = (0..n).map(|i| format!("a = {i}")).collect();
        format!("* | select count(*) from log where {}", terms.join(" or "))
    };
    assert!(parse_on_small_stack(chain(MAX_SQL_OPERATORS / 2)).is_ok());
    refused(
        chain(3000),
        &format!("more than {MAX_SQL_OPERATORS} operators"),
    );
}

#[test]
fn deep_sql_is_refused() {
    refused(
        format!("* | select {}1{}", "(".repeat(2000), ")".repeat(2000)),
        "operators",
    );
    refused(
        format!("* | select {}1{}", "(".repeat(60), ")".repeat(60)),
        "too deeply",
    );
    refused(
        format!("* | select {}1{}", "(select ".repeat(100), ")".repeat(100)),
        "too deeply",
    );
    refused(format!("* | select {}a", "- ".repeat(1000)), "too deeply");
}

#[test]
fn long_unions_are_refused() {
    refused(
        format!("* | select 1{}", " union select 1".repeat(1000)),
        &format!("more than {MAX_SQL_SET_OPERATIONS} SELECTs"),
    );
}
