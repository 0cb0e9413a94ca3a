//! Values in generated SQL: bound parameters, or inline literals for statements that embed
//! user SQL (an analytic statement could contain its own `?` placeholders and would shift
//! ours, so its `log` table is written with literals only).

use rusqlite::ToSql;
use rusqlite::types::Value;

/// Collects the values of one generated statement.
pub(crate) struct Binder {
    params: Vec<Value>,
    inline: bool,
}

impl Binder {
    /// Values become `?N` parameters.
    pub(crate) fn params() -> Binder {
        Binder {
            params: Vec::new(),
            inline: false,
        }
    }

    /// Values become SQL literals.
    pub(crate) fn inline() -> Binder {
        Binder {
            params: Vec::new(),
            inline: true,
        }
    }

    /// Returns the SQL that stands for `v`.
    pub(crate) fn bind(&mut self, v: impl Into<Value>) -> String {
        let v = v.into();
        if self.inline {
            return literal(&v);
        }
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// The parameters, for `Statement::query`.
    pub(crate) fn values(&self) -> Vec<&dyn ToSql> {
        self.params.iter().map(|v| v as &dyn ToSql).collect()
    }
}

/// `v` as an SQLite literal.
fn literal(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        // SQLite reads 9e999 as +Inf.
        Value::Real(f) if f.is_nan() => "NULL".to_owned(),
        Value::Real(f) if f.is_infinite() => if *f > 0.0 { "9e999" } else { "-9e999" }.to_owned(),
        Value::Real(f) => format!("{f:e}"),
        Value::Text(t) if t.contains('\0') => format!("CAST(X'{}' AS TEXT)", hex(t.as_bytes())),
        Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
        Value::Blob(b) => format!("X'{}'", hex(b)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `name` as a double-quoted SQL identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_round_trip_through_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let values = [
            Value::Null,
            Value::Integer(-42),
            Value::Real(0.1),
            Value::Real(1e300),
            Value::Text("it's".into()),
            Value::Text("a\0b".into()),
        ];
        for v in values {
            let mut b = Binder::inline();
            let sql = format!("SELECT {}", b.bind(v.clone()));
            let back: Value = conn.query_row(&sql, [], |r| r.get(0)).unwrap();
            assert_eq!(back, v, "{sql}");
        }
        let back: f64 = conn
            .query_row(
                &format!("SELECT {}", literal(&Value::Real(f64::INFINITY))),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(back.is_infinite());
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
