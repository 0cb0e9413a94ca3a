//! Settings of the emulated Function Compute account, shared by the commands
//! that run functions.

use clap::Args;
use fclocal_engine::Credentials;
use fclocal_invoke::HostSettings;

/// The region, account and credentials functions see.
#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// The region functions see (`FC_REGION`, `context.region`).
    #[arg(
        long,
        value_name = "REGION",
        env = "FCLOCAL_REGION",
        default_value = "cn-hangzhou"
    )]
    pub region: String,
    /// The account id functions see (`FC_ACCOUNT_ID`, `context.accountId`).
    #[arg(
        long,
        value_name = "ID",
        env = "FCLOCAL_ACCOUNT_ID",
        default_value = "1234567890"
    )]
    pub account_id: String,
    /// AccessKey ID passed to functions (`context.credentials`).
    #[arg(
        long,
        value_name = "ID",
        env = "ALIBABA_CLOUD_ACCESS_KEY_ID",
        default_value = ""
    )]
    pub access_key_id: String,
    /// AccessKey secret passed to functions.
    #[arg(
        long,
        value_name = "SECRET",
        env = "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub access_key_secret: String,
}

impl HostArgs {
    /// The host settings these flags describe.
    pub fn settings(&self) -> HostSettings {
        HostSettings {
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            credentials: Credentials {
                access_key_id: self.access_key_id.clone(),
                access_key_secret: self.access_key_secret.clone(),
                security_token: String::new(),
            },
            ..HostSettings::default()
        }
    }
}
