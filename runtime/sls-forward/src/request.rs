//! A PutLogs request as the SLS SDKs build it (py-sdk `put_logs`, go-sdk
//! `PutLogs`, rs-sdk `put_logs`): `POST /logstores/{logstore}/shards/lb`,
//! the protobuf `LogGroup` as a raw LZ4 block with its size in
//! `x-log-bodyrawsize`, `Content-MD5` of the compressed body, and the v1
//! signature over it (`fclocal_sls_api::signature`, the code the local API
//! verifies with).

use std::time::SystemTime;

use bytes::Bytes;
use fclocal_sls_api::compression::{BODY_RAW_SIZE, COMPRESS_TYPE, lz4_compress};
use fclocal_sls_api::signature;
use fclocal_sls_api::sts::SECURITY_TOKEN_HEADER;
use http::{HeaderMap, HeaderValue};
use md5::{Digest as _, Md5};
use prost::Message as _;

use crate::config::ForwardCredentials;
use crate::endpoint::Endpoint;
use crate::plan::Outgoing;

/// The API version the SDKs announce.
const API_VERSION: &str = "0.6.0";

/// A signed PutLogs request, ready for any HTTP client.
#[derive(Debug, Clone)]
pub struct PutRequest {
    /// The project (for messages and for picking the TLS name).
    pub project: String,
    /// The logstore (for messages).
    pub logstore: String,
    /// `/logstores/{logstore}/shards/lb`.
    pub path: String,
    /// Every header, `Host` and `Authorization` included.
    pub headers: HeaderMap,
    /// The compressed body.
    pub body: Bytes,
    /// How many logs it carries.
    pub lines: usize,
}

/// Why a request could not be built: a name or key that is not a valid
/// header value.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot build a PutLogs request for {project}/{logstore}: {what} is not a valid HTTP header value (it holds a line break, another control character or non-ASCII text); correct it and restart fclocal"
)]
pub struct RequestError {
    /// The project.
    pub project: String,
    /// The logstore.
    pub logstore: String,
    /// Which value.
    pub what: &'static str,
}

/// Builds the request sending `outgoing` to `endpoint`, signed at `date`.
pub fn put_logs(
    endpoint: &Endpoint,
    credentials: &ForwardCredentials,
    outgoing: &Outgoing,
    date: SystemTime,
) -> Result<PutRequest, RequestError> {
    let raw = outgoing.group.encode_to_vec();
    let body = lz4_compress(&raw);
    let md5 = format!("{:X}", Md5::digest(&body));
    let path = format!("/logstores/{}/shards/lb", outgoing.logstore);
    let fail = |what| RequestError {
        project: outgoing.project.clone(),
        logstore: outgoing.logstore.clone(),
        what,
    };
    let value = |text: String, what| HeaderValue::try_from(text).map_err(|_| fail(what));

    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::HOST,
        value(endpoint.host_header(&outgoing.project), "the host")?,
    );
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-protobuf"),
    );
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    headers.insert("content-md5", value(md5, "Content-MD5")?);
    headers.insert(
        http::header::DATE,
        value(httpdate::fmt_http_date(date), "Date")?,
    );
    headers.insert("x-log-apiversion", HeaderValue::from_static(API_VERSION));
    headers.insert(
        "x-log-signaturemethod",
        HeaderValue::from_static("hmac-sha1"),
    );
    headers.insert(COMPRESS_TYPE, HeaderValue::from_static("lz4"));
    headers.insert(BODY_RAW_SIZE, HeaderValue::from(raw.len()));
    if let Some(token) = &credentials.security_token {
        headers.insert(
            SECURITY_TOKEN_HEADER,
            value(token.clone(), "the security token")?,
        );
    }
    let text = signature::string_to_sign("POST", &path, &headers, &[]);
    headers.insert(
        http::header::AUTHORIZATION,
        value(
            signature::authorization(&credentials.pair, &text),
            "the AccessKey ID",
        )?,
    );
    Ok(PutRequest {
        project: outgoing.project.clone(),
        logstore: outgoing.logstore.clone(),
        path,
        headers,
        body: Bytes::from(body),
        lines: outgoing.ids.len(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use fclocal_sls_api::{Credentials, Log, LogContent, LogGroup};

    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            project: "proj".into(),
            logstore: "store".into(),
            group: LogGroup {
                logs: vec![Log {
                    time: 1_800_000_000,
                    contents: vec![LogContent::new("message", "hi")],
                    time_ns: Some(7),
                }],
                topic: Some("svc".into()),
                ..LogGroup::default()
            },
            ids: vec![1],
        }
    }

    fn credentials(token: Option<&str>) -> ForwardCredentials {
        ForwardCredentials {
            pair: Credentials::new("AKID", "SECRET"),
            security_token: token.map(str::to_owned),
        }
    }

    #[test]
    fn the_request_is_what_the_sdks_send_and_verifies_with_the_servers_code() {
        let endpoint: Endpoint = "127.0.0.1:9000".parse().unwrap();
        let date = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let request = put_logs(&endpoint, &credentials(None), &outgoing(), date).unwrap();
        assert_eq!(request.path, "/logstores/store/shards/lb");
        let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
        assert_eq!(header("host"), "proj.127.0.0.1:9000");
        assert_eq!(header("x-log-compresstype"), "lz4");
        let raw = outgoing().group.encode_to_vec();
        assert_eq!(header("x-log-bodyrawsize"), raw.len().to_string());
        assert_eq!(
            lz4_flex::block::decompress(&request.body, raw.len()).unwrap(),
            raw
        );
        assert_eq!(header("content-md5").len(), 32);
        assert!(header("authorization").starts_with("LOG AKID:"));
        signature::verify(
            &Credentials::new("AKID", "SECRET"),
            "POST",
            &request.path,
            &request.headers,
            &[],
            date,
        )
        .unwrap();
        let wrong = signature::verify(
            &Credentials::new("AKID", "OTHER"),
            "POST",
            &request.path,
            &request.headers,
            &[],
            date,
        );
        assert!(wrong.is_err());
    }

    #[test]
    fn an_sts_token_is_sent_and_signed() {
        let endpoint: Endpoint = "cn-hangzhou.log.aliyuncs.com".parse().unwrap();
        let request = put_logs(
            &endpoint,
            &credentials(Some("TOKEN")),
            &outgoing(),
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(request.headers[SECURITY_TOKEN_HEADER], "TOKEN");
        assert_eq!(request.headers["host"], "proj.cn-hangzhou.log.aliyuncs.com");
        let text = signature::string_to_sign("POST", &request.path, &request.headers, &[]);
        assert!(text.contains("x-acs-security-token:TOKEN\n"), "{text}");
    }
}
