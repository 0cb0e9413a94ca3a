//! SLS aggregate functions SQLite lacks (reference/sls.md §6, doc 63445/63447).
//!
//! Decisions:
//! - `approx_distinct(x)` counts **exactly** (a local logstore is small enough); SLS's
//!   estimate has a 2.3 % standard error, so exact answers are within its contract.
//! - `approx_percentile(x, p)` is exact too, nearest-rank: the smallest value with at least
//!   `p` of the values at or below it. `approx_percentile(x, array[p1, p2])` returns a JSON
//!   array text; the weighted/accuracy forms are not supported.
//! - `max(x, n)` / `min(x, n)` (rewritten by the parser to `fcl_max_n` / `fcl_min_n`) and
//!   `max_by(x, y, n)` return a JSON array text; `histogram(x)` a JSON object text with keys
//!   in order, e.g. `{"200":10,"404":2}`. `element_at`/`x[i]` read both.
//! - `arbitrary(x)` is the first non-NULL value; `bool_and`/`bool_or` give 1/0 (NULL when
//!   every input was NULL).
//! - Aggregates that keep values (`approx_distinct`, `approx_percentile`, the `n`-element
//!   ones, `histogram`) hold at most [`MAX_AGGREGATE_BYTES`] each and fail past it: SQLite's
//!   limits do not see memory held here, and a self-join feeds them billions of rows within
//!   the time budget. The `n`-element ones keep only their best `n` rows as they go.

use std::collections::{BTreeMap, HashSet};

use rusqlite::functions::{Aggregate, Context};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Result};

use super::user_error;
use super::values::{as_f64, as_text, compare, owned, to_json, truthy};

/// Most memory (approximately) one aggregate's kept values may take: 256 MiB.
pub(crate) const MAX_AGGREGATE_BYTES: usize = 256 << 20;

/// Roughly what keeping `v` costs.
fn value_bytes(v: &Value) -> usize {
    32 + match v {
        Value::Text(t) => t.len(),
        Value::Blob(b) => b.len(),
        _ => 0,
    }
}

/// An aggregate state and the bytes it holds, refused past [`MAX_AGGREGATE_BYTES`].
#[derive(Default)]
struct Held<T> {
    value: T,
    bytes: usize,
}

impl<T> Held<T> {
    /// Counts `bytes` more, or the error naming `function`.
    fn charge(&mut self, bytes: usize, function: &str) -> Result<()> {
        self.bytes += bytes;
        if self.bytes > MAX_AGGREGATE_BYTES {
            return Err(too_much(function));
        }
        Ok(())
    }
}

fn too_much(function: &str) -> rusqlite::Error {
    user_error(&format!(
        "{function} kept more than {} MiB of values: narrow the search or the time range, or group by more columns",
        MAX_AGGREGATE_BYTES >> 20
    ))
}

/// Registers the aggregates.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    let f = super::pure();
    conn.create_aggregate_function("count_if", 1, f, CountIf)?;
    conn.create_aggregate_function("approx_distinct", 1, f, Distinct)?;
    conn.create_aggregate_function("approx_distinct", 2, f, Distinct)?;
    conn.create_aggregate_function("approx_percentile", 2, f, Percentile)?;
    conn.create_aggregate_function("max_by", 2, f, By { max: true })?;
    conn.create_aggregate_function("min_by", 2, f, By { max: false })?;
    conn.create_aggregate_function("max_by", 3, f, ByN { max: true })?;
    conn.create_aggregate_function("min_by", 3, f, ByN { max: false })?;
    conn.create_aggregate_function("fcl_max_n", 2, f, TopN { max: true })?;
    conn.create_aggregate_function("fcl_min_n", 2, f, TopN { max: false })?;
    conn.create_aggregate_function("histogram", 1, f, Histogram)?;
    conn.create_aggregate_function("arbitrary", 1, f, Arbitrary)?;
    conn.create_aggregate_function("bool_and", 1, f, Bool { all: true })?;
    conn.create_aggregate_function("bool_or", 1, f, Bool { all: false })?;
    Ok(())
}

