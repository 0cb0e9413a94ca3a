//! Scoped credentials for functions, in the shape of STS tokens.
//!
//! On FC a function never sees the account's AccessKey: it gets temporary
//! STS credentials of its service role (`ALIBABA_CLOUD_ACCESS_KEY_ID`
//! `STS.…`, a secret and `ALIBABA_CLOUD_SECURITY_TOKEN`), limited to what the
//! role allows. fclocal mints the same triple per function, derived with
//! HMAC from the server's secret and the function's identity, allowed only
//! on the function's own logstore. Nothing is stored: the token carries its
//! scope and a MAC, so the SLS API recomputes the secret from the server's
//! secret when a request arrives, and the server's secret never leaves it.
//!
//! Layout: `AccessKeyId` = `STS.` + MAC("id", scope) (base64url, 20 chars);
//! `SecurityToken` = `fclocal1.` + base64url(scope) + `.` + MAC("token",
//! scope); `AccessKeySecret` = MAC("secret", scope) (base64). The scope is
//! `project \n logstore \n service \n function`. MAC is HMAC-SHA1 keyed with
//! the server's secret, each use under its own label.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64_URL};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::ApiError;

/// How a scoped AccessKeyId starts (as STS's do).
pub const ACCESS_KEY_PREFIX: &str = "STS.";
/// The header that carries the security token (SLS SDKs send it signed).
pub const SECURITY_TOKEN_HEADER: &str = "x-acs-security-token";
/// How fclocal's tokens start, so a foreign token is named as such.
const TOKEN_PREFIX: &str = "fclocal1.";

/// What scoped credentials may touch, and whose they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The SLS project of the function's logs.
    pub project: String,
    /// The logstore in it: the only one these credentials may use.
    pub logstore: String,
    /// The function's service.
    pub service: String,
    /// The function.
    pub function: String,
}

/// An STS-like triple; its `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ScopedCredentials {
    /// `STS.…`.
    pub access_key_id: String,
    /// Derived from the server's secret; different for every scope.
    pub access_key_secret: String,
    /// Carries the scope.
    pub security_token: String,
}

impl fmt::Debug for ScopedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Scope {
    fn encode(&self) -> String {
        [&self.project, &self.logstore, &self.service, &self.function]
            .map(String::as_str)
            .join("\n")
    }

    fn decode(text: &str) -> Option<Scope> {
        let mut parts = text.split('\n').map(str::to_owned);
        let scope = Scope {
            project: parts.next()?,
            logstore: parts.next()?,
            service: parts.next()?,
            function: parts.next()?,
        };
        parts.next().is_none().then_some(scope)
    }
}

/// The credentials of `scope`, derived from `server_secret`.
pub fn mint(server_secret: &str, scope: &Scope) -> ScopedCredentials {
    let encoded = scope.encode();
    ScopedCredentials {
        access_key_id: access_key_id(server_secret, &encoded),
        access_key_secret: BASE64.encode(mac(server_secret, "secret", &encoded)),
        security_token: format!(
            "{TOKEN_PREFIX}{}.{}",
            BASE64_URL.encode(&encoded),
            BASE64_URL.encode(mac(server_secret, "token", &encoded))
        ),
    }
}

/// Checks that `token` was minted with `server_secret` for `access_key_id`;
/// the scope and the secret requests must be signed with.
pub fn open(
    server_secret: &str,
    access_key_id: &str,
    token: &str,
) -> Result<(Scope, String), ApiError> {
    let invalid = || {
        ApiError::InvalidAccessKeyId(format!(
            "the security token sent with AccessKeyId {access_key_id:?} was not issued by this fclocal server: use the ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN of one function, from the same server run"
        ))
    };
    let (scope_text, tag) = token
        .trim()
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split_once('.'))
        .ok_or_else(invalid)?;
    let encoded = BASE64_URL
        .decode(scope_text)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(invalid)?;
    let tag = BASE64_URL.decode(tag).map_err(|_| invalid())?;
    let mut check = Hmac::<Sha1>::new_from_slice(server_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    check.update(b"token\n");
    check.update(encoded.as_bytes());
    check.verify_slice(&tag).map_err(|_| invalid())?;
    if access_key_id != self::access_key_id(server_secret, &encoded) {
        return Err(invalid());
    }
    let scope = Scope::decode(&encoded).ok_or_else(invalid)?;
    let secret = BASE64.encode(mac(server_secret, "secret", &encoded));
    Ok((scope, secret))
}

fn access_key_id(server_secret: &str, encoded: &str) -> String {
    let tag = mac(server_secret, "id", encoded);
    format!("{ACCESS_KEY_PREFIX}{}", BASE64_URL.encode(&tag[..15]))
}

fn mac(key: &str, label: &str, text: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(label.as_bytes());
    mac.update(b"\n");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(function: &str) -> Scope {
        Scope {
            project: "p".into(),
            logstore: "ls".into(),
            service: "s".into(),
            function: function.into(),
        }
    }

    #[test]
    fn minted_credentials_open_to_their_scope_and_secret() {
        let minted = mint("server-secret", &scope("f"));
        assert!(minted.access_key_id.starts_with("STS."));
        assert_ne!(minted.access_key_secret, "server-secret");
        let (opened, secret) = open(
            "server-secret",
            &minted.access_key_id,
            &minted.security_token,
        )
        .unwrap();
        assert_eq!(opened, scope("f"));
        assert_eq!(secret, minted.access_key_secret);
        assert_ne!(mint("server-secret", &scope("g")), minted);
        assert!(!format!("{minted:?}").contains(&minted.access_key_secret));
    }

    #[test]
    fn forged_or_foreign_tokens_are_refused() {
        let minted = mint("server-secret", &scope("f"));
        let other = mint("another-server", &scope("f"));
        for (id, token) in [
            (&minted.access_key_id, &other.security_token),
            (&other.access_key_id, &minted.security_token),
            (&minted.access_key_id, &"fclocal1.cA.AAAA".to_owned()),
            (&minted.access_key_id, &"CAIS-a-real-sts-token".to_owned()),
        ] {
            let error = open("server-secret", id, token).unwrap_err();
            assert_eq!(error.code(), "InvalidAccessKeyId");
        }
        // A scope edited in the token fails its MAC.
        let (_, tag) = minted.security_token.rsplit_once('.').unwrap();
        let forged = format!(
            "{TOKEN_PREFIX}{}.{tag}",
            BASE64_URL.encode("p\nother-logstore\ns\nf")
        );
        assert!(open("server-secret", &minted.access_key_id, &forged).is_err());
    }
}
