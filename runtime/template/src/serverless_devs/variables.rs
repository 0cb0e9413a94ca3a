//! Serverless Devs variables: `${vars.x}`, `${env('X')}`, `${this.props.x}`,
//! `${resources.other.props.x}` and friends, resolved as `s` resolves them.
//!
//! `s` hands every string of `s.yaml` to its template engine
//! (`@serverless-devs/art-template`, `lib/devs-compile.js`): a string that is exactly
//! one `${…}` becomes the value it names — a mapping stays a mapping, a number a
//! number — and a string with text around its `${…}`s becomes a string. fclocal does
//! the same on the position-carrying YAML tree, so a value that came from a variable
//! is still checked and reported: scalars at the place that refers to them,
//! mappings and lists where they are written.
//!
//! What resolves (Serverless-Devs `docs/zh/variables.md`; toolkit
//! `packages/parse-spec/src/parse-content.ts`):
//! - `${vars.a.b}`: the top-level `vars`;
//! - `${env('X')}`, `${env("X")}`, `${env(X)}` (edition 1's form), `${env('X', 'default')}`:
//!   the environment; as in `s`, an empty variable counts as unset, and `.env` beside
//!   `s.yaml` fills in what the environment lacks ([`VariableSources::from_process`]);
//! - `${this.name}`, `${this.access}`, `${this.props.x}`: the resource being read;
//! - `${resources.<name>.props.x}` (edition 3), `${<name>.props.x}` (edition 1): another
//!   resource's (resolved) properties;
//! - `${config('AccountID')}`: the account id functions see (see [`VariableSources`]);
//! - `${path('./p')}`, `${file('./p')}`: an existing path made absolute, a file's text.
//!
//! What cannot resolve locally is an error naming the variable: `${resources.x.output.y}`
//! (`${x.output.y}` in edition 1) is what deploying `x` to the cloud returned, other
//! `config(…)` keys are `s config` credentials, and unset environment variables have
//! no value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::{Diags, Pos};
use crate::resolve::props::did_you_mean;
use crate::yaml::{Entry, Mapping, Node, Value};

/// fclocal's default account id (the default of `--account-id`), which
/// `${config('AccountID')}` resolves to when `FCLOCAL_ACCOUNT_ID` is not set.
const DEFAULT_ACCOUNT_ID: &str = "1234567890";

/// How many references one value may pass through: deep enough for any real file,
/// and the guard against values that refer to each other in a cycle.
const MAX_DEPTH: usize = 16;

/// What `${env('X')}` and `${config('AccountID')}` read. Tests build one by hand;
/// the CLI uses [`VariableSources::from_process`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableSources {
    /// The environment, by variable name.
    pub env: BTreeMap<String, String>,
    /// What `${config('AccountID')}` resolves to.
    pub account_id: String,
}

impl VariableSources {
    /// The process environment, plus `.env` in `project_dir` (the folder holding
    /// `s.yaml`) for names the environment does not set, as `s` loads it (dotenv:
    /// the environment wins). `${config('AccountID')}` is `FCLOCAL_ACCOUNT_ID`, or
    /// fclocal's default account id, so templates see the id functions see.
    pub fn from_process(project_dir: &Path) -> VariableSources {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let dotenv = std::fs::read_to_string(project_dir.join(".env")).unwrap_or_default();
        VariableSources::with_dotenv(env, &dotenv)
    }

    /// `env` plus the `KEY=value` lines of `dotenv` whose names `env` lacks.
    pub fn with_dotenv(mut env: BTreeMap<String, String>, dotenv: &str) -> VariableSources {
        for (key, value) in parse_dotenv(dotenv) {
            env.entry(key).or_insert(value);
        }
        let account_id = env
            .get("FCLOCAL_ACCOUNT_ID")
            .filter(|id| !id.is_empty())
            .cloned()
            .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned());
        VariableSources { env, account_id }
    }
}

/// `KEY=value` lines (optionally `export KEY=value`, values optionally quoted);
/// blank lines and `#` comments are skipped. No `${}` expansion.
fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            let value = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
                .map(str::to_owned)
                .unwrap_or_else(|| match value.find(" #") {
                    Some(comment) => value[..comment].trim_end().to_owned(),
                    None => value.to_owned(),
                });
            Some((key.trim().to_owned(), value))
        })
        .collect()
}

/// Which `s.yaml` edition is being read: it decides where resources live
/// (`resources` or `services`) and how other resources are named in variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edition {
    /// `edition: 3.0.0`.
    V3,
    /// `edition: 1.0.0`.
    V1,
}

