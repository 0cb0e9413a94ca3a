//! Fabric's `TxValidationCode`, with its numbering (protos `peer/transaction.proto`).

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($name:ident = $value:literal => $text:literal,)*) => {
        /// Why a transaction in a block is (in)valid. Stored as one byte per transaction in
        /// the block's `TRANSACTIONS_FILTER` metadata, with Fabric's numbers, so the codes
        /// mean the same thing to anyone who knows Fabric.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[repr(u8)]
        #[allow(non_camel_case_types, reason = "Fabric's names, kept verbatim")]
        pub enum TxValidationCode {
            $(
                #[doc = concat!("`", $text, "` (", stringify!($value), ")")]
                $name = $value,
            )*
        }

        impl TxValidationCode {
            /// Fabric's name for the code, e.g. `MVCC_READ_CONFLICT`.
            pub fn name(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }

            /// The code for a stored byte, `None` for numbers Fabric does not define.
            pub fn from_u8(v: u8) -> Option<Self> {
                match v { $($value => Some(Self::$name),)* _ => None }
            }
        }
    };
}

codes! {
    VALID = 0 => "VALID",
    NIL_ENVELOPE = 1 => "NIL_ENVELOPE",
    BAD_PAYLOAD = 2 => "BAD_PAYLOAD",
    BAD_COMMON_HEADER = 3 => "BAD_COMMON_HEADER",
    BAD_CREATOR_SIGNATURE = 4 => "BAD_CREATOR_SIGNATURE",
    INVALID_ENDORSER_TRANSACTION = 5 => "INVALID_ENDORSER_TRANSACTION",
    INVALID_CONFIG_TRANSACTION = 6 => "INVALID_CONFIG_TRANSACTION",
    UNSUPPORTED_TX_PAYLOAD = 7 => "UNSUPPORTED_TX_PAYLOAD",
    BAD_PROPOSAL_TXID = 8 => "BAD_PROPOSAL_TXID",
    DUPLICATE_TXID = 9 => "DUPLICATE_TXID",
    ENDORSEMENT_POLICY_FAILURE = 10 => "ENDORSEMENT_POLICY_FAILURE",
    MVCC_READ_CONFLICT = 11 => "MVCC_READ_CONFLICT",
    PHANTOM_READ_CONFLICT = 12 => "PHANTOM_READ_CONFLICT",
    UNKNOWN_TX_TYPE = 13 => "UNKNOWN_TX_TYPE",
    TARGET_CHAIN_NOT_FOUND = 14 => "TARGET_CHAIN_NOT_FOUND",
    MARSHAL_TX_ERROR = 15 => "MARSHAL_TX_ERROR",
    NIL_TXACTION = 16 => "NIL_TXACTION",
    EXPIRED_CHAINCODE = 17 => "EXPIRED_CHAINCODE",
    CHAINCODE_VERSION_CONFLICT = 18 => "CHAINCODE_VERSION_CONFLICT",
    BAD_HEADER_EXTENSION = 19 => "BAD_HEADER_EXTENSION",
    BAD_CHANNEL_HEADER = 20 => "BAD_CHANNEL_HEADER",
    BAD_RESPONSE_PAYLOAD = 21 => "BAD_RESPONSE_PAYLOAD",
    BAD_RWSET = 22 => "BAD_RWSET",
    ILLEGAL_WRITESET = 23 => "ILLEGAL_WRITESET",
    INVALID_WRITESET = 24 => "INVALID_WRITESET",
    INVALID_CHAINCODE = 25 => "INVALID_CHAINCODE",
    NOT_VALIDATED = 254 => "NOT_VALIDATED",
    INVALID_OTHER_REASON = 255 => "INVALID_OTHER_REASON",
}

impl TxValidationCode {
    /// The stored byte.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// True only for `VALID`.
    pub fn is_valid(self) -> bool {
        self == Self::VALID
    }
}

impl fmt::Display for TxValidationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_matches_fabric() {
        assert_eq!(TxValidationCode::VALID.as_u8(), 0);
        assert_eq!(TxValidationCode::BAD_CREATOR_SIGNATURE.as_u8(), 4);
        assert_eq!(TxValidationCode::DUPLICATE_TXID.as_u8(), 9);
        assert_eq!(TxValidationCode::ENDORSEMENT_POLICY_FAILURE.as_u8(), 10);
        assert_eq!(TxValidationCode::MVCC_READ_CONFLICT.as_u8(), 11);
        assert_eq!(TxValidationCode::PHANTOM_READ_CONFLICT.as_u8(), 12);
        assert_eq!(TxValidationCode::INVALID_OTHER_REASON.as_u8(), 255);
        for v in 0..=255u8 {
            if let Some(code) = TxValidationCode::from_u8(v) {
                assert_eq!(code.as_u8(), v);
            }
        }
        assert_eq!(TxValidationCode::from_u8(100), None);
        assert_eq!(
            TxValidationCode::MVCC_READ_CONFLICT.to_string(),
            "MVCC_READ_CONFLICT"
        );
    }
}
