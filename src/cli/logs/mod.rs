//! `fclocal logs`: function logs from the local logstore, in time order,
//! filtered by service, function, request id, keyword and time.
//!
//! It reads the logstore without starting a writer, so it works next to a
//! running `fclocal start`, and it does not need a valid template (only the
//! data directory beside it). The full SLS query language arrives with the
//! logstore's query engine; these flags cover `s logs`'s everyday use.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use fclocal_logstore::{LogQuery, LogReader, StoredLog};

use crate::output;
use crate::project::{TemplateArgs, logs_db};

/// Print function logs.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this service's logs.
    #[arg(short = 's', long = "service", value_name = "SERVICE")]
    service: Option<String>,
    /// Only this function's logs.
    #[arg(short = 'f', long = "function", value_name = "FUNCTION")]
    function: Option<String>,
    /// Only this invocation's logs.
    #[arg(short = 'r', long = "request-id", value_name = "ID")]
    request_id: Option<String>,
    /// Only lines containing this text (case-insensitive).
    #[arg(short = 'k', long, value_name = "TEXT")]
    keyword: Option<String>,
    /// Only lines newer than this: a duration ago (`10m`, `2h`, `1d`) or a
    /// time (`2026-11-23T10:00:00Z`).
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    since: Option<SystemTime>,
    /// Only lines older than this (same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    until: Option<SystemTime>,
    /// Print at most this many lines: the newest ones, oldest first.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// One JSON object per line, with SLS's field names (`__time__`, `__topic__`, ...).
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

/// Prints the matching lines.
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
    let mut fields = Vec::new();
    if let Some(function) = &args.function {
        fields.push(("functionName".to_owned(), function.clone()));
    }
    if let Some(request_id) = &args.request_id {
        fields.push(("requestId".to_owned(), request_id.clone()));
    }
    let query = LogQuery {
        topic: args.service.clone(),
        fields,
        keyword: args.keyword.clone(),
        from: args.since,
        to: args.until,
        limit: Some(args.limit),
        newest_first: true,
        ..LogQuery::default()
    };
    let mut logs = reader.query(&query)?;
    logs.reverse();
    for log in &logs {
        let line = if args.json {
            json_line(log)
        } else {
            text_line(log)
        };
        if !output::stdout(&format!("{line}\n"))? {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn timestamp(time: SystemTime) -> String {
    let time: DateTime<Utc> = time.into();
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `<time> <service>/<function> <request id> [LEVEL] <message>`; FC's
/// framing lines are printed as they were written.
fn text_line(log: &StoredLog) -> String {
    let get = |key| log.get(key).unwrap_or_default();
    let message = get("message");
    let function = format!("{}/{}", get("serviceName"), get("functionName"));
    if message.starts_with("FC Invoke ") || message.starts_with("FC Initialize ") {
        format!("{} {function} {message}", timestamp(log.time))
    } else {
        format!(
            "{} {function} {} [{}] {message}",
            timestamp(log.time),
            get("requestId"),
            get("level"),
        )
    }
}

/// SLS's GetLogs shape: every value a string.
fn json_line(log: &StoredLog) -> String {
    let seconds = log
        .time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let mut object = serde_json::Map::new();
    object.insert("__time__".into(), seconds.to_string().into());
    object.insert("__topic__".into(), log.topic.clone().into());
    object.insert("__source__".into(), log.source.clone().into());
    for (key, value) in &log.tags {
        object.insert(format!("__tag__:{key}"), value.clone().into());
    }
    for (key, value) in &log.contents {
        object
            .entry(key.clone())
            .or_insert_with(|| value.clone().into());
    }
    serde_json::Value::Object(object).to_string()
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
        assert_eq!(timestamp(at), "2026-11-23T10:00:00.000Z");
        let error = parse_when_at("yesterday-ish", now).unwrap_err();
        assert!(error.contains("neither a duration"), "{error}");
    }
}
