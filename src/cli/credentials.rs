//! The AccessKey pair `fclocal start` checks signatures against: the one the
//! user gives (`--access-key-id`/`--access-key-secret` or
//! `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET`), else a
//! local pair generated once per project and kept in
//! `.fclocal/credentials.json`, so SDK configurations keep working across
//! restarts.

use std::path::Path;

use anyhow::Context as _;
use fclocal_server::Credentials;
use serde::{Deserialize, Serialize};

use crate::cli::host_args::HostArgs;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    access_key_id: String,
    access_key_secret: String,
}

/// The pair given on the command line or in the environment, if complete.
pub fn from_args(args: &HostArgs) -> Option<Credentials> {
    (!args.access_key_id.is_empty() && !args.access_key_secret.is_empty()).then(|| Credentials {
        access_key_id: args.access_key_id.clone(),
        access_key_secret: args.access_key_secret.clone(),
    })
}

/// The project's local pair, created on first use.
pub fn local(data_dir: &Path) -> anyhow::Result<Credentials> {
    let path = data_dir.join("credentials.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let stored: Stored = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not valid; delete it to generate new local credentials",
                path.display()
            )
        })?;
        return Ok(Credentials {
            access_key_id: stored.access_key_id,
            access_key_secret: stored.access_key_secret,
        });
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let stored = Stored {
        access_key_id: format!("LTAIfclocal{}", &id[..12]),
        access_key_secret: secret,
    };
    std::fs::write(&path, serde_json::to_string_pretty(&stored)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Credentials {
        access_key_id: stored.access_key_id,
        access_key_secret: stored.access_key_secret,
    })
}
