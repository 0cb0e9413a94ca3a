//! `fclocal logs`: function logs from the local logstore, searched with SLS's
//! query language (`search | SQL`), printed as lines, JSON or aligned tables,
//! and followed with `--tail`.
//!
//! It reads the logstore without starting a writer, so it works next to a
//! running `fclocal start`, and it does not need a valid template: the
//! template only maps `--service` to its logstore (see [`target`]).

mod print;
mod tail;
mod target;

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use clap::Args;
use fclocal_logstore::{LogReader, SearchRequest, SearchResult};

use crate::output;
use crate::project::{TemplateArgs, logs_db};

/// Print function logs, or the result of an SLS query over them.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// An SLS query: `<search>` or `<search> | <SQL>`, e.g.
    /// `functionName:hello and error` or
    /// `* | select functionName, count(*) as c group by functionName`.
    #[arg(short = 'q', long, value_name = "QUERY")]
    query: Option<String>,
    /// Only this service's logs (its `__topic__`), from its LogConfig logstore.
    #[arg(short = 's', long = "service", value_name = "SERVICE")]
    service: Option<String>,
    /// Only this function's logs.
    #[arg(short = 'f', long = "function", value_name = "FUNCTION")]
    function: Option<String>,
    /// Only this invocation's logs.
    #[arg(short = 'r', long = "request-id", value_name = "ID")]
    request_id: Option<String>,
    /// Only lines containing this text (case-insensitive), as `s logs -k` does.
    #[arg(short = 'k', long, value_name = "TEXT")]
    keyword: Option<String>,
    /// The SLS project to read (default: every project, or the service's).
    #[arg(long, value_name = "PROJECT")]
    project: Option<String>,
    /// The logstore to read (default: every logstore, or the service's).
    #[arg(long, value_name = "LOGSTORE")]
    logstore: Option<String>,
    /// Only lines at or after this: a duration ago (`10m`, `2h`, `1d`) or a
    /// time (`2026-11-23T10:00:00Z`).
    #[arg(long, alias = "start-time", value_name = "WHEN", value_parser = parse_when)]
    since: Option<SystemTime>,
    /// Only lines before this (same forms as --since).
    #[arg(long, alias = "end-time", value_name = "WHEN", value_parser = parse_when)]
    until: Option<SystemTime>,
    /// Print at most this many lines: the newest ones, oldest first. (An
    /// SQL query's own LIMIT, default 100, bounds its rows.)
    #[arg(short = 'n', long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// Keep printing new lines as they are written, until interrupted.
    #[arg(long)]
    tail: bool,
    /// One JSON object per line (SLS's GetLogs shape: `__time__`,
    /// `__topic__`, ..., every value a string); one object per row for SQL.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    template: TemplateArgs,
}

/// Parses `10m`-style durations (meaning that long ago) and RFC 3339 times.
fn parse_when(text: &str) -> Result<SystemTime, String> {
    parse_when_at(text, SystemTime::now())
}

fn parse_when_at(text: &str, now: SystemTime) -> Result<SystemTime, String> {
    if let Ok(ago) = humantime::parse_duration(text) {
        return Ok(now.checked_sub(ago).unwrap_or(SystemTime::UNIX_EPOCH));
    }
    humantime::parse_rfc3339_weak(text).map_err(|_| {
        format!(
            "{text:?} is neither a duration like `10m`, `2h`, `1d` nor a time like `2026-11-23T10:00:00Z`"
        )
    })
}

/// How far past now the default time range reaches, for lines written
/// with a clock slightly ahead (SLS accepts up to 15 minutes ahead).
const FUTURE_SLACK: Duration = Duration::from_secs(24 * 3600);

