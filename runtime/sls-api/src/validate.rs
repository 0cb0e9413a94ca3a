//! What PutLogs accepts (API doc PutLogs; SLS "Log" data-model page). A group
//! failing any check is rejected whole, before the backend sees it.
//!
//! - at most [`MAX_LOGS`] logs and [`MAX_GROUP_BYTES`] of protobuf;
//! - every `Time` in `[now − 7 days, now + 15 min]`, `TimeNs` below 10⁹;
//! - every field name 1–128 bytes and not reserved (`__name__`).

use prost::Message as _;

use crate::error::ApiError;
use crate::proto::LogGroup;

/// Logs per group.
pub const MAX_LOGS: usize = 4096;
/// Bytes of (uncompressed) protobuf per group: 3 MB.
pub const MAX_GROUP_BYTES: usize = 3 * 1024 * 1024;
/// How old a log may be, in seconds.
pub const MAX_AGE: u64 = 7 * 24 * 3600;
/// How far ahead a log may be, in seconds.
pub const MAX_AHEAD: u64 = 15 * 60;
/// Longest field name, in bytes.
pub const MAX_KEY_BYTES: usize = 128;

/// Decodes a PutLogs body (already decompressed).
pub fn decode_group(body: &[u8]) -> Result<LogGroup, ApiError> {
    if body.len() > MAX_GROUP_BYTES {
        return Err(ApiError::PostBodyTooLarge(format!(
            "the group is {} bytes, over {MAX_GROUP_BYTES}",
            body.len()
        )));
    }
    LogGroup::decode(body).map_err(|error| {
        let message = error.to_string();
        if message.contains("UTF-8") {
            ApiError::InvalidEncoding(format!(
                "invalid encoding in logs: strings must be UTF-8 ({message})"
            ))
        } else {
            ApiError::PostBodyInvalid(format!("the body is not a protobuf LogGroup: {message}"))
        }
    })
}

/// Checks a decoded group at server time `now` (UNIX seconds).
pub fn check_group(group: &LogGroup, now: u64) -> Result<(), ApiError> {
    if group.logs.len() > MAX_LOGS {
        return Err(ApiError::PostBodyTooLarge(format!(
            "the group has {} logs, over {MAX_LOGS}",
            group.logs.len()
        )));
    }
    let earliest = now.saturating_sub(MAX_AGE);
    let latest = now + MAX_AHEAD;
    for (index, log) in group.logs.iter().enumerate() {
        let time = u64::from(log.time);
        if time < earliest || time > latest {
            return Err(ApiError::PostDataTimeOutOfRange {
                index,
                time: log.time,
                earliest,
                latest,
            });
        }
        if let Some(ns) = log.time_ns
            && ns >= 1_000_000_000
        {
            return Err(ApiError::InvalidTimestamp(format!(
                "invalid timestamp in logs: log {index} has TimeNs {ns}, which must be below 1000000000"
            )));
        }
        for content in &log.contents {
            check_key(&content.key)?;
        }
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), ApiError> {
    let reason = if key.is_empty() {
        "a field name must not be empty"
    } else if key.len() > MAX_KEY_BYTES {
        "a field name must be at most 128 bytes"
    } else if key.len() >= 2 && key.starts_with("__") && key.ends_with("__") {
        "names like __time__ are reserved for SLS's own fields"
    } else {
        return Ok(());
    };
    Err(ApiError::InvalidKey {
        key: key.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Log, LogContent};

    const NOW: u64 = 1_800_000_000;

    fn group(time: u64, keys: &[&str]) -> LogGroup {
        LogGroup {
            logs: vec![Log {
                time: time as u32,
                contents: keys.iter().map(|key| LogContent::new(*key, "v")).collect(),
                time_ns: None,
            }],
            ..LogGroup::default()
        }
    }

    #[test]
    fn the_time_window_is_seven_days_back_and_fifteen_minutes_ahead() {
        check_group(&group(NOW - MAX_AGE, &["a"]), NOW).unwrap();
        check_group(&group(NOW + MAX_AHEAD, &["a"]), NOW).unwrap();
        for time in [NOW - MAX_AGE - 1, NOW + MAX_AHEAD + 1, 0] {
            let error = check_group(&group(time, &["a"]), NOW).unwrap_err();
            assert_eq!(
                (error.status().as_u16(), error.code()),
                (499, "PostBodyInvalid")
            );
            assert!(
                error
                    .to_string()
                    .starts_with("The post data time is out of range")
            );
        }
    }

    #[test]
    fn keys_must_be_named_and_not_reserved() {
        let long = "k".repeat(129);
        for key in ["", "__time__", "__", long.as_str()] {
            let error = check_group(&group(NOW, &[key]), NOW).unwrap_err();
            assert_eq!(error.code(), "InvalidKey", "{key:?}");
        }
        check_group(
            &group(
                NOW,
                &[
                    "_private",
                    "__tag",
                    "content.status",
                    "k".repeat(128).as_str(),
                ],
            ),
            NOW,
        )
        .unwrap();
    }

    #[test]
    fn too_many_logs_or_bytes_is_too_large() {
        let mut many = group(NOW, &["a"]);
        many.logs = vec![many.logs[0].clone(); MAX_LOGS + 1];
        let error = check_group(&many, NOW).unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (413, "PostBodyTooLarge")
        );
        assert!(
            error
                .to_string()
                .starts_with("Logs must be less than or equal to 3 MB and 4096 entries")
        );
        let error = decode_group(&vec![0; MAX_GROUP_BYTES + 1]).unwrap_err();
        assert_eq!(error.code(), "PostBodyTooLarge");
    }

    #[test]
    fn undecodable_bodies_are_invalid() {
        assert_eq!(
            decode_group(&[0xff, 0xff]).unwrap_err().code(),
            "PostBodyInvalid"
        );
        // Log { Contents { Key = "\xff" } }
        let bad_utf8 = [0x0a, 0x07, 0x08, 0x01, 0x12, 0x03, 0x0a, 0x01, 0xff];
        assert_eq!(
            decode_group(&bad_utf8).unwrap_err().code(),
            "InvalidEncoding"
        );
    }
}
