//! Log ingest through the invocation sink into SQLite.
//!
//! Feeds captured lines to an [`InvocationLog`] exactly as the engine does
//! (one call per line: level parsing, FC formatting, record building, queueing
//! to the batching writer) and waits until every line is committed.
//!
//! Run: `cargo bench -p fclocal-invoke --bench log_ingest`. Target: ≥ 100,000 lines/s.

use std::sync::Arc;
use std::time::Instant;

use fclocal_engine::{CapturedLine, LineSource, LogSink};
use fclocal_invoke::{InvocationLog, RecordFields};
use fclocal_logstore::LogStore;

const LINES: usize = 300_000;
const LINES_PER_INVOCATION: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = LogStore::open(&dir.path().join("logs.db"))?;
    let fields = Arc::new(RecordFields {
        project: "test-log-project".into(),
        logstore: "test-log-store".into(),
        source: "127.0.0.1".into(),
        service: "marblesFC".into(),
        topic: "marblesFC".into(),
        function: "processEvent".into(),
        instance_id: "c-6f1d3c2a-4e5b6a7c8d9e0f1a2b3c".into(),
    });
    let started = Instant::now();
    for invocation in 0..LINES / LINES_PER_INVOCATION {
        let request_id = format!("0ba8ac3f-abf8-46d4-b61f-{invocation:012}");
        let log = InvocationLog::new(&request_id, fields.clone(), store.writer(), None, false);
        for line in 0..LINES_PER_INVOCATION {
            log.line(CapturedLine {
                source: LineSource::Stdout,
                text: format!(
                    "{{\"type\":\"transfer_marble\",\"marble\":\"m{line:05}\",\"owner\":\"amy\",\"company\":\"United Marbles\"}}"
                ),
            });
        }
    }
    store.writer().flush_blocking()?;
    let elapsed = started.elapsed();
    let db_bytes = std::fs::metadata(dir.path().join("logs.db"))?.len()
        + std::fs::metadata(dir.path().join("logs.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "log ingest through the sink: {LINES} lines in {:.3} s = {:.0} lines/s ({} bytes/line on disk)",
        elapsed.as_secs_f64(),
        LINES as f64 / elapsed.as_secs_f64(),
        db_bytes / LINES as u64
    );
    store.close()?;
    Ok(())
}
