//! Function Compute's error answers.
//!
//! Platform errors (`X-Fc-Error-Type: FcCommonError`) carry FC's API error
//! body in the shape of the API version called ([`ErrorShape`]):
//! `{"ErrorCode": "...", "ErrorMessage": "..."}` for 2016-08-15, as the fc2
//! SDKs parse it (fc2-sdk `lib/client.js`); the same plus `Code`, `Message`
//! and `RequestId` for 2021-04-06; `{"Code", "Message", "RequestId"}` for
//! 2023-03-30 (FC 3.0's `Error` structure). Function failures carry FC's function error
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

/// The error body of each FC API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape {
    /// 2016-08-15: `{"ErrorCode", "ErrorMessage"}` (fc2 SDKs read `ErrorCode`).
    Fc2016,
    /// 2021-04-06: FC 2.0 answers `{"ErrorCode", "ErrorMessage"}` (its API
    /// reference's `Error` structure), but the OpenAPI SDKs that call this
    /// version read `Code`, `Message` and `RequestId`
    /// (`alibabacloud_tea_openapi` `do_request`); both are sent, so an SDK
    /// error names the code and says what to do instead of "None".
    OpenApi2021,
    /// 2023-03-30: `{"Code", "Message", "RequestId"}` (FC 3.0's `Error`).
    Fc2023,
}

impl FcError {
    /// The answer in `shape`, carrying `request_id` (in the body where the
    /// shape has it, and in `x-fc-request-id`).
    pub fn render(self, shape: ErrorShape, request_id: &str) -> Response {
        let body = match shape {
            ErrorShape::Fc2016 => json!({"ErrorCode": self.code, "ErrorMessage": self.message}),
            ErrorShape::OpenApi2021 => json!({
                "ErrorCode": self.code,
                "ErrorMessage": self.message,
                "Code": self.code,
                "Message": self.message,
                "RequestId": request_id,
            }),
            ErrorShape::Fc2023 => {
                json!({"Code": self.code, "Message": self.message, "RequestId": request_id})
            }
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(ERROR_TYPE, HeaderValue::from_static("FcCommonError"));
        if let Ok(id) = HeaderValue::from_str(request_id) {
            headers.insert("x-fc-request-id", id);
        }
        response
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
