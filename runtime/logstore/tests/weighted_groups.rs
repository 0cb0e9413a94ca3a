//! GROUP BY statements that run over counted rows (`Analytic::weighted`) give exactly what
//! the plain path gives: each query below also runs with `FROM (SELECT * FROM log)`, which
//! reads the same rows but never takes the weighted path, and both tables (values, types as
//! rendered, order, names) and `processed_rows` must be equal. The corpus has numbers,
//! reals, absent keys, tags and FC fields with columns. (Dotted paths such as
//! `"content.status"` are not columns of `SELECT *`, so they cannot be compared this way;
//! the golden file `sql_json_path_pv` covers them.)

mod common;
mod corpus;

use common::{Table, search_table};
use corpus::{Indexing, LOGSTORE, PROJECT, at};
use fclocal_logstore::{LogStore, SearchRequest};

const QUERIES: &[&str] = &[
    "* | select functionName, count(*) as c group by functionName",
    "* | select functionName, count(*) group by functionName order by count(*) desc, functionName",
    "* | select level, functionName, count(*) as c, count(latency) as l, max(latency) as m, min(status) as s group by level, functionName order by c desc, level, functionName",
    "* | select status, count(*) as pv group by status having count(*) > 1 order by pv desc, status",
    "* | select upstream_response_time, count(*) as c group by upstream_response_time",
    "* | select remote_user, count(1) as c, count(distinct region) as r, approx_distinct(status) as a group by remote_user",
    "* | select \"__tag__:__client_ip__\", __topic__, __source__, count(*) as n group by \"__tag__:__client_ip__\", __topic__, __source__",
    "* | select requestId, serviceName, count(*) as n group by requestId, serviceName order by n desc, requestId limit 5",
    "* | select date_trunc('minute', __time__) as t, count(*) as c from log where status >= 200 group by t order by t",
    "request_method:GET | select status, count(*) as c group by status",
    "error | select functionName, count(*) as c group by functionName",
];

fn run(store: &LogStore, query: &str) -> Table {
    let request = SearchRequest {
        project: PROJECT.into(),
        logstore: LOGSTORE.into(),
        query: query.into(),
        from: at(0),
        to: at(3_600),
        topic: None,
        line: 100,
        offset: 0,
        reverse: false,
    };
    search_table(store, &request)
}

#[test]
fn weighted_and_plain_paths_agree() {
    for indexing in [Indexing::Queued, Indexing::Indexed] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = corpus::store(dir.path(), indexing);
        for query in QUERIES {
            let parsed = fclocal_sls_query::parse(query).expect("parses");
            assert!(
                parsed
                    .analytic
                    .as_ref()
                    .is_some_and(|a| a.weighted.is_some()),
                "{query} should take the weighted path"
            );
            let plain = plain_form(query);
            let weighted = run(&store, query);
            assert_eq!(weighted, run(&store, &plain), "{query} vs {plain}");
            assert!(!weighted.1.is_empty(), "{query}");
        }
        // A key no line has: one NULL group (`SELECT *` cannot name it, so no plain form).
        let absent = run(
            &store,
            "* | select nosuchkey, count(*) as c group by nosuchkey",
        );
        assert_eq!(absent.1, [[None, Some("60".to_owned())]]);
        assert_eq!(absent.2, 60);
        store.close().expect("close");
    }
}

/// `query` reading `(SELECT * FROM log)` instead of `log`: same rows, plain path.
fn plain_form(query: &str) -> String {
    if query.contains(" from log ") {
        query.replacen(" from log ", " from (select * from log) ", 1)
    } else {
        query.replacen(" group by ", " from (select * from log) group by ", 1)
    }
}
