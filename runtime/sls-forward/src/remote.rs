//! The far side of forwarding: something that takes a [`PutRequest`] and
//! says how it went ([`Remote`]; [`crate::http::HttpRemote`] is the real one,
//! tests plug in fakes), and how SLS's answers are read ([`classify`]).

use std::future::Future;

use crate::request::PutRequest;

/// Sends PutLogs requests.
pub trait Remote: Send + Sync + 'static {
    /// Sends one request; `Ok` once SLS answered 2xx.
    fn put(&self, request: PutRequest) -> impl Future<Output = Result<(), RemoteError>> + Send;
}

/// What to do about a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again soon, backing off: connection errors, timeouts, 5xx,
    /// throttling, a clock SLS finds skewed.
    Transient,
    /// Something in the lines themselves: split the group to find the
    /// line SLS refuses, and drop (and count) only that line.
    Content,
    /// Needs a fix on the remote side or in the AccessKey (unknown
    /// project or logstore, wrong key, no permission): retry slowly.
    Stuck,
}

/// A failed PutLogs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    /// What to do about it.
    pub failure: Failure,
    /// HTTP status, when SLS answered.
    pub status: Option<u16>,
    /// SLS's `errorCode`, when it sent one.
    pub code: Option<String>,
    /// A sentence for people: what happened and what to do.
    pub message: String,
}

impl RemoteError {
    /// A connection-level failure (refused, reset, timed out, TLS).
    pub fn connection(message: impl Into<String>) -> RemoteError {
        RemoteError {
            failure: Failure::Transient,
            status: None,
            code: None,
            message: message.into(),
        }
    }
}

/// SLS error codes that mean "the lines", not the request or the account.
const CONTENT_CODES: [&str; 6] = [
    "PostBodyInvalid",
    "PostBodyTooLarge",
    "InvalidKey",
    "InvalidEncoding",
    "InvalidTimestamp",
    "InvalidLogSize",
];
/// SLS's throttling codes (403 or 429): retried with backoff.
const THROTTLE_CODES: [&str; 4] = [
    "WriteQuotaExceed",
    "ShardWriteQuotaExceed",
    "ProjectQuotaExceed",
    "ExceedQuota",
];

/// Reads SLS's answer to a PutLogs of `project/logstore` at `endpoint`:
/// `status` and the body (`{"errorCode", "errorMessage"}`).
pub fn classify(
    endpoint: &str,
    project: &str,
    logstore: &str,
    status: u16,
    body: &[u8],
) -> RemoteError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let code = field("errorCode");
    let said = field("errorMessage").unwrap_or_else(|| {
        String::from_utf8_lossy(&body[..body.len().min(300)])
            .trim()
            .to_owned()
    });
    // Printed to the console: the far side must not be able to send
    // terminal escapes or fake extra lines.
    let said = printable(&said);
    let code = code.map(|code| printable(&code));
    let code_str = code.as_deref().unwrap_or("");
    let what = format!(
        "{endpoint} answered {status} {code_str} to PutLogs for project {project}, logstore {logstore}: {said}"
    );
    let (failure, hint) = if status >= 500 || status == 429 || THROTTLE_CODES.contains(&code_str) {
        (Failure::Transient, "retrying with backoff")
    } else if code_str == "RequestTimeExpired" || code_str == "RequestTimeTooSkewed" {
        (
            Failure::Transient,
            "this machine's clock differs from SLS's by over 15 minutes; set it right (e.g. with NTP)",
        )
    } else if CONTENT_CODES.contains(&code_str) {
        (Failure::Content, "looking for the line SLS refuses")
    } else {
        (Failure::Stuck, stuck_hint(code_str))
    };
    RemoteError {
        failure,
        status: Some(status),
        code,
        message: format!("{what} ({hint})"),
    }
}

/// `text` with control characters (escapes, line breaks) turned into spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// What to do about an error that waiting will not fix.
fn stuck_hint(code: &str) -> &'static str {
    match code {
        "ProjectNotExist" => {
            "create the project in that region (or point --forward-logs at the region that has it); retrying every backoff period"
        }
        "LogStoreNotExist" => "create the logstore in the project; retrying every backoff period",
        "Unauthorized" | "InvalidAccessKeyId" | "SignatureNotMatch" | "SecurityTokenExpired" => {
            "check the AccessKey given with --forward-access-key-id/--forward-access-key-secret (or ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET) and its log:PostLogStoreLogs permission; restart with the right one"
        }
        _ => "retrying every backoff period; lines wait in the local logstore",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: &str) -> RemoteError {
        let body = format!(r#"{{"errorCode":"{code}","errorMessage":"msg"}}"#);
        classify("https://e", "p", "ls", status, body.as_bytes())
    }

    #[test]
    fn answers_are_sorted_by_what_fixes_them() {
        assert_eq!(
            answer(500, "InternalServerError").failure,
            Failure::Transient
        );
        assert_eq!(answer(503, "").failure, Failure::Transient);
        assert_eq!(answer(403, "WriteQuotaExceed").failure, Failure::Transient);
        assert_eq!(
            answer(400, "RequestTimeExpired").failure,
            Failure::Transient
        );
        assert_eq!(answer(400, "PostBodyInvalid").failure, Failure::Content);
        assert_eq!(answer(413, "PostBodyTooLarge").failure, Failure::Content);
        assert_eq!(answer(404, "ProjectNotExist").failure, Failure::Stuck);
        assert_eq!(answer(401, "SignatureNotMatch").failure, Failure::Stuck);
        assert_eq!(answer(418, "Teapot").failure, Failure::Stuck);
    }

    #[test]
    fn messages_name_the_target_and_the_fix() {
        let error = answer(404, "ProjectNotExist");
        assert_eq!(error.code.as_deref(), Some("ProjectNotExist"));
        let message = error.to_string();
        assert!(
            message.contains(
                "https://e answered 404 ProjectNotExist to PutLogs for project p, logstore ls: msg"
            ),
            "{message}"
        );
        assert!(message.contains("create the project"), "{message}");
        let plain = classify("e", "p", "ls", 502, b"Bad Gateway");
        assert!(plain.message.contains("Bad Gateway"), "{}", plain.message);
    }

    #[test]
    fn control_characters_of_the_answer_are_not_printed() {
        let body =
            br#"{"errorCode":"Odd\u001b[2J","errorMessage":"red \u001b[31mtext\nfake line"}"#;
        let error = classify("e", "p", "ls", 400, body);
        assert!(!error.message.chars().any(char::is_control), "{error:?}");
        assert!(
            error.message.contains("red  [31mtext fake line"),
            "{error:?}"
        );
        let plain = classify("e", "p", "ls", 502, b"Bad\x1b[0m\r\nGateway");
        assert!(!plain.message.chars().any(char::is_control), "{plain:?}");
    }
}
