//! The content keys Function Compute writes on every line (`runtime/invoke/src/sink.rs`),
//! kept in typed columns of `logs` as well as in `contents` (migration 5), so analytic SQL
//! reads them from the narrow index `logs_fc` instead of parsing each line's JSON.
//!
//! A column holds exactly what `fcl_value(contents, key)` gives for the line (the first
//! occurrence of the key, typed by `udf::values::typed`, NULL if absent): the writer fills
//! it from the same pairs it encodes, and the migration backfills it with `fcl_value`
//! itself. So reading the column instead of the JSON changes no result.

use rusqlite::types::{ToSqlOutput, Value};

use crate::udf::typed_ref;

/// `(content key, column of logs)`, in the column order of migration 5. Keys are matched
/// exactly (content keys are case-sensitive).
pub(crate) const FC_FIELDS: [(&str, &str); 8] = [
    ("serviceName", "fc_service"),
    ("functionName", "fc_function"),
    ("qualifier", "fc_qualifier"),
    ("versionId", "fc_version"),
    ("requestId", "fc_request"),
    ("instanceID", "fc_instance"),
    ("coldStart", "fc_cold_start"),
    ("level", "fc_level"),
];

/// The `logs` column holding content key `key`, if it has one.
pub(crate) fn column(key: &str) -> Option<&'static str> {
    FC_FIELDS.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

/// The column values for a line's `contents`, in [`FC_FIELDS`] order.
pub(crate) fn values(contents: &[(String, String)]) -> [ToSqlOutput<'_>; 8] {
    let mut out: [ToSqlOutput<'_>; 8] = std::array::from_fn(|_| ToSqlOutput::Owned(Value::Null));
    let mut seen = [false; 8];
    for (key, value) in contents {
        if let Some(i) = FC_FIELDS.iter().position(|(k, _)| k == key)
            && !seen[i]
        {
            seen[i] = true;
            out[i] = typed_ref(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rusqlite::types::ValueRef;

    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn first_occurrence_typed_absent_null() {
        let p = pairs(&[
            ("functionName", "42"),
            ("level", "INFO"),
            ("functionName", "other"),
            ("FunctionName", "case"),
        ]);
        let v = values(&p);
        let get = |i: usize| match &v[i] {
            ToSqlOutput::Borrowed(r) => *r,
            ToSqlOutput::Owned(o) => ValueRef::from(o),
            _ => unreachable!(),
        };
        assert_eq!(get(1), ValueRef::Integer(42));
        assert_eq!(get(7), ValueRef::Text(b"INFO"));
        assert_eq!(get(0), ValueRef::Null);
        assert_eq!(column("functionName"), Some("fc_function"));
        assert_eq!(column("FunctionName"), None);
    }
}
