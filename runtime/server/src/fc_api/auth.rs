//! Which signature a call must carry. The scheme is read from
//! `Authorization`: `FC <id>:<sig>` is FC's own (the fc2 SDKs, on
//! 2016-08-15), `ACS3-HMAC-SHA256 …` Alibaba Cloud's V3 (the OpenAPI SDKs,
//! on 2021-04-06 and 2023-03-30). Either is checked against the same
//! AccessKey pair on any version, so a client is never refused for the
//! scheme alone; with no `Authorization` at all the answer names the
//! scheme that version's SDKs use. `--no-auth` skips all of it.

use std::time::SystemTime;

use axum::body::Body;
use http::Request;

use super::route::ApiVersion;
use crate::fc_error::FcError;
use crate::state::AppState;
use crate::{acs3, signature};

/// Checks the request's signature (nothing with `--no-auth`).
pub fn authenticate(
    state: &AppState,
    version: ApiVersion,
    request: &Request<Body>,
) -> Result<(), FcError> {
    if !state.verify_signatures {
        return Ok(());
    }
    let authorization = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let acs3 = match authorization {
        Some(value) => acs3::is_acs3(value),
        None => version != ApiVersion::V2016,
    };
    let now = SystemTime::now();
    if acs3 {
        acs3::verify(
            &state.credentials,
            &acs3::SignedRequest {
                method: request.method().as_str(),
                path: request.uri().path(),
                query: request.uri().query(),
                headers: request.headers(),
            },
            &state.nonces,
            now,
        )
    } else {
        // The fc2 SDKs sign no query parameters outside HTTP triggers.
        signature::verify(
            &state.credentials,
            request.method().as_str(),
            request.uri().path(),
            request.headers(),
            None,
            now,
        )
    }
}

/// After the body is read: an ACS3-signed body must be the one signed.
pub fn verify_body(
    state: &AppState,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<(), FcError> {
    let acs3 = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(acs3::is_acs3);
    if state.verify_signatures && acs3 {
        acs3::verify_payload(headers, body)
    } else {
        Ok(())
    }
}
