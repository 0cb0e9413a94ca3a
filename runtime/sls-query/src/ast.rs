//! The parsed query: what `fclocal-logstore` compiles to SQLite. This file is the contract
//! between the parser (this crate) and the store; change it in both places at once.

use std::ops::Bound;

/// A whole query `search | analytic`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The search part (before the first top-level `|`). Empty, blank or `*` = [`Search::All`].
    pub search: Search,
    /// The analytic part (after the first top-level `|`), if any.
    pub analytic: Option<Analytic>,
}

/// The search statement (reference/sls.md §5), after precedence and juxtaposition are
/// resolved (`a b` = `a and b`, `a not b` = `a and not b`, leading `not b` = `not b`).
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// Everything (`*`, empty query).
    All,
    /// A full-text term over all content values: every token of `pattern` must appear
    /// (tokenised on SLS's delimiters, case-insensitive). `error`, `cn-hangzhou`, `"a b"`, `cn*`.
    Text(Pattern),
    /// `key:pattern`: every token of `pattern` appears among the tokens of the field's value.
    /// `key:""` (an empty, quoted pattern) matches a present but empty value.
    Field {
        /// The field, see [`Field`].
        field: Field,
        /// What its value must contain.
        pattern: Pattern,
    },
    /// `key:*`: the field is present.
    Exists(Field),
    /// A numeric comparison or range on a field whose value parses as a number:
    /// `status>=400` is `(Included(400), Unbounded)`, `status=200` and `status in [200 200]`
    /// are `(Included(200), Included(200))`, `status in [200 299)` is
    /// `(Included(200), Excluded(299))`. A line whose value is not a number does not match.
    Range {
        /// The field compared.
        field: Field,
        /// Lower bound.
        low: Bound<f64>,
        /// Upper bound.
        high: Bound<f64>,
    },
    /// `#"abc def"` or `key:#"abc def"`: the exact phrase (case-insensitive substring of the
    /// value, token-aligned is not required), in any content value or in one field.
    Phrase {
        /// The field, or `None` for any content value.
        field: Option<Field>,
        /// The phrase as written (unescaped).
        text: String,
    },
    /// Both.
    And(Box<Search>, Box<Search>),
    /// Either.
    Or(Box<Search>, Box<Search>),
    /// Not. `Not(All)` never matches.
    Not(Box<Search>),
}

/// A field reference on the left of `:` or a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `__topic__`.
    Topic,
    /// `__source__` (alias `source`).
    Source,
    /// `__tag__:<key>` (`"__tag__:__client_ip__"` or `__tag__:__client_ip__`).
    Tag(String),
    /// A content key; the first element is the key, later elements a dotted path into the
    /// value parsed as JSON: `content.request.method` = `["content", "request", "method"]`.
    /// A key that itself contains dots is written quoted: `"a.b":x` = `["a.b"]`.
    Content(Vec<String>),
}

/// The right-hand side of a full-text or `key:value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The text after unescaping (`\"` → `"`, `\\` → `\`), quotes removed.
    pub text: String,
    /// Written in double quotes: `*` and `?` are literal, spaces are inside the pattern.
    pub quoted: bool,
}

impl Pattern {
    /// Whether the pattern uses `*` (any run) or `?` (one character) wildcards: only
    /// unquoted patterns do, and never as the first character (SLS rejects that, the parser
    /// reports it).
    pub fn has_wildcards(&self) -> bool {
        !self.quoted && self.text.contains(['*', '?'])
    }
}

/// The analytic statement, checked and rewritten for SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytic {
    /// The statement as SQLite SQL, reading from a table named `log` (the top-level query
    /// gets `FROM log` if it had no FROM; a LIMIT of 100 if it had none). Rewrites applied:
    /// `try_cast(x AS t)` → `CAST(x AS t)`; `max(x, n)`/`min(x, n)` → `fcl_max_n(x, n)` /
    /// `fcl_min_n(x, n)` (SQLite's two-argument `max` is scalar); `x[i]` →
    /// `fcl_element_at(x, i)`; `ARRAY[a, b]` → `fcl_array(a, b)` (SQLite has no array
    /// literal); a cast to `map(…)`, `array(…)`, `row(…)` or `json` is dropped (maps and
    /// arrays are JSON text); Presto type names (`bigint`, `double`, `varchar`) → SQLite
    /// ones (`INTEGER`, `REAL`, `TEXT`). Every other function name is kept as written; the
    /// store registers SLS's functions as SQLite functions. `LIMIT y, x` stays as written
    /// (SQLite reads it as offset `y`, count `x`, like SLS).
    ///
    /// The store runs `WITH log AS (<rows>) <sql>` — see [`Analytic::with_log`].
    pub sql: String,
    /// The column names the statement reads from `log`, deduplicated (ASCII
    /// case-insensitively, as SQLite compares names; the first spelling wins), in first-use order:
    /// identifiers that are not aliases of select items, not CTE or table names, and not
    /// qualified by another table. `"content.status"` is `content.status`. The store gives
    /// `log` exactly these columns (plus the reserved ones it always provides).
    pub columns: Vec<String>,
    /// Some `SELECT *` (or `log.*`) reads every column: the store must expand `log` to all
    /// keys present in the rows.
    pub selects_star: bool,
    /// The same statement over **weighted rows**, when its result allows it (see
    /// [`crate::WEIGHT`]): `log` may then hold one row per distinct combination of
    /// [`Self::columns`] with the number of lines sharing it in column [`crate::WEIGHT`],
    /// and this SQL gives exactly what [`Self::sql`] gives over the lines themselves
    /// (`count(*)` becomes `sum` of the weights). Lets the store count groups in one hash
    /// pass instead of SQLite sorting every line. `None`: use [`Self::sql`].
    pub weighted: Option<String>,
}

impl Analytic {
    /// The full statement with `log` defined by `rows_sql` (a SELECT yielding [`Self::columns`])
    /// as the first CTE, merged with any `WITH` the user wrote.
    pub fn with_log(&self, rows_sql: &str) -> String {
        crate::analytic::with_log(&self.sql, rows_sql)
    }

    /// [`Self::weighted`] with `log` defined by `rows_sql` (a SELECT yielding
    /// [`Self::columns`] and [`crate::WEIGHT`]), or `None` when there is no weighted form.
    pub fn weighted_with_log(&self, rows_sql: &str) -> Option<String> {
        let sql = self.weighted.as_deref()?;
        Some(crate::analytic::with_log(sql, rows_sql))
    }
}

/// A query that does not parse: SLS's `ParameterInvalid`/`QueryParseError` with the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at line 1, column {column})")]
pub struct ParseError {
    /// What is wrong and how to fix it, e.g. `expected a value after "status:"`.
    pub message: String,
    /// 0-based byte offset into the whole query text (search and analytic parts together).
    pub offset: usize,
    /// 1-based character column of `offset` (queries are one line; a newline counts as one
    /// column too).
    pub column: usize,
}
