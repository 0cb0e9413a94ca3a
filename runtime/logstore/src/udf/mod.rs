//! SQL functions registered on every reader connection: the ones compiled searches call,
//! the column accessor of the analytic `log` table, and the SLS (Presto) functions SQLite
//! lacks, so analytic statements written for SLS run unchanged.
//!
//! | file | functions |
//! |---|---|
//! | `search.rs` | `fcl_*_match`, `fcl_field`, `fcl_in_range`, `fcl_*phrase` (search predicates) |
//! | `columns.rs` | `fcl_value` (a typed column of `log`), `fcl_real_from_bits` |
//! | `aggregate.rs` | `count_if`, `approx_distinct`, `approx_percentile`, `max_by`, `min_by`, `fcl_max_n`, `fcl_min_n`, `histogram`, `arbitrary`, `bool_and`, `bool_or` |
//! | `time.rs` | `date_trunc`, `date_format`, `date_parse`, `date_add`, `date_diff`, `from_iso8601_timestamp`, `from_unixtime`, `to_unixtime`, `now`, `time_series` |
//! | `text.rs` | `regexp_*`, `split_part`, `strpos`, `json_extract_scalar`, `json_parse`, `truncate`, `fcl_element_at`/`element_at`, `fcl_array`, `cardinality` |
//! | `fields.rs`, `values.rs` | reading a field from stored JSON; SQL value conversions |

mod aggregate;
mod columns;
pub(crate) mod fields;
mod search;
mod text;
mod time;
mod values;

pub(crate) use values::{owned, typed, typed_ref};

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// Registers every function of this module on `conn`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    search::register(conn)?;
    columns::register(conn)?;
    columns::register_real_from_bits(conn)?;
    aggregate::register(conn)?;
    time::register(conn)?;
    text::register(conn)
}

/// Registers `fcl_value` and `fcl_rollup_key` on the writer's connection: migration 5 and
/// TTL sweeps count lines into `log_rollups` with them (`crate::rollup`), so the counts
/// hold exactly what reads compute.
pub(crate) fn register_for_migrations(conn: &Connection) -> rusqlite::Result<()> {
    columns::register(conn)?;
    crate::rollup::register(conn)
}

/// Flags of a pure function: same result for the same arguments, safe anywhere (views,
/// triggers, indexes), so SQLite may factor calls out of loops.
pub(crate) fn pure() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS
}

/// The SLS functions this module adds, for error messages that list what is available.
pub(crate) const SLS_FUNCTIONS: &str = "count_if, approx_distinct, approx_percentile, \
    max_by, min_by, max(x, n), min(x, n), histogram, arbitrary, bool_and, bool_or, date_trunc, \
    date_format, from_unixtime, to_unixtime, now, time_series, truncate, element_at, \
    date_parse, date_add, date_diff, from_iso8601_timestamp, regexp_like, regexp_extract, regexp_replace, split_part, strpos, \
    json_extract_scalar, json_parse, cardinality";

/// An error SQLite reports as the statement's error message (it reaches the user as
/// `QueryError::Sql`), so it names the function and says what to write instead.
fn user_error(message: &str) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(message.to_owned().into())
}
