//! Ed25519 identities for organizations' peers and clients, MSP-style.
//!
//! An identity is `{msp_id, role, public_key}`; its encoding (the ledger codec: MSP id,
//! role byte, 32 key bytes) is what goes into proposals as the creator and into
//! endorsements as the endorser, and what signatures are checked against. There are no
//! certificates or CAs: a local network trusts the keys it created itself, kept on disk so
//! that signatures in old blocks still verify after a restart.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::codec::{Reader, Writer};

/// The role an identity plays in its organization (Fabric's MSP roles; `member` exists
/// only in policies, where it matches any role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An endorsing/committing peer.
    Peer,
    /// An application client that submits transactions.
    Client,
    /// An organization administrator.
    Admin,
    /// An ordering node.
    Orderer,
}

impl Role {
    /// The lowercase name used in policies and key file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Client => "client",
            Role::Admin => "admin",
            Role::Orderer => "orderer",
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            Role::Peer => 1,
            Role::Client => 2,
            Role::Admin => 3,
            Role::Orderer => 4,
        }
    }

    fn from_u8(v: u8) -> Option<Role> {
        Some(match v {
            1 => Role::Peer,
            2 => Role::Client,
            3 => Role::Admin,
            4 => Role::Orderer,
            _ => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "peer" => Role::Peer,
            "client" => Role::Client,
            "admin" => Role::Admin,
            "orderer" => Role::Orderer,
            other => {
                return Err(format!(
                    "unknown role `{other}`; use peer, client, admin or orderer"
                ));
            }
        })
    }
}

/// Problems with identities and their key files.
#[derive(Debug, Error)]
pub enum IdentityError {
    /// Identity bytes did not decode.
    #[error(
        "identity bytes are malformed: {reason}; identities must be created by this ledger (Identity::to_bytes)"
    )]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The public key is not a valid or safe Ed25519 key.
    #[error(
        "identity `{msp_id}` has an unusable Ed25519 public key ({reason}); regenerate its key pair"
    )]
    BadKey {
        /// MSP of the identity.
        msp_id: String,
        /// Why the key was rejected.
        reason: String,
    },
    /// Reading, creating or securing a key file failed.
    #[error(
        "key file {path}: {source}; check that the directory is writable and not shared with another user"
    )]
    Io {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key file exists but does not hold a key.
    #[error(
        "key file {path} does not hold a 64-hex-digit Ed25519 seed; restore it from a backup, or delete it to create a new key (signatures already on the ledger by the old key will then fail `verify`)"
    )]
    BadKeyFile {
        /// The key file.
        path: PathBuf,
    },
    /// MSP ids and names become path components, so they are restricted.
    #[error(
        "`{name}` cannot name a key file: use letters, digits, '.', '-' and '_' only, not starting with '.'"
    )]
    BadName {
        /// The rejected name.
        name: String,
    },
}

/// A member of an organization: who signed something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The organization's MSP id, e.g. `Org1MSP`.
    pub msp_id: String,
    /// The member's role.
    pub role: Role,
    /// The Ed25519 public key.
    pub public_key: VerifyingKey,
}

impl Identity {
    /// The serialized identity (MSP id, role, key) used as creator/endorser bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.msp_id.len() + 40);
        w.str(&self.msp_id);
        w.u8(self.role.to_u8());
        w.raw(self.public_key.as_bytes());
        w.into_bytes()
    }

    /// Parses serialized identity bytes, rejecting weak (small-order) keys because batch
    /// verification would not.
    pub fn from_bytes(bytes: &[u8]) -> Result<Identity, IdentityError> {
        let malformed = |e: crate::model::DecodeError| IdentityError::Malformed {
            reason: e.to_string(),
        };
        let mut r = Reader::new(bytes, "identity");
        let msp_id = r.string().map_err(malformed)?;
        let role_byte = r.u8().map_err(malformed)?;
        let key: [u8; 32] = r.fixed().map_err(malformed)?;
        r.finish().map_err(malformed)?;
        let role = Role::from_u8(role_byte).ok_or_else(|| IdentityError::Malformed {
            reason: format!("role byte {role_byte} is not a known role"),
        })?;
        let public_key = VerifyingKey::from_bytes(&key).map_err(|e| IdentityError::BadKey {
            msp_id: msp_id.clone(),
            reason: e.to_string(),
        })?;
        if public_key.is_weak() {
            return Err(IdentityError::BadKey {
                msp_id,
                reason: "the key has small order".into(),
            });
        }
        Ok(Identity {
            msp_id,
            role,
            public_key,
        })
    }

    /// True when `signature` is this identity's valid signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(signature) else {
            return false;
        };
        self.public_key.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.msp_id, self.role)
    }
}

/// An identity with its private key: signs proposals, envelopes and endorsements.
#[derive(Clone)]
pub struct Signer {
    identity: Identity,
    identity_bytes: Vec<u8>,
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(msp_id: impl Into<String>, role: Role, seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let identity = Identity {
            msp_id: msp_id.into(),
            role,
            public_key: key.verifying_key(),
        };
        Signer {
            identity_bytes: identity.to_bytes(),
            identity,
            key,
        }
    }

