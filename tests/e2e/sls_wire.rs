//! SLS's wire format written by hand, as an SDK sends it: a protobuf
//! `LogGroup` (field numbers from SLS's `log.proto`), LZ4-compressed, and
//! the v1 request signature. Written independently of fclocal's own
//! decoder, so the tests check it against the format rather than itself.

use base64::Engine as _;
use hmac::{Hmac, Mac};

/// One log: `Time` (seconds), its key/value `Contents`.
pub struct WireLog<'a> {
    pub time: u32,
    pub contents: &'a [(&'a str, &'a str)],
}

/// A `LogGroup` message.
pub fn log_group(
    topic: &str,
    source: &str,
    tags: &[(&str, &str)],
    logs: &[WireLog<'_>],
) -> Vec<u8> {
    let mut group = Vec::new();
    for log in logs {
        let mut message = Vec::new();
        varint_field(&mut message, 1, u64::from(log.time));
        for (key, value) in log.contents {
            let mut content = Vec::new();
            bytes_field(&mut content, 1, key.as_bytes());
            bytes_field(&mut content, 2, value.as_bytes());
            bytes_field(&mut message, 2, &content);
        }
        bytes_field(&mut group, 1, &message);
    }
    bytes_field(&mut group, 3, topic.as_bytes());
    bytes_field(&mut group, 4, source.as_bytes());
    for (key, value) in tags {
        let mut tag = Vec::new();
        bytes_field(&mut tag, 1, key.as_bytes());
        bytes_field(&mut tag, 2, value.as_bytes());
        bytes_field(&mut group, 6, &tag);
    }
    group
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint_field(out: &mut Vec<u8>, number: u64, value: u64) {
    varint(out, number << 3);
    varint(out, value);
}

fn bytes_field(out: &mut Vec<u8>, number: u64, bytes: &[u8]) {
    varint(out, (number << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// PutLogs headers and LZ4 body for `group`, as the go and python SDKs send them.
pub fn put_logs_request(project: &str, group: &[u8]) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let body = lz4_flex::block::compress(group);
    let headers = vec![
        ("x-log-project", project.to_owned()),
        ("content-type", "application/x-protobuf".to_owned()),
        ("x-log-apiversion", "0.6.0".to_owned()),
        ("x-log-signaturemethod", "hmac-sha1".to_owned()),
        ("x-log-compresstype", "lz4".to_owned()),
        ("x-log-bodyrawsize", group.len().to_string()),
    ];
    (headers, body)
}

/// Adds `Date`, `Content-MD5` and `Authorization: LOG id:signature` (SLS v1).
pub fn sign(
    headers: &mut Vec<(&'static str, String)>,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
    key_id: &str,
    secret: &str,
) {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    headers.push(("date", date.clone()));
    let md5 = if body.is_empty() {
        String::new()
    } else {
        let digest = <md5::Md5 as md5::Digest>::digest(body);
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        headers.push(("content-md5", hex.clone()));
        hex
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut text = format!("{method}\n{md5}\n{}\n{date}\n", header("content-type"));
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-log-") || name.starts_with("x-acs-"))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    signed.sort();
    for (name, value) in signed {
        text.push_str(&format!("{name}:{value}\n"));
    }
    text.push_str(path);
    if !query.is_empty() {
        let mut pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort();
        text.push('?');
        text.push_str(&pairs.join("&"));
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(text.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    headers.push(("authorization", format!("LOG {key_id}:{signature}")));
}
