//! GROUP BY statements over counted rows ([`Analytic::weighted`]).
//!
//! SQLite groups by sorting every input row: on a million lines the sort alone took
//! ~250 ms, for ten groups. When the statement has a weighted form, the matching lines'
//! columns are read once, in this file, and counted per distinct combination in a hash map;
//! SQLite then runs the weighted statement over one row per combination, handed over as a
//! JSON array (`json_each`). The same pass counts the lines, which is `processed_rows`, so
//! the second scan [`LogReader::count_rows`] makes is saved too.
//!
//! Values travel as JSON, which keeps INTEGER, TEXT and NULL exactly (`->>` gives each back
//! with its SQL type). A REAL travels as its IEEE bits (`{"real": bits}`, turned back by
//! `fcl_real_from_bits`), so no decimal round trip can change it: typed values make REALs
//! of ordinary text (`419439680229855e-0098` is a request id of the bench). A BLOB value,
//! or more distinct combinations than [`MAX_GROUP_BYTES`] holds, makes this path give up
//! (`None`) and the caller runs the plain statement.

use std::collections::HashMap;

use fclocal_sls_query::{Analytic, WEIGHT};
use rusqlite::types::ValueRef;
use serde_json::Value as Json;

use super::binder::ident;
use super::error::QueryError;
use super::execute::sqlite_message;
use crate::LogReader;

/// Most memory the distinct combinations may take before the plain path is used instead.
const MAX_GROUP_BYTES: usize = 64 << 20;

/// The named parameter holding the combinations (named, so `?` placeholders a user wrote
/// keep their numbers and stay NULL as before).
const ROWS_PARAM: &str = ":__fcl_weighted_rows__";

/// A result table: column names, then rows of rendered values.
pub(crate) type Table = (Vec<String>, Vec<Vec<Option<String>>>);

/// The distinct combinations of one or more scans and how many rows had each.
#[derive(Debug, Default)]
pub(crate) struct Counted {
    /// Each combination as a JSON array of its values and, last, its count.
    groups: Vec<Vec<Json>>,
    /// Where each combination (its values as bytes) is in `groups`.
    index: HashMap<Vec<u8>, usize>,
    /// Memory the combinations take, roughly.
    bytes: usize,
    /// Rows read (lines, when a scan's rows stand for several).
    pub(crate) rows: u64,
}

impl Counted {
    /// Adds `other`'s combinations and rows (in `other`'s order after this one's), as if its
    /// rows had been read after this one's; `false` when there are too many.
    pub(crate) fn merge(&mut self, other: Counted) -> bool {
        let mut keys: Vec<Vec<u8>> = vec![Vec::new(); other.groups.len()];
        for (key, at) in other.index {
            keys[at] = key;
        }
        self.rows += other.rows;
        for (key, group) in keys.into_iter().zip(other.groups) {
            let weight = match group.last() {
                Some(Json::Number(n)) => n.as_u64().unwrap_or(0),
                _ => 0,
            };
            if let Some(&at) = self.index.get(key.as_slice()) {
                if let Some(Json::Number(n)) = self.groups[at].last_mut() {
                    *n = (n.as_u64().unwrap_or(0) + weight).into();
                }
                continue;
            }
            self.bytes += 2 * key.len() + 64;
            if self.bytes > MAX_GROUP_BYTES {
                return false;
            }
            self.index.insert(key, self.groups.len());
            self.groups.push(group);
        }
        true
    }
}

impl Counted {
    /// Counts `weight` rows of one column with `value` (`crate::search::key_counts`);
    /// `false` when it cannot travel as JSON exactly or there are too many combinations.
    pub(crate) fn add_one(&mut self, value: ValueRef<'_>, weight: u64) -> bool {
        let mut key = Vec::with_capacity(32);
        let json = match value {
            ValueRef::Null => {
                key.push(0);
                Json::Null
            }
            ValueRef::Integer(n) => {
                key.push(1);
                key.extend_from_slice(&n.to_le_bytes());
                Json::from(n)
            }
            ValueRef::Text(t) => {
                key.push(2);
                key.extend_from_slice(&t.len().to_le_bytes());
                key.extend_from_slice(t);
                match std::str::from_utf8(t) {
                    Ok(t) => Json::from(t),
                    Err(_) => return false,
                }
            }
            ValueRef::Real(f) => {
                key.push(3);
                key.extend_from_slice(&f.to_bits().to_le_bytes());
                serde_json::json!({ "real": f.to_bits() as i64 })
            }
            ValueRef::Blob(_) => return false,
        };
        self.rows += weight;
        if let Some(&at) = self.index.get(key.as_slice()) {
            if let Some(Json::Number(n)) = self.groups[at].last_mut() {
                *n = (n.as_u64().unwrap_or(0) + weight).into();
            }
            return true;
        }
        self.bytes += 2 * key.len() + 64;
        if self.bytes > MAX_GROUP_BYTES {
            return false;
        }
        self.index.insert(key, self.groups.len());
        self.groups.push(vec![json, Json::from(weight)]);
        true
    }
}

impl LogReader {
    /// Reads `rows_sql` (columns = the statement's `log` columns) and counts its distinct
    /// rows; `None` when a value cannot travel as JSON exactly or there are too many.
    pub(crate) fn count_distinct(&self, rows_sql: &str) -> Result<Option<Counted>, QueryError> {
        let mut counted = Counted::default();
        Ok(self
            .count_into(&mut counted, rows_sql, false)?
            .then_some(counted))
    }

