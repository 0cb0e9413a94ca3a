//! How the API is set up: the default project, the AccessKey pair requests
//! must be signed with, and the clock.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Settings of [`router`](crate::router).
#[derive(Clone, Debug, Default)]
pub struct ApiConfig {
    /// The project of requests that name none (no project label in `Host`,
    /// no `x-log-project` header, no `project` query parameter): fclocal's
    /// `LogConfig` project when the template has one.
    pub default_project: Option<String>,
    /// `Some`: verify every request's SLS v1 signature against this pair
    /// (fclocal's `--auth`). `None`: accept signed and unsigned requests alike.
    pub credentials: Option<Credentials>,
    /// Time source for the write-time window, `received_at` and `Date`
    /// checks; the system clock unless a test or `--test-clock` sets one.
    pub clock: Clock,
}

/// An AccessKey pair.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// AccessKey ID.
    pub access_key_id: String,
    /// AccessKey secret.
    pub access_key_secret: String,
}

impl Credentials {
    /// A pair from its two halves.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
    ) -> Credentials {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
        }
    }
}

impl From<(String, String)> for Credentials {
    fn from((access_key_id, access_key_secret): (String, String)) -> Credentials {
        Credentials {
            access_key_id,
            access_key_secret,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .finish()
    }
}

/// A source of "now", shared by every request.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(SystemTime::now))
    }

    /// A clock stopped at `at` (tests).
    pub fn fixed(at: SystemTime) -> Clock {
        Clock(Arc::new(move || at))
    }

    /// A clock reading `now` (e.g. fclocal's `--test-clock`).
    pub fn from_fn(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        (self.0)()
    }

    /// The current time in UNIX seconds (0 before 1970).
    pub fn unix_seconds(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0)
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Clock").field(&self.now()).finish()
    }
}
