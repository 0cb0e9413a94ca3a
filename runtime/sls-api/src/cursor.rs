//! Cursors on the wire: base64 of a decimal integer
//! (`MTQ0NzI5OTYwNjg5NjYzMjM1Ng==` is `1447299606896632356`, API doc
//! GetCursor). go-sdk `GetPrevCursorTime` decodes, subtracts one and
//! re-encodes, so the integer inside must grow with every group; the backend
//! provides it ([`LogBackend::cursor`](crate::LogBackend::cursor)).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::ApiError;

const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The wire form of a cursor.
pub fn encode(cursor: u64) -> String {
    STANDARD.encode(cursor.to_string())
}

/// A wire cursor's integer (padding optional); anything else is
/// `InvalidCursor`.
pub fn decode(text: &str) -> Result<u64, ApiError> {
    STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| {
            ApiError::InvalidCursor(format!(
                "cursor {text:?} is not one GetCursor or PullLogs handed out (base64 of a decimal number)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_api_doc_example() {
        assert_eq!(
            encode(1_447_299_606_896_632_356),
            "MTQ0NzI5OTYwNjg5NjYzMjM1Ng=="
        );
        assert_eq!(
            decode("MTQ0NzI5OTYwNjg5NjYzMjM1Ng==").unwrap(),
            1_447_299_606_896_632_356
        );
        assert_eq!(
            decode("MTQ0NzI5OTYwNjg5NjYzMjM1Ng").unwrap(),
            1_447_299_606_896_632_356
        );
    }

    #[test]
    fn round_trips_and_rejects_garbage() {
        for cursor in [0, 1, 42, u64::MAX] {
            assert_eq!(decode(&encode(cursor)).unwrap(), cursor);
        }
        for bad in ["", "!!", "aGVsbG8=", "LTE="] {
            assert_eq!(decode(bad).unwrap_err().code(), "InvalidCursor", "{bad}");
        }
    }
}
