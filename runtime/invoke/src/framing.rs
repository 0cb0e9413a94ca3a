//! FC's framing of an invocation, as `fun local invoke` and the custom
//! runtime print it (fc.md §5–6), and FC's error bodies.

use std::time::Duration;

use fclocal_engine::InvocationError;
use serde_json::{Value, json};

/// `FC Invoke Start RequestId: <id>`.
pub fn invoke_start(request_id: &str) -> String {
    format!("FC Invoke Start RequestId: {request_id}")
}

/// `FC Invoke End RequestId: <id>`.
pub fn invoke_end(request_id: &str) -> String {
    format!("FC Invoke End RequestId: {request_id}")
}

/// `FC Initialize Start RequestId: <id>`.
pub fn initialize_start(request_id: &str) -> String {
    format!("FC Initialize Start RequestId: {request_id}")
}

/// `FC Initialize End RequestId: <id>`.
pub fn initialize_end(request_id: &str) -> String {
    format!("FC Initialize End RequestId: {request_id}")
}

/// Megabytes with two decimals, as FC reports memory usage.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Whole milliseconds, rounded up, at least 1: FC's billed duration.
pub fn billed_millis(duration: Duration) -> u128 {
    duration.as_nanos().div_ceil(1_000_000).max(1)
}

/// The summary line printed after the result; fields are separated by
/// ` \t ` as in fc-docker's mock.
pub fn summary_line(
    request_id: &str,
    duration: Duration,
    memory_size_mb: u32,
    memory_used_bytes: u64,
) -> String {
    format!(
        "RequestId: {request_id} \t Billed Duration: {} ms \t Memory Size: {memory_size_mb} MB \t Max Memory Used: {}",
        billed_millis(duration),
        megabytes(memory_used_bytes)
    )
}

/// The last line of FC's `X-Fc-Log-Result`:
/// `Duration: 17.45 ms, Billed Duration: 18 ms, Memory Size: 128 MB, Max Memory Used: 30.99 MB`.
pub fn log_result_summary(
    duration: Duration,
    memory_size_mb: u32,
    memory_used_bytes: u64,
) -> String {
    format!(
        "Duration: {:.2} ms, Billed Duration: {} ms, Memory Size: {memory_size_mb} MB, Max Memory Used: {}",
        duration.as_secs_f64() * 1000.0,
        billed_millis(duration),
        megabytes(memory_used_bytes)
    )
}

/// FC's error body for a failed invocation: `errorMessage`, `errorType`
/// and, when known, `stackTrace`. Unhandled failures use the error types of
/// FC's request metrics (`FunctionUnhandledError`, `FunctionTimeoutError`,
/// `FunctionOOMError`).
pub fn error_body(error: &InvocationError, memory_used_bytes: u64) -> Value {
    let with_trace = |mut body: Value, trace: &[String]| {
        if !trace.is_empty() {
            body["stackTrace"] = json!(trace);
        }
        body
    };
    match error {
        InvocationError::Handled {
            message,
            error_type,
            stack_trace,
        } => with_trace(
            json!({"errorMessage": message, "errorType": error_type}),
            stack_trace,
        ),
        InvocationError::Trap { message, backtrace } => with_trace(
            json!({"errorMessage": message, "errorType": "FunctionUnhandledError"}),
            backtrace,
        ),
        InvocationError::Timeout { limit } => json!({
            "errorMessage": format!(
                "Function timed out after {} seconds (maxMemoryUsage: {})",
                limit.as_secs(),
                megabytes(memory_used_bytes)
            ),
            "errorType": "FunctionTimeoutError",
        }),
        InvocationError::OutOfMemory { .. } => json!({
            "errorMessage": format!("{error} (maxMemoryUsage: {})", megabytes(memory_used_bytes)),
            "errorType": "FunctionOOMError",
        }),
        InvocationError::Reported { body, message, .. } => {
            serde_json::from_str(body).unwrap_or_else(|_| json!({"errorMessage": message}))
        }
        InvocationError::Host { message } => {
            json!({"errorMessage": message, "errorType": "FunctionUnhandledError"})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_fc() {
        assert_eq!(
            summary_line("abc", Duration::from_micros(145_200), 128, 23 * 1024 * 1024),
            "RequestId: abc \t Billed Duration: 146 ms \t Memory Size: 128 MB \t Max Memory Used: 23.00 MB"
        );
    }

    #[test]
    fn billed_duration_is_at_least_one_millisecond() {
        assert_eq!(billed_millis(Duration::from_micros(20)), 1);
        assert_eq!(billed_millis(Duration::from_millis(7)), 7);
    }

    #[test]
    fn timeout_body_is_fcs() {
        let body = error_body(
            &InvocationError::Timeout {
                limit: Duration::from_secs(3),
            },
            (1.5 * 1024.0 * 1024.0) as u64,
        );
        assert_eq!(
            body["errorMessage"],
            "Function timed out after 3 seconds (maxMemoryUsage: 1.50 MB)"
        );
    }

    #[test]
    fn handled_errors_keep_the_guests_type_and_trace() {
        let body = error_body(
            &InvocationError::Handled {
                message: "bad".into(),
                error_type: "ValidationError".into(),
                stack_trace: vec!["at x".into()],
            },
            0,
        );
        assert_eq!(
            body,
            json!({"errorMessage": "bad", "errorType": "ValidationError", "stackTrace": ["at x"]})
        );
    }
}
