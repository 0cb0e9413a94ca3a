//! What `serve-function` reads from its own environment: the function's
//! variables, the port, and whether it runs on Function Compute at all
//! (which decides the address it listens on).

use std::env::VarError;
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};

use anyhow::Context as _;
use fclocal_custom_runtime::DEFAULT_PORT;

/// Variables FC sets in every instance and a packaged `bootstrap` does not
/// set itself (it exports `FC_SERVER_PORT`, so that one proves nothing).
pub const FC_MARKERS: [&str; 2] = ["FC_FUNC_CODE_PATH", "FC_INSTANCE_ID"];

/// The process's environment as the function's (on FC: its
/// EnvironmentVariables and FC's own). A WASI environment holds strings, so
/// a variable whose name or value is not UTF-8 is left out, never a panic,
/// and named (lossily) through `skipped` so the user learns why the
/// function does not see it.
pub fn function_environment(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
    mut skipped: impl FnMut(&str),
) -> Vec<(String, String)> {
    vars.into_iter()
        .filter_map(
            |(name, value)| match (name.into_string(), value.into_string()) {
                (Ok(name), Ok(value)) => Some((name, value)),
                (Ok(name), Err(_)) => {
                    skipped(&name);
                    None
                }
                (Err(name), _) => {
                    skipped(&name.to_string_lossy());
                    None
                }
            },
        )
        .collect()
}

/// The warning `serve-function` prints for each variable left out.
pub fn skipped_warning(name: &str) -> String {
    format!(
        "fclocal serve-function: warning: environment variable {name} is not valid UTF-8 (name or value); the function will not see it"
    )
}

/// Where to listen, and why (for the status line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenHost {
    /// The address.
    pub address: IpAddr,
    /// Why this one, as the status line says it.
    pub why: String,
}

/// `--host` when given; else all interfaces when FC's environment is
/// present (`marker`, the first of [`FC_MARKERS`] set), because FC's front
/// end reaches the runtime only on 0.0.0.0; else loopback, because nothing
/// authenticates a caller and the developer's own `ALIBABA_CLOUD_*`
/// credentials may be what functions get: on a laptop, anyone on the
/// network could invoke them.
pub fn listen_host(flag: Option<IpAddr>, marker: Option<&str>) -> ListenHost {
    match (flag, marker) {
        (Some(address), _) => ListenHost {
            address,
            why: "the address --host gives".to_owned(),
        },
        (None, Some(marker)) => ListenHost {
            address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            why: format!("all interfaces, as FC requires: {marker} is set"),
        },
        (None, None) => ListenHost {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            why: format!(
                "this machine only: no FC environment ({} unset) and no caller is authenticated; pass --host 0.0.0.0 to accept other machines",
                FC_MARKERS.join(", ")
            ),
        },
    }
}

/// The first of [`FC_MARKERS`] set in the process's environment.
pub fn fc_marker() -> Option<&'static str> {
    FC_MARKERS
        .into_iter()
        .find(|name| std::env::var_os(name).is_some())
}

/// `FC_SERVER_PORT` (fc-docker's images, Serverless Devs, the packaged
/// bootstrap), else `FC_CUSTOM_LISTEN_PORT` (FC's documented variable),
/// else 9000.
pub fn port_from_env() -> anyhow::Result<u16> {
    for name in ["FC_SERVER_PORT", "FC_CUSTOM_LISTEN_PORT"] {
        match std::env::var(name) {
            Ok(value) => {
                return value
                    .trim()
                    .parse()
                    .with_context(|| format!("{name} must be a port number, got {value:?}"));
            }
            Err(VarError::NotPresent) => {}
            Err(VarError::NotUnicode(value)) => {
                anyhow::bail!(
                    "{name} must be a port number, got {:?} (not UTF-8)",
                    value.to_string_lossy()
                )
            }
        }
    }
    Ok(DEFAULT_PORT)
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt as _;

    use super::*;

    #[test]
    fn variables_that_are_not_utf8_are_left_out_and_named() {
        let os = |text: &str| OsString::from(text);
        let vars = vec![
            (os("GREETING"), os("hi")),
            (OsString::from_vec(b"BAD_\xffNAME".to_vec()), os("x")),
            (os("BAD_VALUE"), OsString::from_vec(b"caf\xe9".to_vec())),
            (os("FC_REGION"), os("cn-hangzhou")),
        ];
        let mut skipped = Vec::new();
        let environment = function_environment(vars, |name| skipped.push(name.to_owned()));
        assert_eq!(
            environment,
            [
                ("GREETING".to_owned(), "hi".to_owned()),
                ("FC_REGION".to_owned(), "cn-hangzhou".to_owned()),
            ]
        );
        assert_eq!(skipped, ["BAD_\u{fffd}NAME", "BAD_VALUE"]);
        assert!(skipped_warning("BAD_VALUE").contains("environment variable BAD_VALUE"));
    }

    #[test]
    fn the_address_is_all_interfaces_only_on_fc_or_when_asked() {
        let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let on_fc = listen_host(None, Some("FC_INSTANCE_ID"));
        assert_eq!(on_fc.address, any);
        assert!(on_fc.why.contains("FC_INSTANCE_ID is set"), "{}", on_fc.why);
        let laptop = listen_host(None, None);
        assert_eq!(laptop.address, local);
        assert!(laptop.why.contains("--host 0.0.0.0"), "{}", laptop.why);
        assert_eq!(listen_host(Some(any), None).address, any);
        assert_eq!(
            listen_host(Some(local), Some("FC_FUNC_CODE_PATH")).address,
            local
        );
    }
}
