//! SLS's error answers: an HTTP status and `{"errorCode", "errorMessage"}`
//! (SLS "Error codes" page; codes from go-sdk `error_code.go`). The SDKs turn
//! the body into their exception types and retry 5xx, so a backend failure is
//! a 500 and everything the caller can fix is a 4xx.
//!
//! Every response also carries `x-log-requestid`; the router adds it (see
//! `routes::request_id`), so errors built anywhere get one.

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// Everything the SLS API answers with an error. Backends return it too:
/// [`LogBackend`](crate::LogBackend) methods map their own failures onto these
/// variants (most often [`ApiError::LogStoreNotExist`],
/// [`ApiError::InvalidQueryString`] and [`ApiError::InternalServerError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 404: the project named by the request does not exist.
    #[error("The Project does not exist : {project}")]
    ProjectNotExist {
        /// The project the request named.
        project: String,
    },
    /// 404 `ProjectNotExist`: the request named no project at all.
    #[error(
        "the request names no project: send `Host: <project>.<endpoint>` (what the SLS SDKs do with endpoint `<endpoint>`), or an `x-log-project` header, or a `project` query parameter, or start fclocal with a default project"
    )]
    NoProject,
    /// 404: no such logstore in the project.
    #[error("logstore {logstore} does not exist")]
    LogStoreNotExist {
        /// The logstore the request named.
        logstore: String,
    },
    /// 404: no such shard in the logstore.
    #[error("Shard {shard} does not exist")]
    ShardNotExist {
        /// The shard id the request named.
        shard: u32,
    },
    /// 400: the query (search statement or SQL) does not parse.
    #[error("{}", invalid_query_message(reason, *position))]
    InvalidQueryString {
        /// What is wrong, e.g. "unbalanced parenthesis".
        reason: String,
        /// 0-based character offset into the query, when known.
        position: Option<usize>,
    },
    /// 400: a request parameter is missing or malformed.
    #[error("{0}")]
    ParameterInvalid(String),
    /// 400: GetLogs/GetHistograms `from`/`to` do not form a non-empty range.
    #[error("{0}")]
    InvalidTimeRange(String),
    /// 400: GetLogs `line` is not 0–100.
    #[error("{0}")]
    InvalidLine(String),
    /// 400: GetLogs `offset` is not a non-negative integer.
    #[error("{0}")]
    InvalidOffset(String),
    /// 400: GetLogs `reverse` is not `true` or `false`.
    #[error("{0}")]
    InvalidReverse(String),
    /// 400: a cursor is not one GetCursor handed out.
    #[error("{0}")]
    InvalidCursor(String),
    /// 400: the PutLogs body is not a protobuf `LogGroup`.
    #[error("{0}")]
    PostBodyInvalid(String),
    /// 499 `PostBodyInvalid` (status as in the PutLogs API reference): a log's
    /// time is outside `[now − 7 days, now + 15 min]`.
    #[error(
        "The post data time is out of range: log {index} has __time__ {time}, the accepted window is [{earliest}, {latest}] (now − 7 days … now + 15 minutes)"
    )]
    PostDataTimeOutOfRange {
        /// Index of the first offending log in the group.
        index: usize,
        /// Its `Time`.
        time: u32,
        /// The earliest accepted time.
        earliest: u64,
        /// The latest accepted time.
        latest: u64,
    },
    /// 413: more than 4096 logs or 3 MB in one group, or a body over 10 MB.
    #[error("Logs must be less than or equal to 3 MB and 4096 entries: {0}")]
    PostBodyTooLarge(String),
    /// 400: the body does not decompress as `x-log-compresstype` says.
    #[error("{0}")]
    PostBodyUncompressError(String),
    /// 400: a log field name is empty, over 128 bytes, or reserved.
    #[error("invalid key {key:?} in logs: {reason}")]
    InvalidKey {
        /// The offending key.
        key: String,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// 400: a string in the body is not UTF-8.
    #[error("{0}")]
    InvalidEncoding(String),
    /// 400: a log's `TimeNs` is not below one second.
    #[error("{0}")]
    InvalidTimestamp(String),
    /// 400: `x-log-compresstype` names an unknown compression.
    #[error("x-log-compresstype {0} is unsupported: use lz4, zstd, deflate or none")]
    InvalidCompressType(String),
    /// 400: a compressed body came without `x-log-bodyrawsize`.
    #[error("x-log-bodyrawsize does not exist in header when it is necessary")]
    MissingBodyRawSize,
    /// 400: `x-log-bodyrawsize` is not a byte count.
    #[error("x-log-bodyrawsize is invalid: {0}")]
    InvalidBodyRawSize(String),
    /// 401: the request is not signed (only with credentials configured).
    #[error("{0}")]
    Unauthorized(String),
    /// 401: signed with another AccessKey ID.
    #[error("{0}")]
    InvalidAccessKeyId(String),
    /// 401: the signature is wrong.
    #[error("{0}")]
    SignatureNotMatch(String),
    /// 400: `Date` is missing, malformed or more than 15 minutes off.
    #[error("{0}")]
    RequestTimeExpired(String),
    /// 400 `ParameterInvalid`: an SLS operation fclocal does not serve.
    #[error(
        "fclocal's SLS API does not serve {0}; it serves PutLogs, GetLogs (v1 and v2), GetHistograms, ListLogStores, GetLogStore, ListShards, GetCursor, GetCursorTime and PullLogs"
    )]
    Unsupported(String),
    /// 500: fclocal itself failed; SDKs retry.
    #[error("{0}")]
    InternalServerError(String),
}