/// Resolves the variables in an `s.yaml`'s values.
pub(crate) struct Resolver<'a> {
    root: &'a Mapping,
    /// `resources` (edition 3) or `services` (edition 1).
    resources: Option<&'a Mapping>,
    edition: Edition,
    sources: &'a VariableSources,
    base_dir: &'a Path,
}

/// Why a variable did not resolve.
enum Failure {
    /// A message to report at the place that refers to the variable.
    Message(String),
    /// Already reported where the failing value is written.
    Reported,
}

type Eval<'n> = Result<Cow<'n, Node>, Failure>;

impl<'a> Resolver<'a> {
    pub fn new(
        root: &'a Mapping,
        edition: Edition,
        sources: &'a VariableSources,
        base_dir: &'a Path,
    ) -> Resolver<'a> {
        let key = match edition {
            Edition::V3 => "resources",
            Edition::V1 => "services",
        };
        let resources = root.get(key).and_then(|e| e.value.as_map());
        Resolver {
            root,
            resources,
            edition,
            sources,
            base_dir,
        }
    }

    /// `node` with every variable in it resolved, as seen from `resource` (the
    /// resource whose `props` it belongs to, for `${this.…}`; `None` at the top
    /// level). Failures are reported and leave the written text in place, muted.
    pub fn resolve(&self, node: &Node, resource: Option<&'a Entry>, d: &mut Diags) -> Node {
        self.value(node, resource, 0, d).0
    }

    /// The resolved node and whether everything in it resolved.
    fn value(
        &self,
        node: &Node,
        home: Option<&'a Entry>,
        depth: usize,
        d: &mut Diags,
    ) -> (Node, bool) {
        match &node.value {
            Value::Str(text) if text.contains("${") => self.string(node, text, home, depth, d),
            Value::Seq(items) => {
                let mut complete = true;
                let items = items
                    .iter()
                    .map(|item| {
                        let (item, ok) = self.value(item, home, depth, d);
                        complete &= ok;
                        item
                    })
                    .collect();
                let node = Node {
                    pos: node.pos,
                    value: Value::Seq(items),
                };
                (node, complete)
            }
            Value::Map(map) => {
                let mut complete = true;
                let entries = map
                    .entries
                    .iter()
                    .map(|entry| {
                        let (value, ok) = self.value(&entry.value, home, depth, d);
                        complete &= ok;
                        Entry {
                            key: entry.key.clone(),
                            key_pos: entry.key_pos,
                            value,
                        }
                    })
                    .collect();
                let node = Node {
                    pos: node.pos,
                    value: Value::Map(Mapping { entries }),
                };
                (node, complete)
            }
            _ => (node.clone(), true),
        }
    }

    /// A string holding `${…}`: the value it names, or the text with each resolved.
    fn string(
        &self,
        node: &Node,
        text: &str,
        home: Option<&'a Entry>,
        depth: usize,
        d: &mut Diags,
    ) -> (Node, bool) {
        let pieces = split(text);
        let fail = |d: &mut Diags, messages: Vec<String>| {
            for message in messages {
                d.error(node.pos, message);
            }
            d.mute(node.pos);
            (node.clone(), false)
        };
        if let [Piece::Expr(expr)] = pieces.as_slice() {
            return match self.eval(expr, home, depth + 1, d) {
                Ok(value) => {
                    let mut value = value.into_owned();
                    if !matches!(value.value, Value::Map(_) | Value::Seq(_)) {
                        value.pos = node.pos;
                    }
                    (value, true)
                }
                Err(Failure::Message(message)) => fail(d, vec![cannot(expr, &message)]),
                Err(Failure::Reported) => fail(d, Vec::new()),
            };
        }
        let mut out = String::new();
        let mut messages = Vec::new();
        let mut reported = false;
        for piece in &pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Expr(expr) => match self.eval(expr, home, depth + 1, d) {
                    Ok(value) => match interpolated(&value) {
                        Ok(text) => out.push_str(&text),
                        Err(message) => messages.push(cannot(expr, &message)),
                    },
                    Err(Failure::Message(message)) => messages.push(cannot(expr, &message)),
                    Err(Failure::Reported) => reported = true,
                },
            }
        }
        if !messages.is_empty() || reported {
            return fail(d, messages);
        }
        let value = Node {
            pos: node.pos,
            value: Value::Str(out),
        };
        (value, true)
    }

    /// The value of one `${expr}`.
    fn eval(&self, expr: &str, home: Option<&'a Entry>, depth: usize, d: &mut Diags) -> Eval<'a> {
        if depth > MAX_DEPTH {
            return Err(Failure::Message(format!(
                "variables refer to each other more than {MAX_DEPTH} levels deep; \
                 check for a value that refers back to itself"
            )));
        }
        match parse_expr(expr).map_err(Failure::Message)? {
            Expr::Call { name, args } => self.call(&name, &args).map(Cow::Owned),
            Expr::Path(segments) => self.path(&segments, home, depth, d),
        }
    }

    fn call(&self, name: &str, args: &[String]) -> Result<Node, Failure> {
        let text = |s: String| Node {
            pos: Pos::START,
            value: Value::Str(s),
        };
        let arg = |i: usize| args.get(i).map(String::as_str);
        let message = |m: String| Err(Failure::Message(m));
        match (name, arg(0)) {
            ("env", Some(var)) => {
                let set = self.sources.env.get(var).filter(|v| !v.is_empty());
                match (set, arg(1)) {
                    (Some(value), _) => Ok(text(value.clone())),
                    (None, Some(default)) => Ok(text(default.to_owned())),
                    (None, None) => message(format!(
                        "environment variable `{var}` is not set (nor in a `.env` file beside the project file); \
                         set it, or give a default: `${{env('{var}', 'value')}}`"
                    )),
                }
            }
            ("config", Some("AccountID")) => Ok(text(self.sources.account_id.clone())),
            ("config", Some(key)) => message(format!(
                "`config('{key}')` reads the credentials `s config` keeps, which fclocal does not use; \
                 only `config('AccountID')` resolves locally (to FCLOCAL_ACCOUNT_ID, or {DEFAULT_ACCOUNT_ID}); \
                 write the value, or use `${{env('{}')}}`",
                key.to_ascii_uppercase()
            )),
            ("path", Some(p)) => {
                let path = self.base_dir.join(p);
                if path.exists() {
                    Ok(text(path.display().to_string()))
                } else {
                    message(format!(
                        "`{p}` does not exist (relative to `{}`)",
                        self.base_dir.display()
                    ))
                }
            }
            ("file", Some(p)) => std::fs::read_to_string(self.base_dir.join(p))
                .map(text)
                .or_else(|e| {
                    message(format!(
                        "cannot read `{p}` (relative to `{}`): {e}",
                        self.base_dir.display()
                    ))
                }),
            ("env" | "config" | "path" | "file", None) => {
                message(format!("`{name}(…)` needs an argument"))
            }
            (other, _) => message(format!(
                "fclocal does not evaluate `{other}(…)`; it resolves env('X'), config('AccountID'), path('…') and file('…')"
            )),
        }
    }

    /// `vars.…`, `this.…`, `resources.<name>.…` (edition 3) or `<name>.…` (edition 1).
    fn path(
        &self,
        segments: &[String],
        home: Option<&'a Entry>,
        depth: usize,
        d: &mut Diags,
    ) -> Eval<'a> {
        let message = |m: String| Err(Failure::Message(m));
        let (first, rest) = segments.split_first().expect("paths are never empty");
        match first.as_str() {
            "vars" => {
                let Some(vars) = self.root.get("vars") else {
                    return message("the file declares no `vars`".into());
                };
                self.walk(Cow::Borrowed(&vars.value), rest, "vars", None, depth, d)
            }
            "this" => {
                let Some(resource) = home else {
                    return message(
                        "`this` names the resource being read, and this value is outside every resource".into(),
                    );
                };
                self.in_resource(resource, rest, "this", depth, d)
            }
            "resources" if self.edition == Edition::V3 => {
                let Some((name, rest)) = rest.split_first() else {
                    return message("name a resource: `resources.<name>.props.<property>`".into());
                };
                let resource = self.resource(name)?;
                self.in_resource(resource, rest, &format!("resources.{name}"), depth, d)
            }
            name if self.edition == Edition::V1
                && self.resources.is_some_and(|r| r.get(name).is_some()) =>
            {
                let resource = self.resource(name)?;
                self.in_resource(resource, rest, name, depth, d)
            }
            other => message(format!(
                "unknown variable `{other}`; {}",
                match self.edition {
                    Edition::V3 =>
                        "edition 3.0.0 variables are vars.…, this.…, resources.<name>.props.…, env('X'), config('AccountID'), path('…') and file('…')",
                    Edition::V1 =>
                        "edition 1.0.0 variables are vars.…, this.…, <service>.props.…, env('X'), config('AccountID'), path('…') and file('…')",
                }
            )),
        }
    }

    fn resource(&self, name: &str) -> Result<&'a Entry, Failure> {
        let known: Vec<&str> = self
            .resources
            .map(|r| r.entries.iter().map(|e| e.key.as_str()).collect())
            .unwrap_or_default();
        self.resources.and_then(|r| r.get(name)).ok_or_else(|| {
            Failure::Message(format!(
                "no resource `{name}` in this file (it has {}){}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
                did_you_mean(name, &known)
            ))
        })
    }

    /// `<prefix>.name`, `.access`, `.props.…`, `.output.…` of a resource.
    fn in_resource(
        &self,
        resource: &'a Entry,
        rest: &[String],
        prefix: &str,
        depth: usize,
        d: &mut Diags,
    ) -> Eval<'a> {
        let text = |s: &str| {
            Ok(Cow::Owned(Node {
                pos: Pos::START,
                value: Value::Str(s.to_owned()),
            }))
        };
        let map = resource.value.as_map();
        match rest.first().map(String::as_str) {
            None => Err(Failure::Message(format!(
                "`{prefix}` is a whole resource; name one of its values, e.g. `{prefix}.props.<property>`"
            ))),
            Some("name") if rest.len() == 1 => text(&resource.key),
            Some("access") if rest.len() == 1 => {
                let access = map
                    .and_then(|m| m.get("access"))
                    .or_else(|| self.root.get("access"))
                    .and_then(|e| e.value.as_str());
                match access {
                    Some(access) => text(access),
                    None => Err(Failure::Message(format!(
                        "`{prefix}.access`: neither the resource nor the file sets `access`"
                    ))),
                }
            }
            Some(kind @ ("output" | "info")) => Err(Failure::Message(format!(
                "`{prefix}.{kind}` is what `s deploy` of resource `{}` returns from the cloud, which fclocal never \
                 contacts; write the value itself, or a `${{vars.…}}` or `${{env('…')}}` it can resolve",
                resource.key
            ))),
            Some(_) => {
                let Some(map) = map else {
                    return Err(Failure::Message(format!(
                        "resource `{}` is not a mapping",
                        resource.key
                    )));
                };
                let first = &rest[0];
                let Some(entry) = map.get(first) else {
                    let keys: Vec<&str> = map.entries.iter().map(|e| e.key.as_str()).collect();
                    return Err(Failure::Message(format!(
                        "`{prefix}` has no `{first}`{}",
                        did_you_mean(first, &keys)
                    )));
                };
                self.walk(
                    Cow::Borrowed(&entry.value),
                    &rest[1..],
                    &format!("{prefix}.{first}"),
                    Some(resource),
                    depth,
                    d,
                )
            }
        }
    }

    /// Follows `segments` down from `node` (which lives in `home`, for `this`),
    /// resolving variables met on the way; the result is fully resolved.
    fn walk(
        &self,
        mut node: Cow<'a, Node>,
        segments: &[String],
        prefix: &str,
        home: Option<&'a Entry>,
        depth: usize,
        d: &mut Diags,
    ) -> Eval<'a> {
        let mut so_far = prefix.to_owned();
        for segment in segments {
            if node.as_str().is_some_and(|s| s.contains("${")) {
                node = Cow::Owned(self.complete(&node, home, depth, d)?);
            }
            node = match node {
                // Stay borrowed from the file while we can: its nodes may still
                // hold variables, resolved (as seen from `home`) at the end.
                Cow::Borrowed(parent) => Cow::Borrowed(
                    child(parent, segment).ok_or_else(|| missing(parent, &so_far, segment))?,
                ),
                Cow::Owned(parent) => Cow::Owned(
                    child(&parent, segment)
                        .ok_or_else(|| missing(&parent, &so_far, segment))?
                        .clone(),
                ),
            };
            so_far = format!("{so_far}.{segment}");
        }
        if matches!(node.value, Value::Null) {
            return Err(Failure::Message(format!("`{so_far}` is empty (null)")));
        }
        match node {
            // Owned nodes come out of a resolved variable: already complete.
            Cow::Owned(node) => Ok(Cow::Owned(node)),
            Cow::Borrowed(node) => Ok(Cow::Owned(self.complete(node, home, depth, d)?)),
        }
    }

    /// `node` fully resolved, or [`Failure::Reported`] when something in it failed
    /// (reported where it is written).
    fn complete(
        &self,
        node: &Node,
        home: Option<&'a Entry>,
        depth: usize,
        d: &mut Diags,
    ) -> Result<Node, Failure> {
        let (value, ok) = self.value(node, home, depth, d);
        if ok {
            Ok(value)
        } else {
            Err(Failure::Reported)
        }
    }
}

