//! Turning a [`LogQuery`] into SQL, and the SQL function the keyword filter uses.
//!
//! Filters map onto the v1 schema as follows:
//! - logstore → `l.logstore_id = ?` (the reader resolves the id first, so the
//!   `logs_by_time (logstore_id, time_ns)` index drives the scan and yields time order);
//!   project only → `l.logstore_id IN (SELECT id FROM logstores WHERE project = ?)`.
//! - `from`/`to` → `l.time_ns >= ?` / `l.time_ns < ?`.
//! - topic → `l.topic = ?`.
//! - field `k = v` → `json_extract(l.contents, '$."k"') = ?` (first value of a duplicated
//!   key); keys containing `"` fall back to `json_each`.
//! - keyword → [`KEYWORD_FN`]`(l.contents, ?)`, a Rust function registered on each reader.
//!
//! The later SLS query language compiles to the same shape (and FTS5 `MATCH` once the index
//! migration lands).

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};

use crate::codec;
use crate::model::{LogQuery, to_unix_nanos};

/// Name of the keyword SQL function: `fcl_contents_contains(contents_json, needle_lower)`.
pub(crate) const KEYWORD_FN: &str = "fcl_contents_contains";

/// Which logstores a query covers, already resolved by the reader.
pub(crate) enum Scope {
    /// Every logstore of every project.
    All,
    /// Every logstore of one project.
    Project(String),
    /// One logstore, by id.
    Logstore(i64),
}

/// A statement and its positional parameters.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<Value>,
}

impl Sql {
    /// Parameters in the form `Statement::query` takes.
    pub(crate) fn params(&self) -> Vec<&dyn ToSql> {
        self.params.iter().map(|v| v as &dyn ToSql).collect()
    }
}

/// Columns read by [`crate::reader`], in this order.
pub(crate) const SELECT: &str = "SELECT l.id, s.project, s.name, l.shard, l.seq, l.time_ns, \
    l.topic, l.source, l.tags, l.contents \
    FROM logs AS l JOIN logstores AS s ON s.id = l.logstore_id";

/// Builds the SELECT for `q` over `scope`.
pub(crate) fn build(q: &LogQuery, scope: Scope) -> Sql {
    let mut text = String::from(SELECT);
    let mut params: Vec<Value> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Project(p) => {
            let p = bind(&mut params, Value::Text(p));
            clauses.push(format!(
                "l.logstore_id IN (SELECT id FROM logstores WHERE project = {p})"
            ));
        }
        Scope::Logstore(id) => {
            let p = bind(&mut params, Value::Integer(id));
            clauses.push(format!("l.logstore_id = {p}"));
        }
    }
    if let Some(from) = q.from {
        let p = bind(&mut params, Value::Integer(to_unix_nanos(from)));
        clauses.push(format!("l.time_ns >= {p}"));
    }
    if let Some(to) = q.to {
        let p = bind(&mut params, Value::Integer(to_unix_nanos(to)));
        clauses.push(format!("l.time_ns < {p}"));
    }
    if let Some(topic) = &q.topic {
        let p = bind(&mut params, Value::Text(topic.clone()));
        clauses.push(format!("l.topic = {p}"));
    }
    for (key, value) in &q.fields {
        match codec::json_path(key) {
            Some(path) => {
                let pp = bind(&mut params, Value::Text(path));
                let pv = bind(&mut params, Value::Text(value.clone()));
                clauses.push(format!("json_extract(l.contents, {pp}) = {pv}"));
            }
            None => {
                let pk = bind(&mut params, Value::Text(key.clone()));
                let pv = bind(&mut params, Value::Text(value.clone()));
                clauses.push(format!(
                    "EXISTS (SELECT 1 FROM json_each(l.contents) AS j \
                     WHERE j.key = {pk} AND j.value = {pv})"
                ));
            }
        }
    }
    if let Some(keyword) = q.keyword.as_deref().filter(|k| !k.is_empty()) {
        let p = bind(&mut params, Value::Text(keyword.to_lowercase()));
        clauses.push(format!("{KEYWORD_FN}(l.contents, {p})"));
    }
    for (i, clause) in clauses.iter().enumerate() {
        text.push_str(if i == 0 { " WHERE " } else { " AND " });
        text.push_str(clause);
    }
    let dir = if q.newest_first { "DESC" } else { "ASC" };
    text.push_str(&format!(" ORDER BY l.time_ns {dir}, l.id {dir}"));
    let limit = q.limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let p = bind(&mut params, Value::Integer(limit));
    text.push_str(&format!(" LIMIT {p}"));
    Sql { text, params }
}

/// Adds a parameter and returns its placeholder (`?N`).
fn bind(params: &mut Vec<Value>, v: Value) -> String {
    params.push(v);
    format!("?{}", params.len())
}

/// Registers [`KEYWORD_FN`] on a reader connection.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        KEYWORD_FN,
        2,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let contents = ctx.get_raw(0).as_str().unwrap_or("");
            let needle = ctx.get_raw(1).as_str().unwrap_or("");
            Ok(contents_contain(contents, needle))
        },
    )
}

/// Whether any content value of the JSON object `contents` contains `needle_lower`
/// (already lower-cased), ignoring case.
///
/// Fast path for the usual all-ASCII line: search the raw JSON text first and decode only
/// on a hit (the hit may be in a key). The raw text holds values verbatim unless they
/// contain characters JSON escapes, so needles with `"`, `\` or control characters always
/// decode.
pub(crate) fn contents_contain(contents: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    let escapable = needle_lower
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control());
    if contents.is_ascii() && !escapable && !ascii_contains_ci(contents, needle_lower) {
        return false;
    }
    let Ok(pairs) = codec::decode(contents) else {
        return false;
    };
    pairs.iter().any(|(_, v)| {
        if v.is_ascii() {
            ascii_contains_ci(v, needle_lower)
        } else {
            v.to_lowercase().contains(needle_lower)
        }
    })
}

/// ASCII case-insensitive substring test (`needle` already lower-case).
fn ascii_contains_ci(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return false;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_matches_values_not_keys() {
        let c = r#"{"functionName":"Hello","message":"FC Invoke Start RequestId: abc"}"#;
        assert!(contents_contain(c, "invoke start"));
        assert!(contents_contain(c, "hello"));
        assert!(!contents_contain(c, "functionname"));
        assert!(!contents_contain(c, "hello\",\"message"));
    }

    #[test]
    fn keyword_unicode_and_escapes() {
        let c = r#"{"m":"Grüße ÄRGER","q":"say \"hi\"\n"}"#;
        assert!(contents_contain(c, "ärger"));
        assert!(contents_contain(c, "\"hi\""));
        assert!(contents_contain(c, "hi\"\n"));
        assert!(!contents_contain(c, "bye"));
    }

    #[test]
    fn sql_shape() {
        let q = LogQuery {
            topic: Some("svc".into()),
            fields: vec![("functionName".into(), "f".into())],
            keyword: Some("ERR".into()),
            limit: Some(10),
            newest_first: true,
            ..LogQuery::default()
        };
        let sql = build(&q, Scope::Logstore(7));
        assert!(sql.text.contains("l.logstore_id = ?1"), "{}", sql.text);
        assert!(
            sql.text.contains("json_extract(l.contents, ?3) = ?4"),
            "{}",
            sql.text
        );
        assert!(
            sql.text
                .ends_with("ORDER BY l.time_ns DESC, l.id DESC LIMIT ?6"),
            "{}",
            sql.text
        );
        assert_eq!(sql.params[4], Value::Text("err".into()));
    }
}
