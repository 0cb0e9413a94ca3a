//! [`Response`]: what a chaincode returns, Fabric's `pb.Response`.

/// The result of `init` or `invoke`, as Fabric's `shim.Success` and
/// `shim.Error` build it.
///
/// The peer endorses a proposal only when the status is below
/// [`Response::ERROR_THRESHOLD`]; otherwise it returns `message` to the client
/// and nothing is ordered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// 200 for success, 500 for errors (any value ≥ 400 is an error).
    pub status: u32,
    /// The error text; empty on success.
    pub message: String,
    /// The result bytes; empty for errors.
    pub payload: Vec<u8>,
}

impl Response {
    /// Fabric's `shim.OK`.
    pub const OK: u32 = 200;
    /// Fabric's `shim.ERRORTHRESHOLD`: statuses from here on are errors.
    pub const ERROR_THRESHOLD: u32 = 400;
    /// Fabric's `shim.ERROR`, the status [`Response::error`] uses.
    pub const ERROR: u32 = 500;

    /// Fabric's `shim.Success(payload)`: status 200, no message.
    pub fn success(payload: impl Into<Vec<u8>>) -> Self {
        Response {
            status: Self::OK,
            message: String::new(),
            payload: payload.into(),
        }
    }

    /// Fabric's `shim.Error(message)`: status 500, no payload.
    pub fn error(message: impl Into<String>) -> Self {
        Response {
            status: Self::ERROR,
            message: message.into(),
            payload: Vec::new(),
        }
    }

    /// Whether the peer would endorse this response (status below 400).
    pub fn is_ok(&self) -> bool {
        self.status < Self::ERROR_THRESHOLD
    }

    /// The payload as text, when it is UTF-8 (handy in tests and logs).
    pub fn payload_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.payload).ok()
    }
}

/// `Ok(payload)` is a success, `Err(message)` an error: lets chaincode
/// functions use `?` on stub calls and convert once at the end.
impl From<Result<Vec<u8>, String>> for Response {
    fn from(result: Result<Vec<u8>, String>) -> Self {
        match result {
            Ok(payload) => Response::success(payload),
            Err(message) => Response::error(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_error_follow_fabric() {
        let ok = Response::success(b"x".to_vec());
        assert_eq!(
            (ok.status, ok.message.as_str(), ok.payload_str()),
            (200, "", Some("x"))
        );
        assert!(ok.is_ok());
        let err = Response::error("boom");
        assert_eq!((err.status, err.message.as_str()), (500, "boom"));
        assert!(err.payload.is_empty());
        assert!(!err.is_ok());
        assert!(
            !Response {
                status: 400,
                ..Response::default()
            }
            .is_ok()
        );
        assert_eq!(
            Response::from(Err::<Vec<u8>, _>("e".to_string())),
            Response::error("e")
        );
    }
}
