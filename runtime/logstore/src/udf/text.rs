//! SLS string, regular-expression, JSON and map/array functions SQLite lacks.
//!
//! Arrays and maps (results of `max(x, n)`, `histogram(x)`, `json_parse`, and `ARRAY[a, b]`,
//! which the parser rewrites to `fcl_array(a, b)`) are JSON text, so
//! `fcl_element_at(x, i)` (the parser's rewrite of `x[i]`, also registered as `element_at`)
//! indexes a JSON array from 1 (negative from the end) or looks a key up in a JSON object.
//! `truncate(x)` returns an INTEGER (Presto returns a double with no fraction, which SLS
//! shows without one too). Regular expressions use the `regex` crate (RE2-like, as Presto's default `joni` differs
//! only in exotic features) and are compiled once per statement.

use std::sync::Arc;

use regex::Regex;
use rusqlite::functions::Context;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};
use serde_json::Value as Json;

use super::user_error;
use super::values::{as_f64, as_text, from_json, owned, to_json};

/// Registers the functions.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    let f = super::pure();
    conn.create_scalar_function("regexp_like", 2, f, |ctx| {
        let re = regex(ctx, 1, "regexp_like")?;
        Ok(as_text(ctx.get_raw(0)).map(|s| re.is_match(&s)))
    })?;
    for n in [2, 3] {
        conn.create_scalar_function("regexp_extract", n, f, |ctx| {
            let re = regex(ctx, 1, "regexp_extract")?;
            let group = if ctx.len() > 2 {
                usize::try_from(ctx.get::<i64>(2)?).map_err(|_| {
                    user_error("regexp_extract: the group must be 0 or a positive number")
                })?
            } else {
                0
            };
            if group > re.captures_len() - 1 {
                return Err(user_error(&format!(
                    "regexp_extract: the pattern has no group {group}"
                )));
            }
            let Some(s) = as_text(ctx.get_raw(0)) else {
                return Ok(None);
            };
            Ok(re
                .captures(&s)
                .and_then(|c| c.get(group))
                .map(|m| m.as_str().to_owned()))
        })?;
        conn.create_scalar_function("regexp_replace", n, f, |ctx| {
            let re = regex(ctx, 1, "regexp_replace")?;
            let replacement = if ctx.len() > 2 {
                as_text(ctx.get_raw(2)).unwrap_or_default()
            } else {
                String::new()
            };
            Ok(as_text(ctx.get_raw(0))
                .map(|s| re.replace_all(&s, replacement.as_str()).into_owned()))
        })?;
    }
    conn.create_scalar_function("split_part", 3, f, |ctx| {
        let index = ctx.get::<i64>(2)?;
        if index < 1 {
            return Err(user_error("split_part: the index counts from 1"));
        }
        let (Some(s), Some(delim)) = (as_text(ctx.get_raw(0)), as_text(ctx.get_raw(1))) else {
            return Ok(None);
        };
        let i = usize::try_from(index - 1).unwrap_or(usize::MAX);
        Ok(if delim.is_empty() {
            (i == 0).then_some(s)
        } else {
            s.split(delim.as_str()).nth(i).map(str::to_owned)
        })
    })?;
    conn.create_scalar_function("strpos", 2, f, |ctx| {
        let (Some(s), Some(sub)) = (as_text(ctx.get_raw(0)), as_text(ctx.get_raw(1))) else {
            return Ok(None);
        };
        Ok(Some(
            s.find(&sub)
                .map_or(0, |byte| s[..byte].chars().count() as i64 + 1),
        ))
    })?;
    conn.create_scalar_function("json_extract_scalar", 2, f, |ctx| {
        let (Some(json), Some(path)) = (as_text(ctx.get_raw(0)), as_text(ctx.get_raw(1))) else {
            return Ok(Value::Null);
        };
        let steps = json_path(&path)?;
        let Ok(mut current) = serde_json::from_str::<Json>(&json) else {
            return Ok(Value::Null);
        };
        for step in &steps {
            current = match (current, step) {
                (Json::Object(mut m), Step::Key(k)) => m.remove(k).unwrap_or(Json::Null),
                (Json::Array(mut a), Step::Index(i)) if *i < a.len() => a.swap_remove(*i),
                _ => Json::Null,
            };
        }
        Ok(match current {
            Json::Object(_) | Json::Array(_) => Value::Null,
            scalar => from_json(&scalar),
        })
    })?;
    conn.create_scalar_function("json_parse", 1, f, |ctx| {
        let Some(s) = as_text(ctx.get_raw(0)) else {
            return Ok(None);
        };
        serde_json::from_str::<Json>(&s)
            .map(|j| Some(j.to_string()))
            .map_err(|e| user_error(&format!("json_parse: not JSON ({e}): {s:.80}")))
    })?;
    conn.create_scalar_function("truncate", 1, f, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(i) => Some(i),
            other => as_f64(other).map(|x| x.trunc() as i64),
        })
    })?;
    conn.create_scalar_function("fcl_array", -1, f, |ctx| {
        let items: Vec<Json> = (0..ctx.len())
            .map(|i| to_json(&owned(ctx.get_raw(i))))
            .collect();
        Ok(Json::Array(items).to_string())
    })?;
    conn.create_scalar_function("cardinality", 1, f, |ctx| {
        let Some(text) = as_text(ctx.get_raw(0)) else {
            return Ok(None);
        };
        Ok(match serde_json::from_str::<Json>(&text) {
            Ok(Json::Array(items)) => Some(items.len() as i64),
            Ok(Json::Object(map)) => Some(map.len() as i64),
            _ => None,
        })
    })?;
    for name in ["fcl_element_at", "element_at"] {
        conn.create_scalar_function(name, 2, f, |ctx| {
            let Some(container) = as_text(ctx.get_raw(0)) else {
                return Ok(Value::Null);
            };
            let Ok(json) = serde_json::from_str::<Json>(&container) else {
                return Ok(Value::Null);
            };
            let found = match (&json, ctx.get_raw(1)) {
                (Json::Array(items), ValueRef::Integer(i)) => {
                    let len = items.len() as i64;
                    let at = if i < 0 { len + i } else { i - 1 };
                    usize::try_from(at).ok().and_then(|at| items.get(at))
                }
                (Json::Object(map), key) => as_text(key).and_then(|k| map.get(&k)),
                _ => None,
            };
            Ok(found.map_or(Value::Null, from_json))
        })?;
    }
    Ok(())
}

