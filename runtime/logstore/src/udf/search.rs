//! The SQL functions a compiled search statement calls (`crate::search::compile_search`).
//! They decide exactly; the FTS5 index in front of them only narrows the rows down.
//!
//! | function | true when |
//! |---|---|
//! | `fcl_text_match(contents, pattern, quoted)` | every pattern token is a token of some content value |
//! | `fcl_field_match(object, path, pattern, quoted)` | every pattern token is a token of the value at `path` |
//! | `fcl_value_match(text, pattern, quoted)` | the same on a plain value (`__source__`) |
//! | `fcl_whole_match(text, pattern, quoted)` | the whole value equals/globs the pattern (`__topic__`) |
//! | `fcl_field(object, path)` | — returns the value at `path` as TEXT, or NULL |
//! | `fcl_in_range(value, low, low_incl, high, high_incl)` | the value is a number within the bounds (NULL = unbounded) |
//! | `fcl_phrase(object, path or NULL, phrase)` | the phrase is in the field (or in any value) |
//! | `fcl_value_phrase(text, phrase)` | the phrase is in a plain value |
//!
//! `path` is a JSON array of strings (see `fields::extract`); `phrase` is lower-case. Both,
//! and the compiled pattern, are cached per statement with SQLite's auxiliary data.

use std::sync::Arc;

use rusqlite::functions::Context;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Error, Result};

use super::fields;
use super::values::as_f64;
use crate::codec;
use crate::matcher::{self, PatternMatcher};

/// Registers the search functions on `conn`.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    let flags = super::pure();
    conn.create_scalar_function("fcl_text_match", 3, flags, |ctx| {
        let m = pattern(ctx, 1)?;
        let Some(contents) = text(ctx, 0) else {
            return Ok(false);
        };
        Ok(codec::decode(contents)
            .is_ok_and(|pairs| m.matches_any(pairs.iter().map(|(_, v)| v.as_str()))))
    })?;
    conn.create_scalar_function("fcl_field_match", 4, flags, |ctx| {
        let path = path(ctx, 1)?;
        let m = pattern(ctx, 2)?;
        Ok(text(ctx, 0)
            .and_then(|obj| fields::extract(obj, &path))
            .is_some_and(|v| m.matches_value(&v)))
    })?;
    conn.create_scalar_function("fcl_value_match", 3, flags, |ctx| {
        let m = pattern(ctx, 1)?;
        Ok(text(ctx, 0).is_some_and(|v| m.matches_value(v)))
    })?;
    conn.create_scalar_function("fcl_whole_match", 3, flags, |ctx| {
        let p = text(ctx, 1).unwrap_or("");
        let quoted: bool = ctx.get(2)?;
        Ok(text(ctx, 0).is_some_and(|v| PatternMatcher::matches_whole(p, quoted, v)))
    })?;
    conn.create_scalar_function("fcl_field", 2, flags, |ctx| {
        let path = path(ctx, 1)?;
        Ok(text(ctx, 0)
            .and_then(|obj| fields::extract(obj, &path))
            .map(|v| v.into_owned()))
    })?;
    conn.create_scalar_function("fcl_in_range", 5, flags, |ctx| {
        let value = match ctx.get_raw(0) {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(matcher::number),
            other => as_f64(other),
        };
        let Some(v) = value else {
            return Ok(false);
        };
        let low = as_f64(ctx.get_raw(1));
        let high = as_f64(ctx.get_raw(3));
        let low_ok = low.is_none_or(|l| {
            if ctx.get(2).unwrap_or(true) {
                v >= l
            } else {
                v > l
            }
        });
        let high_ok = high.is_none_or(|h| {
            if ctx.get(4).unwrap_or(true) {
                v <= h
            } else {
                v < h
            }
        });
        Ok(low_ok && high_ok)
    })?;
    conn.create_scalar_function("fcl_phrase", 3, flags, |ctx| {
        let phrase = text(ctx, 2).unwrap_or("").to_owned();
        let Some(obj) = text(ctx, 0) else {
            return Ok(false);
        };
        if matches!(ctx.get_raw(1), ValueRef::Null) {
            let Ok(pairs) = codec::decode(obj) else {
                return Ok(false);
            };
            return Ok(matcher::phrase_matches(
                &phrase,
                pairs.iter().map(|(_, v)| v.as_str()),
            ));
        }
        let path = path(ctx, 1)?;
        Ok(fields::extract(obj, &path)
            .is_some_and(|v| matcher::phrase_matches(&phrase, std::iter::once(v.as_ref()))))
    })?;
    conn.create_scalar_function("fcl_value_phrase", 2, flags, |ctx| {
        let phrase = text(ctx, 1).unwrap_or("");
        Ok(text(ctx, 0).is_some_and(|v| matcher::phrase_matches(phrase, std::iter::once(v))))
    })?;
    Ok(())
}

/// Argument `i` as text (`None` for NULL and non-text).
fn text<'c>(ctx: &'c Context<'_>, i: usize) -> Option<&'c str> {
    match ctx.get_raw(i) {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// The JSON-array path in argument `i`, parsed once per statement.
fn path(ctx: &Context<'_>, i: usize) -> Result<Arc<Vec<String>>> {
    ctx.get_or_create_aux(aux_index(i), |v| {
        let text = v.as_str().map_err(|e| Error::UserFunctionError(e.into()))?;
        serde_json::from_str::<Vec<String>>(text).map_err(|e| {
            Error::UserFunctionError(format!("invalid field path {text:?}: {e}").into())
        })
    })
}

/// The pattern in argument `i` (text) with `quoted` in `i + 1`, compiled once per statement.
fn pattern(ctx: &Context<'_>, i: usize) -> Result<Arc<PatternMatcher>> {
    let quoted: bool = ctx.get(i + 1)?;
    ctx.get_or_create_aux(aux_index(i), |v| {
        v.as_str()
            .map(|p| PatternMatcher::new(p, quoted))
            .map_err(|e| Error::UserFunctionError(e.into()))
    })
}

/// Argument indexes are tiny; the C API wants `c_int`.
fn aux_index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}