    /// A signer with a fresh key from the operating system's RNG (not persisted).
    pub fn generate(msp_id: impl Into<String>, role: Role) -> Signer {
        let key = SigningKey::generate(&mut OsRng);
        Signer::from_seed(msp_id, role, key.to_bytes())
    }

    /// The public identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The serialized identity (cached: it goes into every proposal and endorsement).
    pub fn identity_bytes(&self) -> &[u8] {
        &self.identity_bytes
    }

    /// An Ed25519 signature of `message` (64 bytes).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).to_bytes().to_vec()
    }
}

/// Key pairs on disk: `<dir>/<msp_id>/<name>.key`, one hex seed per file, mode 0600.
///
/// Keys are created on first use so a fresh checkout needs no setup step, and kept so that
/// a reopened ledger can still verify its own history.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// A key store rooted at `dir` (created when the first key is).
    pub fn new(dir: impl Into<PathBuf>) -> KeyStore {
        KeyStore { dir: dir.into() }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The signer `name` (e.g. `peer0`, `client`) of `msp_id` with `role`, loading its key
    /// or creating and saving a new one.
    pub fn load_or_create(
        &self,
        msp_id: &str,
        name: &str,
        role: Role,
    ) -> Result<Signer, IdentityError> {
        check_name(msp_id)?;
        check_name(name)?;
        let org_dir = self.dir.join(msp_id);
        let path = org_dir.join(format!("{name}.key"));
        let io = |source| IdentityError::Io {
            path: path.clone(),
            source,
        };
        match fs::read_to_string(&path) {
            Ok(text) => {
                let seed = parse_seed(text.trim())
                    .ok_or_else(|| IdentityError::BadKeyFile { path: path.clone() })?;
                Ok(Signer::from_seed(msp_id, role, seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir_all(&org_dir).map_err(io)?;
                fs::set_permissions(&org_dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
                let signer = Signer::generate(msp_id, role);
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(io)?;
                writeln!(file, "{}", hex::encode(signer.key.to_bytes())).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(signer)
            }
            Err(e) => Err(io(e)),
        }
    }
}

fn parse_seed(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

fn check_name(name: &str) -> Result<(), IdentityError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::BadName { name: name.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_bytes_round_trip_and_signatures_verify() {
        let signer = Signer::generate("Org1MSP", Role::Peer);
        let id = Identity::from_bytes(signer.identity_bytes()).unwrap();
        assert_eq!(&id, signer.identity());
        let sig = signer.sign(b"hello");
        assert!(id.verify(b"hello", &sig));
        assert!(!id.verify(b"hellO", &sig));
        assert!(!id.verify(b"hello", &sig[..63]));
        assert_eq!(id.to_string(), "Org1MSP.peer");
    }

    #[test]
    fn malformed_identity_bytes_are_rejected() {
        let signer = Signer::generate("Org1MSP", Role::Client);
        let mut bytes = signer.identity_bytes().to_vec();
        bytes.push(0);
        assert!(matches!(
            Identity::from_bytes(&bytes),
            Err(IdentityError::Malformed { .. })
        ));
        let mut bytes = signer.identity_bytes().to_vec();
        let role_at = bytes.len() - 33;
        bytes[role_at] = 99;
        let err = Identity::from_bytes(&bytes).unwrap_err();
        assert!(err.to_string().contains("role byte 99"), "{err}");
    }

    #[test]
    fn weak_keys_are_rejected() {
        // The identity point (0, 1) encodes as 1 followed by zeros: small order.
        let mut w = Writer::new();
        w.str("Evil");
        w.u8(1);
        let mut key = [0u8; 32];
        key[0] = 1;
        w.raw(&key);
        let err = Identity::from_bytes(&w.into_bytes()).unwrap_err();
        assert!(matches!(err, IdentityError::BadKey { .. }), "{err}");
    }

    #[test]
    fn key_store_creates_once_with_0600_and_reloads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path().join("keys"));
        let a = store
            .load_or_create("Org1MSP", "peer0", Role::Peer)
            .unwrap();
        let path = dir.path().join("keys/Org1MSP/peer0.key");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let b = store
            .load_or_create("Org1MSP", "peer0", Role::Peer)
            .unwrap();
        assert_eq!(a.identity(), b.identity());
        let c = store
            .load_or_create("Org1MSP", "client", Role::Client)
            .unwrap();
        assert_ne!(a.identity().public_key, c.identity().public_key);
    }

    #[test]
    fn key_store_rejects_bad_files_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path());
        fs::create_dir_all(dir.path().join("Org1MSP")).unwrap();
        fs::write(dir.path().join("Org1MSP/peer0.key"), "not hex").unwrap();
        let err = store
            .load_or_create("Org1MSP", "peer0", Role::Peer)
            .unwrap_err();
        assert!(
            err.to_string().contains("delete it to create a new key"),
            "{err}"
        );
        let err = store
            .load_or_create("../x", "peer0", Role::Peer)
            .unwrap_err();
        assert!(matches!(err, IdentityError::BadName { .. }));
    }
}