fn invalid_query_message(reason: &str, position: Option<usize>) -> String {
    match position {
        Some(position) => format!("{reason} (at position {position})"),
        None => reason.to_owned(),
    }
}

impl ApiError {
    /// A 500 for a backend failure.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::InternalServerError(error.to_string())
    }

    /// SLS's `errorCode`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::ProjectNotExist { .. } | ApiError::NoProject => "ProjectNotExist",
            ApiError::LogStoreNotExist { .. } => "LogStoreNotExist",
            ApiError::ShardNotExist { .. } => "ShardNotExist",
            ApiError::InvalidQueryString { .. } => "InvalidQueryString",
            ApiError::ParameterInvalid(_) | ApiError::Unsupported(_) => "ParameterInvalid",
            ApiError::InvalidTimeRange(_) => "InvalidTimeRange",
            ApiError::InvalidLine(_) => "InvalidLine",
            ApiError::InvalidOffset(_) => "InvalidOffset",
            ApiError::InvalidReverse(_) => "InvalidReverse",
            ApiError::InvalidCursor(_) => "InvalidCursor",
            ApiError::PostBodyInvalid(_) | ApiError::PostDataTimeOutOfRange { .. } => {
                "PostBodyInvalid"
            }
            ApiError::PostBodyTooLarge(_) => "PostBodyTooLarge",
            ApiError::PostBodyUncompressError(_) => "PostBodyUncompressError",
            ApiError::InvalidKey { .. } => "InvalidKey",
            ApiError::InvalidEncoding(_) => "InvalidEncoding",
            ApiError::InvalidTimestamp(_) => "InvalidTimestamp",
            ApiError::InvalidCompressType(_) => "InvalidCompressType",
            ApiError::MissingBodyRawSize => "MissingBodyRawSize",
            ApiError::InvalidBodyRawSize(_) => "InvalidBodyRawSize",
            ApiError::Unauthorized(_) => "Unauthorized",
            ApiError::InvalidAccessKeyId(_) => "InvalidAccessKeyId",
            ApiError::SignatureNotMatch(_) => "SignatureNotMatch",
            ApiError::RequestTimeExpired(_) => "RequestTimeExpired",
            ApiError::InternalServerError(_) => "InternalServerError",
        }
    }

    /// The HTTP status SLS answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::ProjectNotExist { .. }
            | ApiError::NoProject
            | ApiError::LogStoreNotExist { .. }
            | ApiError::ShardNotExist { .. } => StatusCode::NOT_FOUND,
            ApiError::PostDataTimeOutOfRange { .. } => {
                StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::PostBodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_)
            | ApiError::InvalidAccessKeyId(_)
            | ApiError::SignatureNotMatch(_) => StatusCode::UNAUTHORIZED,
            ApiError::InternalServerError(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::warn!(code = self.code(), "SLS API: {self}");
        }
        let body = json!({"errorCode": self.code(), "errorMessage": self.to_string()});
        (self.status(), axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_sls() {
        let cases = [
            (
                ApiError::LogStoreNotExist {
                    logstore: "x".into(),
                },
                404,
                "LogStoreNotExist",
            ),
            (ApiError::NoProject, 404, "ProjectNotExist"),
            (
                ApiError::PostBodyTooLarge("5000 logs".into()),
                413,
                "PostBodyTooLarge",
            ),
            (
                ApiError::PostDataTimeOutOfRange {
                    index: 0,
                    time: 1,
                    earliest: 2,
                    latest: 3,
                },
                499,
                "PostBodyInvalid",
            ),
            (
                ApiError::SignatureNotMatch("x".into()),
                401,
                "SignatureNotMatch",
            ),
            (ApiError::internal("disk full"), 500, "InternalServerError"),
        ];
        for (error, status, code) in cases {
            assert_eq!(
                (error.status().as_u16(), error.code()),
                (status, code),
                "{error}"
            );
        }
    }

    #[test]
    fn query_errors_name_the_position() {
        let error = ApiError::InvalidQueryString {
            reason: "unexpected `)`".into(),
            position: Some(7),
        };
        assert_eq!(error.to_string(), "unexpected `)` (at position 7)");
    }
}
