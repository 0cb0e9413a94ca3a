//! Queries built to hurt: as wide and as deep as the parser accepts, run over the corpus in
//! every indexing state on a 2 MB stack (what Tokio's blocking threads get). Before the
//! search compiled its `and`/`or` chains flat, a 100-term `or` failed in FTS5's parser and
//! a few thousand terms overflowed the stack.

mod corpus;

use corpus::{BASE, Indexing, LOGSTORE, PROJECT, at};
use fclocal_logstore::{QueryError, SearchRequest, SearchResult};
use fclocal_sls_query::limits::{MAX_SEARCH_DEPTH, MAX_SEARCH_TERMS};

fn search(query: String, indexing: Indexing) -> Result<SearchResult, QueryError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = corpus::store(dir.path(), indexing);
    let reader = store.reader().expect("reader");
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            reader.search(&SearchRequest {
                project: PROJECT.into(),
                logstore: LOGSTORE.into(),
                query,
                from: at(0),
                to: at(BASE + 100_000),
                topic: None,
                line: 10,
                offset: 0,
                reverse: false,
            })
        })
        .expect("spawn")
        .join()
        .expect("the search panicked")
}

fn terms(n: usize, op: &str) -> String {
    let mut words: Vec<String> = (0..n - 1).map(|i| format!("t{i}")).collect();
    words.push("GET".into());
    words.join(op)
}

/// `a0 or (a1 and (a2 or (… z)))`, `depth` levels of parentheses.
fn alternating(depth: usize) -> String {
    let mut q = String::from("GET");
    for i in 0..depth {
        let op = if i % 2 == 0 { "or" } else { "and" };
        q = format!("a{i} {op} ({q})");
    }
    q
}

const MODES: [Indexing; 3] = [Indexing::Indexed, Indexing::Half, Indexing::Queued];

#[test]
fn the_widest_searches_run_in_every_indexing_state() {
    for mode in MODES {
        let hits = |q: String| match search(q.clone(), mode) {
            Ok(SearchResult::Logs { processed_rows, .. }) => processed_rows,
            other => panic!("{mode:?}: {other:?}"),
        };
        assert!(hits(terms(MAX_SEARCH_TERMS, " or ")) > 0, "{mode:?}");
        assert_eq!(hits(terms(MAX_SEARCH_TERMS, " and ")), 0, "{mode:?}");
    }
}

#[test]
fn the_deepest_searches_run_in_every_indexing_state() {
    for mode in MODES {
        let result = search(alternating(MAX_SEARCH_DEPTH), mode);
        assert!(
            matches!(result, Ok(SearchResult::Logs { .. })),
            "{mode:?}: {result:?}"
        );
    }
}

#[test]
fn too_wide_or_too_deep_is_a_parse_error() {
    for query in [
        terms(MAX_SEARCH_TERMS + 1, " or "),
        alternating(MAX_SEARCH_DEPTH + 1),
    ] {
        let result = search(query, Indexing::Indexed);
        assert!(matches!(result, Err(QueryError::Parse(_))), "{result:?}");
    }
}

#[test]
fn a_huge_value_is_refused_not_allocated() {
    let result = search(
        "* | select length(randomblob(1000000000))".into(),
        Indexing::Queued,
    );
    match result {
        Err(e @ QueryError::Sql { .. }) => {
            assert!(e.to_string().contains("string or blob too big"), "{e}");
            assert!(e.to_string().contains("16 MiB"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_long_sql_chain_is_a_parse_error_and_a_search_failure_says_search() {
    let chain: Vec<String> = (0..3000).map(|i| format!("a = {i}")).collect();
    let result = search(
        format!("* | select count(*) from log where {}", chain.join(" or ")),
        Indexing::Queued,
    );
    assert!(matches!(result, Err(QueryError::Parse(_))), "{result:?}");
}

#[test]
fn aggregates_that_keep_values_are_capped() {
    for function in [
        "approx_distinct(randomblob(1000000))",
        "histogram(hex(randomblob(500000)))",
    ] {
        let result = search(
            format!("* | select {function} from log a, log b, log c"),
            Indexing::Queued,
        );
        match result {
            Err(e @ QueryError::Sql { .. }) => {
                assert!(e.to_string().contains("kept more than 256 MiB"), "{e}")
            }
            other => panic!("{function}: {other:?}"),
        }
    }
    // The n-element aggregates keep only their best n rows, so 3,600 values of 100 KB
    // (360 MB) never reach the cap.
    let result = search(
        "* | select max_by(hex(zeroblob(50000)), a.request_time, 2) as m from log a, log b".into(),
        Indexing::Queued,
    );
    assert!(
        matches!(result, Ok(SearchResult::Table { .. })),
        "{result:?}"
    );
}