/// `count_if(cond)`: rows where `cond` is true.
struct CountIf;

impl Aggregate<i64, i64> for CountIf {
    fn init(&self, _: &mut Context<'_>) -> Result<i64> {
        Ok(0)
    }
    fn step(&self, ctx: &mut Context<'_>, n: &mut i64) -> Result<()> {
        *n += i64::from(truthy(ctx.get_raw(0)));
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, n: Option<i64>) -> Result<i64> {
        Ok(n.unwrap_or(0))
    }
}

/// A hashable form of a value: integral reals count as the integer.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Int(i64),
    Real(u64),
    Bytes(Vec<u8>),
}

/// `approx_distinct(x[, e])`: exact count of distinct non-NULL values.
struct Distinct;

impl Aggregate<Held<HashSet<Key>>, i64> for Distinct {
    fn init(&self, _: &mut Context<'_>) -> Result<Held<HashSet<Key>>> {
        Ok(Held::default())
    }
    fn step(&self, ctx: &mut Context<'_>, seen: &mut Held<HashSet<Key>>) -> Result<()> {
        let key = match ctx.get_raw(0) {
            ValueRef::Null => return Ok(()),
            ValueRef::Integer(i) => Key::Int(i),
            ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Key::Int(f as i64),
            ValueRef::Real(f) => Key::Real(f.to_bits()),
            ValueRef::Text(b) | ValueRef::Blob(b) => Key::Bytes(b.to_vec()),
        };
        let bytes = 32 + if let Key::Bytes(b) = &key { b.len() } else { 0 };
        if seen.value.insert(key) {
            seen.charge(bytes, "approx_distinct")?;
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, seen: Option<Held<HashSet<Key>>>) -> Result<i64> {
        Ok(seen.map_or(0, |s| i64::try_from(s.value.len()).unwrap_or(i64::MAX)))
    }
}

/// Values collected by `approx_percentile`, whether they were all integers, and the
/// percentile(s) asked for (`None` until the first row; a list for the array form).
struct Samples {
    values: Vec<f64>,
    integers: bool,
    p: Option<Percentiles>,
}

/// `p` or `array[p1, p2, …]`.
#[derive(Clone)]
enum Percentiles {
    One(f64),
    Many(Vec<f64>),
}

fn percentiles(v: ValueRef<'_>) -> Result<Percentiles> {
    let bad = || {
        user_error(
            "approx_percentile(x, p): p must be a number between 0 and 1 (e.g. 0.99) or an array of them",
        )
    };
    let check = |p: f64| {
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(bad())
        }
    };
    if let ValueRef::Text(t) = v
        && t.first() == Some(&b'[')
    {
        let list: Vec<f64> = serde_json::from_slice(t).map_err(|_| bad())?;
        return Ok(Percentiles::Many(
            list.into_iter().map(check).collect::<Result<_>>()?,
        ));
    }
    Ok(Percentiles::One(check(as_f64(v).ok_or_else(bad)?)?))
}

/// `approx_percentile(x, p)`, exact nearest-rank.
struct Percentile;

