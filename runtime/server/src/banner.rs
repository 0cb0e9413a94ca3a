//! The startup banner, in fun's words where fun has them (`HttpTrigger … was
//! registered`, `url:`, `methods:`, `authType:`, `API … was registered`,
//! `function compute app listening on port …!`), plus what fun never had:
//! the credentials signatures are checked against, every timer with its
//! next firing, each event function's FC 3.0 InvokeFunction URL and where
//! FC's 2016-08-15, 2021-04-06 and 2023-03-30 APIs answer.

use std::net::SocketAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use fclocal_engine::FunctionKind;
use fclocal_invoke::Pools;
use fclocal_timers::TimerSpec;

use crate::fc_api::catalog::Catalog;
use crate::fc_api::{read_calls, route::ApiVersion};
use crate::signature::Credentials;
use crate::state::RouteTable;

/// How the credentials are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretDisplay {
    /// Generated for this project: safe to print.
    Show,
    /// Given by the user (flag or environment): never printed.
    Hide,
    /// Generated, but this copy of the banner is for another machine
    /// (`/fclocal/` to a remote client): the secret stays on the terminal.
    Withheld,
}

impl SecretDisplay {
    /// How the banner served to other machines shows the secret: never.
    pub fn withheld(self) -> SecretDisplay {
        match self {
            SecretDisplay::Show => SecretDisplay::Withheld,
            other => other,
        }
    }
}

/// What the banner describes.
pub struct BannerInput<'a> {
    /// The bound address.
    pub address: SocketAddr,
    /// The template's functions.
    pub routes: &'a RouteTable,
    /// The same with their FC 3.0 names.
    pub catalog: &'a Catalog,
    /// The loaded functions (for their kind).
    pub pools: &'a Pools,
    /// Every timer and its next firing.
    pub timers: &'a [(TimerSpec, Option<DateTime<Utc>>)],
    /// The credentials signatures are checked against.
    pub credentials: &'a Credentials,
    /// Whether the secret may be printed.
    pub secret: SecretDisplay,
    /// Whether signatures are checked at all.
    pub verify_signatures: bool,
}

/// The banner's lines.
pub fn banner(input: &BannerInput<'_>) -> Vec<String> {
    let base = format!("http://{}", input.address);
    let mut lines = vec![format!("fclocal listening on {base}")];
    if input.verify_signatures {
        let secret = match input.secret {
            SecretDisplay::Show => input.credentials.access_key_secret.clone(),
            SecretDisplay::Hide => {
                "(as given by --access-key-secret / ALIBABA_CLOUD_ACCESS_KEY_SECRET)".to_owned()
            }
            SecretDisplay::Withheld => {
                "(shown only on the fclocal terminal and to clients on its machine)".to_owned()
            }
        };
        lines.push(format!(
            "Credentials for FUNCTION-auth triggers and the InvokeFunction API: AccessKeyId {}, AccessKeySecret {secret}",
            input.credentials.access_key_id
        ));
    } else {
        lines.push("Signatures are not checked (--no-auth)".to_owned());
    }
    if !input.address.ip().is_loopback() {
        lines.push(format!(
            "Listening beyond loopback on {}: FC triggers and the InvokeFunction API check signatures, but the ledger API, the SLS API (unless --auth), the Marbles websocket and the web pages are admin-grade and answer anyone who can reach this port; expose it only on a network you trust",
            input.address
        ));
    }
    lines.push(String::new());
    for route in input.routes.functions() {
        let label = &route.label;
        if let Some(http) = &route.http {
            lines.push(format!(
                "HttpTrigger {} of {label} was registered",
                http.trigger
            ));
            lines.push(format!("\turl: {base}/2016-08-15/proxy/{label}/"));
            lines.push(format!("\tmethods: {}", http.methods_text()));
            lines.push(format!("\tauthType: {}", http.auth.as_str()));
        } else if input
            .pools
            .function(label)
            .is_some_and(|f| matches!(f.kind(), FunctionKind::Event { .. }))
        {
            let (service, function) = (&route.spec.service, &route.spec.function);
            lines.push(format!("API {label} was registered"));
            lines.push(format!(
                "\turl: {base}/2016-08-15/services/{service}/functions/{function}/invocations/"
            ));
            lines.push(format!(
                "\turl (FC 3.0): {base}/2023-03-30/functions/{}/invocations",
                input.catalog.fc3_name(service, function)
            ));
        }
    }
    for (timer, next) in input.timers {
        match next {
            Some(next) => {
                lines.push(format!(
                    "Timer {} of {}/{} was registered",
                    timer.trigger, timer.service, timer.function
                ));
                lines.push(format!("\tcron: {}", timer.schedule));
                lines.push(format!(
                    "\tnext: {}",
                    next.to_rfc3339_opts(SecondsFormat::Secs, true)
                ));
            }
            None => lines.push(format!(
                "Timer {} of {}/{} is disabled (Enable: false); fire it by hand with `fclocal timer fire {}`",
                timer.trigger,
                timer.service,
                timer.function,
                timer.key()
            )),
        }
    }
    lines.push(String::new());
    lines.push(format!(
        "FC API at endpoint {} (SDKs: endpoint {}, protocol http): 2016-08-15 and 2021-04-06 ({}), 2023-03-30 ({}), InvokeFunction in each; signed with FC's signature or ACS3-HMAC-SHA256; FC 3.0 names a function by its name, or service$function when two services share the name",
        base,
        input.address,
        read_calls(ApiVersion::V2016),
        read_calls(ApiVersion::V2023),
    ));
    lines.push(String::new());
    lines.push(format!(
        "function compute app listening on port {}!",
        input.address.port()
    ));
    lines
}