/// Why `segment` is not a child of `node` (reached as `so_far`).
fn missing(node: &Node, so_far: &str, segment: &str) -> Failure {
    Failure::Message(match &node.value {
        Value::Map(map) => {
            let keys: Vec<&str> = map.entries.iter().map(|e| e.key.as_str()).collect();
            format!(
                "`{so_far}` has no `{segment}`{}",
                did_you_mean(segment, &keys)
            )
        }
        Value::Seq(items) => format!(
            "`{so_far}` is a list of {} items; `{segment}` is not an index of it",
            items.len()
        ),
        _ => format!(
            "`{so_far}` is {}, not a mapping with `{segment}`",
            node.kind()
        ),
    })
}

/// The child of a node by key or index.
fn child<'n>(node: &'n Node, segment: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(map) => map.get(segment).map(|e| &e.value),
        Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

fn cannot(expr: &str, message: &str) -> String {
    format!("cannot resolve `${{{expr}}}`: {message}")
}

/// A value spliced into a longer string, as JavaScript's `String(value)` writes it.
fn interpolated(node: &Node) -> Result<String, String> {
    match &node.value {
        Value::Str(s) => Ok(s.clone()),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            Ok(node.scalar_text().unwrap_or_default())
        }
        Value::Null => Err("the value is empty (null)".into()),
        Value::Seq(_) | Value::Map(_) => Err(format!(
            "it is {}, which cannot be part of a longer string; write `${{…}}` alone as the whole value",
            node.kind()
        )),
    }
}