    /// Adds the rows of `sql` to `counted`; see [`count_into`].
    pub(crate) fn count_into(
        &self,
        counted: &mut Counted,
        sql: &str,
        weighted: bool,
    ) -> Result<bool, QueryError> {
        count_into(&self.conn, counted, sql, weighted)
    }

    /// Runs `analytic`'s weighted statement over `counted`, whose columns are `names`.
    pub(crate) fn run_weighted(
        &self,
        analytic: &Analytic,
        names: &[String],
        counted: &Counted,
    ) -> Result<Option<Table>, QueryError> {
        let mut columns: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                format!(
                    "CASE json_type(value, '$[{i}]') WHEN 'object' \
                     THEN fcl_real_from_bits(value ->> '$[{i}].real') \
                     ELSE value ->> {i} END AS {}",
                    ident(name)
                )
            })
            .collect();
        columns.push(format!("value ->> {} AS {}", names.len(), ident(WEIGHT)));
        let rows_sql = format!("SELECT {} FROM json_each({ROWS_PARAM})", columns.join(", "));
        let Some(sql) = analytic.weighted_with_log(&rows_sql) else {
            return Ok(None);
        };
        tracing::debug!(%sql, "weighted analytic statement");
        let json = serde_json::to_string(&counted.groups)
            .map_err(|e| super::error::sql_error(format!("cannot encode the counted rows: {e}")))?;
        let mut stmt = self.conn.prepare(&sql).map_err(sqlite_message)?;
        let Some(at) = stmt.parameter_index(ROWS_PARAM).map_err(sqlite_message)? else {
            return Ok(None);
        };
        stmt.raw_bind_parameter(at, json).map_err(sqlite_message)?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let table = self.render_rows(stmt.raw_query(), columns.len())?;
        Ok(Some((columns, table)))
    }
}

/// Adds the rows of `sql` to `counted`. With `weighted`, the last column is not a value
/// but how many lines the row stands for (`crate::search::rollup`). `false` when a value
/// cannot travel as JSON exactly or there are too many combinations: give up then.
pub(crate) fn count_into(
    conn: &rusqlite::Connection,
    counted: &mut Counted,
    sql: &str,
    weighted: bool,
) -> Result<bool, QueryError> {
    let mut stmt = conn.prepare(sql).map_err(sqlite_message)?;
    let width = stmt.column_count() - usize::from(weighted);
    let mut rows = stmt.query([]).map_err(sqlite_message)?;
    let mut key: Vec<u8> = Vec::with_capacity(256);
    while let Some(row) = rows.next().map_err(sqlite_message)? {
        let weight = if weighted {
            u64::try_from(row.get::<_, i64>(width).map_err(sqlite_message)?).unwrap_or(0)
        } else {
            1
        };
        counted.rows += weight;
        key.clear();
        for i in 0..width {
            match row.get_ref(i).map_err(sqlite_message)? {
                ValueRef::Null => key.push(0),
                ValueRef::Integer(n) => {
                    key.push(1);
                    key.extend_from_slice(&n.to_le_bytes());
                }
                ValueRef::Text(t) => {
                    key.push(2);
                    key.extend_from_slice(&t.len().to_le_bytes());
                    key.extend_from_slice(t);
                }
                ValueRef::Real(f) => {
                    key.push(3);
                    key.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                ValueRef::Blob(_) => return Ok(false),
            }
        }
        if let Some(&at) = counted.index.get(key.as_slice()) {
            if let Some(Json::Number(n)) = counted.groups[at].last_mut() {
                *n = (n.as_u64().unwrap_or(0) + weight).into();
            }
            continue;
        }
        counted.bytes += 2 * key.len() + 64;
        if counted.bytes > MAX_GROUP_BYTES {
            return Ok(false);
        }
        let mut group = Vec::with_capacity(width + 1);
        for i in 0..width {
            group.push(match row.get_ref(i).map_err(sqlite_message)? {
                ValueRef::Integer(n) => Json::from(n),
                // The bits, so the value comes back exactly (see the module doc).
                ValueRef::Real(f) => serde_json::json!({ "real": f.to_bits() as i64 }),
                ValueRef::Text(t) => match std::str::from_utf8(t) {
                    Ok(t) => Json::from(t),
                    Err(_) => return Ok(false),
                },
                _ => Json::Null,
            });
        }
        group.push(Json::from(weight));
        counted.index.insert(key.clone(), counted.groups.len());
        counted.groups.push(group);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    /// A registered aggregate missing from `AGGREGATES` would be taken for a scalar and see
    /// one row per combination: every `create_aggregate_function` must be listed.
    #[test]
    fn every_registered_aggregate_is_known_to_the_rewrite() {
        let source = include_str!("../udf/aggregate.rs");
        let mut found = 0;
        for part in source.split("create_aggregate_function(\"").skip(1) {
            let name = part.split('"').next().unwrap_or_default();
            assert!(
                fclocal_sls_query::AGGREGATES.contains(&name),
                "{name} is missing from fclocal_sls_query::AGGREGATES"
            );
            found += 1;
        }
        assert!(found >= 10, "{found}");
    }
}
