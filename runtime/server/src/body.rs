//! Reading a request body under FC's size limit. An oversized body never
//! reaches the guest. It is refused from `Content-Length` when the client
//! sends one, else while reading; either way the server first reads and
//! discards what the client is still sending (up to a bound), so a client
//! that does not wait for `100 Continue` reads the 400 instead of a reset
//! connection.

use axum::body::Body;
use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;

use crate::fc_error::FcError;

/// How much of an oversized body is read and thrown away before answering;
/// past this the connection is closed.
const DRAIN_CAP: u64 = 32 * 1024 * 1024;

/// The whole body, or FC's 400 if it is longer than `limit` bytes.
pub async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, FcError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        drain(body).await;
        return Err(FcError::too_large(limit));
    }
    let mut body = body;
    let mut collected = bytes::BytesMut::new();
    loop {
        match body.frame().await {
            None => return Ok(collected.freeze()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if collected.len() + data.len() > limit {
                        drain(body).await;
                        return Err(FcError::too_large(limit));
                    }
                    collected.extend_from_slice(&data);
                }
            }
            Some(Err(error)) => {
                return Err(FcError::new(
                    http::StatusCode::BAD_REQUEST,
                    "InvalidArgument",
                    format!("cannot read the request body: {error}"),
                ));
            }
        }
    }
}

/// Reads and discards up to [`DRAIN_CAP`] bytes of `body`.
async fn drain(mut body: Body) {
    let mut drained = 0u64;
    while drained < DRAIN_CAP {
        match body.frame().await {
            Some(Ok(frame)) => {
                drained += frame.data_ref().map_or(0, |data| data.len() as u64);
            }
            _ => return,
        }
    }
}