/// A piece of a string: text, or the inside of one `${…}`.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Expr(String),
}

/// Splits at `${…}`, the way `s` matches them (`/\$\{([\w\W]*?)\}/`: up to the
/// first `}`); an unclosed `${` stays text.
fn split(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_owned()));
        }
        pieces.push(Piece::Expr(
            rest[start + 2..start + 2 + len].trim().to_owned(),
        ));
        rest = &rest[start + 2 + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    pieces
}

/// The inside of one `${…}`.
#[derive(Debug, PartialEq, Eq)]
enum Expr {
    /// `vars.a.b`, `this.props.x`, `resources.r.props.list[0]`.
    Path(Vec<String>),
    /// `env('X', 'default')`, `config('AccountID')`, `file('./x')`, `path('./x')`.
    Call { name: String, args: Vec<String> },
}

fn parse_expr(expr: &str) -> Result<Expr, String> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(open) = expr.find('(') {
        let name = expr[..open].trim();
        let Some(inside) = expr[open + 1..].strip_suffix(')') else {
            return Err(
                "fclocal evaluates a single call such as `env('X')`, not a longer expression"
                    .into(),
            );
        };
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || inside.contains('(') {
            return Err(
                "fclocal evaluates a single call such as `env('X')`, not a longer expression"
                    .into(),
            );
        }
        let args = inside
            .split(',')
            .map(|a| {
                let a = a.trim();
                ['\'', '"']
                    .iter()
                    .find_map(|q| a.strip_prefix(*q)?.strip_suffix(*q))
                    .unwrap_or(a)
                    .to_owned()
            })
            .filter(|a| !a.is_empty())
            .collect();
        return Ok(Expr::Call {
            name: name.to_owned(),
            args,
        });
    }
    let mut segments = Vec::new();
    for part in expr.split('.') {
        // `list[0]` and `map['key']` become their own segments.
        let (head, mut tail) = part.split_once('[').map_or((part, ""), |(h, t)| (h, t));
        if !head.is_empty() {
            segments.push(head.to_owned());
        }
        while !tail.is_empty() {
            let Some((index, after)) = tail.split_once(']') else {
                return Err(format!("`[` without `]` in `{part}`"));
            };
            let index = index.trim_matches(|c| c == '\'' || c == '"');
            segments.push(index.to_owned());
            tail = after.strip_prefix('[').unwrap_or(after);
        }
    }
    let valid = |s: &String| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
    };
    if segments.is_empty() || !segments.iter().all(valid) {
        return Err(
            "fclocal resolves dotted names such as `vars.region` and calls such as `env('X')`"
                .into(),
        );
    }
    Ok(Expr::Path(segments))
}

#[cfg(test)]
#[path = "variables_tests.rs"]
mod tests;
