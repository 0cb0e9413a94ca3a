//! Reading requests: JSON bodies and numeric parameters, with every problem answered as
//! a JSON `BadRequest` naming the field (axum's own rejections are plain text).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The body of `evaluate` and `submit`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRequest {
    /// The chaincode (as under `Chaincodes:` in the network file).
    pub chaincode: String,
    /// The function to run.
    pub function: String,
    /// Its arguments, all strings (Fabric's shim passes strings too).
    #[serde(default)]
    pub args: Vec<String>,
    /// The MSP id whose client signs (and, for evaluate, whose peer runs it); the
    /// network's first organization when absent.
    #[serde(default)]
    pub organization: Option<String>,
}

/// A JSON body of type `T`. Unlike `axum::Json` it does not insist on a
/// `Content-Type: application/json` header (`curl -d` sends a form type), and its
/// rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "the request body is too large ({}); send a smaller one",
                    e.body_text()
                ))
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {}", e.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest(
                r#"the request body is empty; send a JSON object such as {"chaincode":"marbles","function":"read","args":["m1"]}"#.into(),
            ));
        }
        // `Json::from_bytes` tracks the path into the value, so the message names the
        // field (`args[1]: invalid type: integer ...`).
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(value)| JsonBody(value))
            .map_err(|e| ApiError::BadRequest(format!("{}; fix the request body", e.body_text())))
    }
}

/// Parses the numeric parameter `name`; `None` when it is absent.
pub fn number(name: &str, value: Option<&str>) -> Result<Option<u64>, ApiError> {
    value
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "{name} `{v}` is not a non-negative integer; use a whole number such as 0 or 42"
                ))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_and_organization_are_optional() {
        let r: GatewayRequest =
            serde_json::from_str(r#"{"chaincode":"cc","function":"f"}"#).unwrap();
        assert_eq!(r.args, Vec::<String>::new());
        assert_eq!(r.organization, None);
    }

    #[test]
    fn numbers_name_the_parameter() {
        assert_eq!(number("from", None), Ok(None));
        assert_eq!(number("from", Some("7")), Ok(Some(7)));
        let e = number("limit", Some("-1")).unwrap_err();
        assert!(e.to_string().starts_with("limit `-1` is not"), "{e}");
    }
}
