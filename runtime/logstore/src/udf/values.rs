//! Conversions between SQLite values, log field text and JSON, shared by the SQL functions.

use std::cmp::Ordering;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use serde_json::Value as Json;

/// A log value as SQL sees it: canonical integers (`200`, `-3`, `0`; no leading zeros, fits
/// `i64`) become INTEGER, canonical decimals (`0.25`, `1e3`) REAL, everything else TEXT.
/// SLS values are strings, but SQLite orders any TEXT above any number, so without this
/// `status >= 400` would be true for every line. Leading zeros (`007`) and `+`/spaces keep
/// a value TEXT, so codes and ids are not mangled.
pub(crate) fn typed(text: &str) -> Value {
    match classify(text) {
        Number::Integer => match text.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Text(text.to_owned()),
        },
        Number::Real => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Real(f),
            _ => Value::Text(text.to_owned()),
        },
        Number::No => Value::Text(text.to_owned()),
    }
}

/// [`typed`] without copying text: what the writer counts in `log_rollups`
/// (`crate::rollup`), so the counts hold what `fcl_value` would give.
pub(crate) fn typed_ref(text: &str) -> ToSqlOutput<'_> {
    match typed_kind(text) {
        Some(v) => ToSqlOutput::Owned(v),
        None => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
    }
}

/// [`typed`]'s number, or `None` for text.
fn typed_kind(text: &str) -> Option<Value> {
    match classify(text) {
        Number::Integer => text.parse::<i64>().ok().map(Value::Integer),
        Number::Real => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Some(Value::Real(f)),
            _ => None,
        },
        Number::No => None,
    }
}

enum Number {
    Integer,
    Real,
    No,
}

/// Recognises `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn classify(text: &str) -> Number {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return Number::No;
    }
    let mut real = false;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return Number::No;
        }
        real = true;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Number::No;
        }
        real = true;
    }
    match (i == b.len(), real) {
        (false, _) => Number::No,
        (true, false) => Number::Integer,
        (true, true) => Number::Real,
    }
}

/// Owned copy of an argument.
pub(crate) fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A number from an argument: integers, reals, and text that parses as a number.
pub(crate) fn as_f64(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// An argument as text (numbers in SQLite's integer form or Rust's shortest real form).
pub(crate) fn as_text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// SQL truthiness: non-zero numbers (text is converted like SQLite does); NULL is false.
pub(crate) fn truthy(v: ValueRef<'_>) -> bool {
    as_f64(v).is_some_and(|f| f != 0.0)
}

/// SQLite's cross-type order: NULL < numbers < TEXT < BLOB.
pub(crate) fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Integer(_) | Value::Real(_), Value::Integer(_) | Value::Real(_)) => {
            num(a).total_cmp(&num(b))
        }
        (Value::Text(x), Value::Text(y)) => x.cmp(y),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Real(f) => *f,
        _ => 0.0,
    }
}

/// A value as a JSON element (for the array/map results of `max(x, n)` and `histogram`).
pub(crate) fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::from(*i),
        Value::Real(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Text(t) => Json::String(t.clone()),
        Value::Blob(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
    }
}

/// A JSON element as an SQL value: strings typed like log values, numbers as numbers,
/// objects and arrays as JSON text, `null` as NULL.
pub(crate) fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Integer)
            .or_else(|| n.as_f64().map(Value::Real))
            .unwrap_or(Value::Null),
        Json::String(s) => typed(s),
        other => Value::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_numbers_only() {
        assert_eq!(typed("200"), Value::Integer(200));
        assert_eq!(typed("-3"), Value::Integer(-3));
        assert_eq!(typed("0"), Value::Integer(0));
        assert_eq!(typed("0.25"), Value::Real(0.25));
        assert_eq!(typed("1e3"), Value::Real(1000.0));
        for text in [
            "007", "+1", " 1", "1.", ".5", "1e", "0x10", "abc", "", "-", "1-2",
        ] {
            assert_eq!(typed(text), Value::Text(text.into()), "{text}");
        }
        assert_eq!(
            typed("99999999999999999999"),
            Value::Text("99999999999999999999".into())
        );
    }

    #[test]
    fn sqlite_order() {
        let v = [
            Value::Text("a".into()),
            Value::Real(2.5),
            Value::Null,
            Value::Integer(3),
        ];
        let mut sorted = v.to_vec();
        sorted.sort_by(compare);
        assert_eq!(
            sorted,
            [
                Value::Null,
                Value::Real(2.5),
                Value::Integer(3),
                Value::Text("a".into())
            ]
        );
    }

    #[test]
    fn typed_ref_agrees_with_typed() {
        for text in [
            "200",
            "-3",
            "0.25",
            "1e3",
            "007",
            "abc",
            "",
            "99999999999999999999",
            "1e999",
        ] {
            let owned = match typed_ref(text) {
                ToSqlOutput::Owned(v) => v,
                ToSqlOutput::Borrowed(r) => owned(r),
                _ => unreachable!(),
            };
            assert_eq!(owned, typed(text), "{text}");
        }
    }
}