/// Prints the matching lines or the query's table.
pub fn run(args: LogsArgs) -> anyhow::Result<ExitCode> {
    let path = logs_db(&args.template.data_dir());
    if !path.exists() {
        output::status(&format!(
            "no logs yet: {} does not exist; run `fclocal invoke` (or `fclocal start`) first",
            path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if args.limit == 0 {
        bail!("--limit must be at least 1");
    }
    let reader = LogReader::open(&path)
        .with_context(|| format!("cannot read the logstore {}", path.display()))?;
    // Check the user's own text first, so an error points into what they typed.
    let given = args.query.as_deref().unwrap_or("*");
    let analytic = fclocal_sls_query::parse(given)
        .map(|parsed| parsed.analytic.is_some())
        .map_err(|error| anyhow::anyhow!("{}", print::parse_error(given, &error)))?;
    let query = full_query(&args);
    if analytic && args.tail {
        bail!(
            "--tail follows log lines, so it cannot be combined with an SQL query (the part after `|`); drop one of them"
        );
    }
    let targets = target::resolve(&args, &reader, analytic)?;
    let from = args.since.unwrap_or(SystemTime::UNIX_EPOCH);
    let to = args
        .until
        .unwrap_or_else(|| SystemTime::now() + FUTURE_SLACK);
    if from >= to && !args.tail {
        output::status("no lines: the time range is empty (--since is not before --until)");
        return Ok(ExitCode::SUCCESS);
    }
    let request = |target: &target::Target| SearchRequest {
        project: target.project.clone(),
        logstore: target.logstore.clone(),
        query: query.clone(),
        from,
        to,
        topic: args.service.clone(),
        line: args.limit,
        offset: 0,
        reverse: true,
    };

    if analytic {
        let target = &targets[0];
        let result = reader
            .search(&request(target))
            .map_err(|error| print::query_error(&query, error))?;
        if let SearchResult::Table { columns, rows, .. } = result {
            print::table(&columns, &rows, args.json)?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut logs = Vec::new();
    for target in &targets {
        match reader
            .search(&request(target))
            .map_err(|error| print::query_error(&query, error))?
        {
            SearchResult::Logs { logs: found, .. } => logs.extend(found),
            SearchResult::Table { .. } => {}
        }
    }
    // Newest `limit` across the logstores, printed oldest first.
    logs.sort_by_key(|log| std::cmp::Reverse((log.time, log.id)));
    logs.truncate(args.limit);
    logs.reverse();
    if !print::logs(&logs, args.json)? {
        return Ok(ExitCode::SUCCESS);
    }
    if args.tail {
        tail::follow(
            &reader,
            &path,
            &targets,
            &query,
            args.service.as_deref(),
            &logs,
            args.json,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--query` with the filter flags added as search terms, so one SLS
/// query does all the filtering: `-f` → `functionName:"…"`, `-r` →
/// `requestId:"…"`, `-k` → the phrase `#"…"` (a case-insensitive substring,
/// as `s logs -k` filters).
fn full_query(args: &LogsArgs) -> String {
    let given = args.query.as_deref().unwrap_or("").trim();
    let (search, analytic) = match fclocal_sls_query::split_top_level_pipe(given) {
        Some((search, analytic)) => (search.trim(), Some(analytic)),
        None => (given, None),
    };
    let mut terms = Vec::new();
    if !search.is_empty() && search != "*" {
        terms.push(format!("({search})"));
    }
    if let Some(function) = &args.function {
        terms.push(format!("functionName:{}", quoted(function)));
    }
    if let Some(request_id) = &args.request_id {
        terms.push(format!("requestId:{}", quoted(request_id)));
    }
    if let Some(keyword) = &args.keyword {
        terms.push(format!("#{}", quoted(keyword)));
    }
    let search = if terms.is_empty() {
        "*".to_owned()
    } else {
        terms.join(" and ")
    };
    match analytic {
        Some(analytic) => format!("{search} | {}", analytic.trim_start()),
        None => search,
    }
}

/// `text` as an SLS quoted string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_are_both_accepted() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(
            parse_when_at("10m", now),
            Ok(now - Duration::from_secs(600))
        );
        assert_eq!(
            parse_when_at("1h 30m", now),
            Ok(now - Duration::from_secs(5400))
        );
        let at = parse_when_at("2026-11-23T10:00:00Z", now).unwrap();
        assert_eq!(print::timestamp(at), "2026-11-23T10:00:00.000Z");
        let error = parse_when_at("yesterday-ish", now).unwrap_err();
        assert!(error.contains("neither a duration"), "{error}");
    }

    fn args(line: &[&str]) -> LogsArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            logs: LogsArgs,
        }
        let mut argv = vec!["logs"];
        argv.extend_from_slice(line);
        Cli::parse_from(argv).logs
    }

    #[test]
    fn filter_flags_become_search_terms_before_the_sql() {
        let query = full_query(&args(&[
            "-q",
            "error or warn | select count(*) as c",
            "-f",
            "hello",
            "-k",
            "say \"hi\"",
        ]));
        assert_eq!(
            query,
            r#"(error or warn) and functionName:"hello" and #"say \"hi\"" | select count(*) as c"#
        );
        assert_eq!(full_query(&args(&[])), "*");
        assert_eq!(full_query(&args(&["-q", "* | select 1"])), "* | select 1");
    }
}