/// The regular expression in argument `i`, compiled once per statement.
fn regex(ctx: &Context<'_>, i: usize, function: &'static str) -> Result<Arc<Regex>> {
    let i = i32::try_from(i).unwrap_or(i32::MAX);
    ctx.get_or_create_aux(i, |v| {
        let pattern = match v {
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            _ => {
                return Err(user_error(&format!(
                    "{function}: the pattern must be a string"
                )));
            }
        };
        Regex::new(&pattern).map_err(|e| {
            user_error(&format!(
                "{function}: invalid regular expression {pattern:?}: {e}"
            ))
        })
    })
}

/// One step of a JSONPath.
enum Step {
    Key(String),
    Index(usize),
}

/// Parses the JSONPath subset SLS examples use: `$`, `.key`, `["key"]`, `[0]`.
fn json_path(path: &str) -> Result<Vec<Step>> {
    let bad = || {
        user_error(&format!(
            "json_extract_scalar: unsupported JSON path {path:?}; write it like $.a.b, $.a[0] or $[\"a b\"]"
        ))
    };
    let rest = path.trim().strip_prefix('$').ok_or_else(bad)?;
    let mut steps = Vec::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '.' => {
                let start = at + 1;
                let mut end = rest.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                let key = &rest[start..end];
                if key.is_empty() {
                    return Err(bad());
                }
                steps.push(Step::Key(key.to_owned()));
            }
            '[' => {
                let close = rest[at..].find(']').ok_or_else(bad)? + at;
                let inner = rest[at + 1..close].trim();
                let step = if let Some(q) = inner
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                {
                    Step::Key(q.to_owned())
                } else {
                    Step::Index(inner.parse().map_err(|_| bad())?)
                };
                steps.push(step);
                while chars.peek().is_some_and(|&(j, _)| j <= close) {
                    chars.next();
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(steps)
}
