//! Function Compute's error answers.
//!
//! Platform errors (`X-Fc-Error-Type: FcCommonError`) carry FC's API error
//! body `{"ErrorCode": "...", "ErrorMessage": "..."}`, as the FC SDKs parse
//! it (fc2-sdk `lib/client.js`). Function failures carry FC's function error
//! body (`errorMessage`, `errorType`, ...) with `HandledInvocationError` or
//! `UnhandledInvocationError`. Statuses follow FC's HTTP-trigger table
//! (reference/fc.md §5).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use serde_json::json;

/// `X-Fc-Error-Type` header name.
pub const ERROR_TYPE: &str = "x-fc-error-type";

/// A platform error: status, FC error code and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcError {
    /// HTTP status.
    pub status: StatusCode,
    /// FC's `ErrorCode`.
    pub code: &'static str,
    /// `ErrorMessage`.
    pub message: String,
}

impl FcError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> FcError {
        FcError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 404: no such service.
    pub fn service_not_found(service: &str) -> FcError {
        FcError::new(
            StatusCode::NOT_FOUND,
            "ServiceNotFound",
            format!("service '{service}' does not exist in the template"),
        )
    }

    /// 404: no such function in the service.
    pub fn function_not_found(service: &str, function: &str) -> FcError {
        FcError::new(
            StatusCode::NOT_FOUND,
            "FunctionNotFound",
            format!("function '{function}' does not exist in service '{service}'"),
        )
    }

    /// 429: every instance is busy and the cap is reached.
    pub fn throttled(message: String) -> FcError {
        FcError::new(StatusCode::TOO_MANY_REQUESTS, "ResourceThrottled", message)
    }

    /// 400: the request body is over FC's limit.
    pub fn too_large(limit: usize) -> FcError {
        FcError::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            format!("the request body exceeds Function Compute's limit of {limit} bytes"),
        )
    }

    /// 500: fclocal itself failed.
    pub fn internal(message: impl Into<String>) -> FcError {
        FcError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }
}

impl IntoResponse for FcError {
    fn into_response(self) -> Response {
        let body = json!({"ErrorCode": self.code, "ErrorMessage": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(ERROR_TYPE, HeaderValue::from_static("FcCommonError"));
        response
    }
}
