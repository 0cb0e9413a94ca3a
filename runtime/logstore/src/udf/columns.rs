//! `fcl_value(object, name)`: a column of the analytic `log` table.
//!
//! Returns the value of key `name` of a stored contents/tags object typed with
//! [`values::typed`] (INTEGER, REAL or TEXT), NULL if absent; a dotted name that is not a key
//! walks into JSON (`content.status`). Called once per row and column, so it uses the
//! allocation-free [`fields::lookup`] and returns borrowed text where it can.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, Result};

use super::{fields, values};

/// Registers `fcl_real_from_bits(i)`: the REAL whose IEEE 754 bits are the INTEGER `i`.
/// The weighted GROUP BY path (`crate::search`) hands REAL values to SQL this way, exactly.
pub(crate) fn register_real_from_bits(conn: &Connection) -> Result<()> {
    conn.create_scalar_function("fcl_real_from_bits", 1, super::pure(), |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(bits) => Value::Real(f64::from_bits(bits as u64)),
            _ => Value::Null,
        })
    })
}

/// Registers `fcl_value`.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    conn.create_scalar_function("fcl_value", 2, super::pure(), |ctx| {
        let (ValueRef::Text(obj), ValueRef::Text(name)) = (ctx.get_raw(0), ctx.get_raw(1)) else {
            return Ok(ToSqlOutput::Owned(Value::Null));
        };
        let (Ok(obj), Ok(name)) = (std::str::from_utf8(obj), std::str::from_utf8(name)) else {
            return Ok(ToSqlOutput::Owned(Value::Null));
        };
        Ok(ToSqlOutput::Owned(
            fields::by_name(obj, name).map_or(Value::Null, |v| values::typed(&v)),
        ))
    })
}