impl Aggregate<Samples, Value> for Percentile {
    fn init(&self, _: &mut Context<'_>) -> Result<Samples> {
        Ok(Samples {
            values: Vec::new(),
            integers: true,
            p: None,
        })
    }
    fn step(&self, ctx: &mut Context<'_>, s: &mut Samples) -> Result<()> {
        if s.p.is_none() {
            s.p = Some(percentiles(ctx.get_raw(1))?);
        }
        let v = ctx.get_raw(0);
        if let Some(f) = as_f64(v) {
            s.integers &= matches!(v, ValueRef::Integer(_));
            if s.values.len() >= MAX_AGGREGATE_BYTES / size_of::<f64>() {
                return Err(too_much("approx_percentile"));
            }
            s.values.push(f);
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, s: Option<Samples>) -> Result<Value> {
        let Some(mut s) = s.filter(|s| !s.values.is_empty()) else {
            return Ok(Value::Null);
        };
        s.values.sort_by(f64::total_cmp);
        let n = s.values.len();
        let at = |p: f64| {
            // Nearest rank: ceil(p * n), at least 1.
            let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
            let v = s.values[rank - 1];
            if s.integers {
                Value::Integer(v as i64)
            } else {
                Value::Real(v)
            }
        };
        Ok(match s.p {
            Some(Percentiles::Many(ps)) => Value::Text(
                serde_json::Value::Array(ps.iter().map(|&p| to_json(&at(p))).collect()).to_string(),
            ),
            Some(Percentiles::One(p)) => at(p),
            None => Value::Null,
        })
    }
}

/// `max_by(x, y)` / `min_by(x, y)`: `x` of the row with the largest/smallest `y`.
struct By {
    max: bool,
}

impl Aggregate<Option<(Value, Value)>, Value> for By {
    fn init(&self, _: &mut Context<'_>) -> Result<Option<(Value, Value)>> {
        Ok(None)
    }
    fn step(&self, ctx: &mut Context<'_>, best: &mut Option<(Value, Value)>) -> Result<()> {
        let y = owned(ctx.get_raw(1));
        if y == Value::Null {
            return Ok(());
        }
        let better = best.as_ref().is_none_or(|(by, _)| {
            let ord = compare(&y, by);
            if self.max { ord.is_gt() } else { ord.is_lt() }
        });
        if better {
            *best = Some((y, owned(ctx.get_raw(0))));
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, best: Option<Option<(Value, Value)>>) -> Result<Value> {
        Ok(best.flatten().map_or(Value::Null, |(_, x)| x))
    }
}

/// Rows kept by the `n`-element aggregates: `(sort key, value)` and `n`.
struct Ranked {
    rows: Vec<(Value, Value)>,
    n: usize,
    /// What `rows` holds, see [`MAX_AGGREGATE_BYTES`].
    bytes: usize,
}

fn ranked_init() -> Ranked {
    Ranked {
        rows: Vec::new(),
        n: 0,
        bytes: 0,
    }
}

impl Ranked {
    /// Keeps `(key, value)`; once twice `n` rows (and at least 1,024) are kept, drops all but
    /// the best `n`, so memory follows `n`, not the number of rows.
    fn keep(&mut self, key: Value, value: Value, max: bool, function: &str) -> Result<()> {
        self.bytes += value_bytes(&key) + value_bytes(&value);
        self.rows.push((key, value));
        if self.rows.len() > self.n.saturating_mul(2).max(1024) {
            sort_ranked(&mut self.rows, max);
            self.rows.truncate(self.n);
            self.bytes = self
                .rows
                .iter()
                .map(|(k, v)| value_bytes(k) + value_bytes(v))
                .sum();
        }
        if self.bytes > MAX_AGGREGATE_BYTES {
            return Err(too_much(function));
        }
        Ok(())
    }
}

/// Best first: largest keys first when `max`. Stable, so ties keep their arrival order.
fn sort_ranked(rows: &mut [(Value, Value)], max: bool) {
    rows.sort_by(|a, b| {
        let ord = compare(&a.0, &b.0);
        if max { ord.reverse() } else { ord }
    });
}

fn limit_arg(ctx: &Context<'_>, i: usize, name: &str) -> Result<usize> {
    match ctx.get_raw(i) {
        ValueRef::Integer(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(user_error(&format!(
            "{name}: the count n must be a non-negative integer, e.g. 10"
        ))),
    }
}

/// The top `n` values of `ranked` (largest first when `max`) as a JSON array text.
fn ranked_json(ranked: Option<Ranked>, max: bool) -> Result<Value> {
    let Some(mut r) = ranked else {
        return Ok(Value::Null);
    };
    sort_ranked(&mut r.rows, max);
    let items: Vec<_> = r.rows.iter().take(r.n).map(|(_, v)| to_json(v)).collect();
    Ok(Value::Text(serde_json::Value::Array(items).to_string()))
}

/// `max_by(x, y, n)` / `min_by(x, y, n)`: the `x`s of the `n` rows with the largest/smallest `y`.
struct ByN {
    max: bool,
}

impl Aggregate<Ranked, Value> for ByN {
    fn init(&self, _: &mut Context<'_>) -> Result<Ranked> {
        Ok(ranked_init())
    }
    fn step(&self, ctx: &mut Context<'_>, r: &mut Ranked) -> Result<()> {
        let name = if self.max { "max_by" } else { "min_by" };
        r.n = limit_arg(ctx, 2, name)?;
        let y = owned(ctx.get_raw(1));
        if y != Value::Null {
            r.keep(y, owned(ctx.get_raw(0)), self.max, name)?;
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, r: Option<Ranked>) -> Result<Value> {
        ranked_json(r, self.max)
    }
}

/// `fcl_max_n(x, n)` / `fcl_min_n(x, n)` (SLS `max(x, n)` / `min(x, n)`).
struct TopN {
    max: bool,
}

impl Aggregate<Ranked, Value> for TopN {
    fn init(&self, _: &mut Context<'_>) -> Result<Ranked> {
        Ok(ranked_init())
    }
    fn step(&self, ctx: &mut Context<'_>, r: &mut Ranked) -> Result<()> {
        let name = if self.max { "max(x, n)" } else { "min(x, n)" };
        r.n = limit_arg(ctx, 1, name)?;
        let x = owned(ctx.get_raw(0));
        if x != Value::Null {
            r.keep(x.clone(), x, self.max, name)?;
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, r: Option<Ranked>) -> Result<Value> {
        ranked_json(r, self.max)
    }
}

/// `histogram(x)`: counts per value, as a JSON object text ordered by key.
struct Histogram;

impl Aggregate<Held<BTreeMap<String, i64>>, Value> for Histogram {
    fn init(&self, _: &mut Context<'_>) -> Result<Held<BTreeMap<String, i64>>> {
        Ok(Held::default())
    }
    fn step(&self, ctx: &mut Context<'_>, counts: &mut Held<BTreeMap<String, i64>>) -> Result<()> {
        if let Some(key) = as_text(ctx.get_raw(0)) {
            let bytes = 48 + key.len();
            let count = counts.value.entry(key).or_default();
            *count += 1;
            if *count == 1 {
                counts.charge(bytes, "histogram")?;
            }
        }
        Ok(())
    }
    fn finalize(
        &self,
        _: &mut Context<'_>,
        counts: Option<Held<BTreeMap<String, i64>>>,
    ) -> Result<Value> {
        let map: serde_json::Map<String, serde_json::Value> = counts
            .map(|held| held.value)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, n)| (k, n.into()))
            .collect();
        Ok(Value::Text(serde_json::Value::Object(map).to_string()))
    }
}

/// `arbitrary(x)`: the first non-NULL value.
struct Arbitrary;

impl Aggregate<Value, Value> for Arbitrary {
    fn init(&self, _: &mut Context<'_>) -> Result<Value> {
        Ok(Value::Null)
    }
    fn step(&self, ctx: &mut Context<'_>, v: &mut Value) -> Result<()> {
        if *v == Value::Null {
            *v = owned(ctx.get_raw(0));
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, v: Option<Value>) -> Result<Value> {
        Ok(v.unwrap_or(Value::Null))
    }
}

/// `bool_and(x)` / `bool_or(x)` over the non-NULL inputs.
struct Bool {
    all: bool,
}

impl Aggregate<Option<bool>, Option<bool>> for Bool {
    fn init(&self, _: &mut Context<'_>) -> Result<Option<bool>> {
        Ok(None)
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut Option<bool>) -> Result<()> {
        let v = ctx.get_raw(0);
        if v == ValueRef::Null {
            return Ok(());
        }
        let b = truthy(v);
        *acc = Some(match *acc {
            None => b,
            Some(a) if self.all => a && b,
            Some(a) => a || b,
        });
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<Option<bool>>) -> Result<Option<bool>> {
        Ok(acc.flatten())
    }
}
