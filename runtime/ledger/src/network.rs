//! The network file: channel, organizations and their peers, chaincodes with their
//! endorsement policies, orderer batch settings and event topics.
//!
//! ```yaml
//! Channel: mychannel
//! Organizations:            # in order; the first one's client submits by default
//!   Org1MSP:
//!     Peers: [peer0]
//!   Org2MSP:
//!     Peers: [peer0, peer1]
//! Chaincodes:
//!   marbles:
//!     CodeUri: ./marbles    # the crate that builds it (or folder holding it), relative to this file
//!     Handler: marbles.wasm # optional: the component file; default CodeUri's last part + .wasm
//!     EndorsementPolicy: "AND('Org1MSP.peer', 'Org2MSP.peer')"
//! Orderer:                  # every key optional; Fabric's defaults shown
//!   BatchTimeout: 2s        # ms, s or m
//!   MaxMessageCount: 500
//!   PreferredMaxBytes: 2 MB # a byte count, or a number with B, KB or MB (1024-based)
//!   AbsoluteMaxBytes: 10 MB
//! EventTopics:              # optional: Message Service topics fed by ledger events
//!   marbles-events:
//!     Source: chaincode     # blocks | chaincode
//!     Chaincode: marbles    # required for chaincode
//!     EventNames: [transfer]  # optional filter; all events when absent
//! ```
//!
//! Unknown properties are errors naming the property and its `line:column`, like every
//! other problem in the file: typos must not be silently ignored.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::{Location, MessageFormatter, Spanned, UserMessageFormatter};
use thiserror::Error;

use crate::orderer::BatchConfig;
use crate::policy::Policy;

/// A problem in the network file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct NetworkError {
    /// The file name as given.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// An organization and its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgConfig {
    /// MSP id, e.g. `Org1MSP`.
    pub msp_id: String,
    /// Peer names, e.g. `peer0`.
    pub peers: Vec<String>,
}

/// A chaincode deployed on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeConfig {
    /// Name (the state namespace).
    pub name: String,
    /// Where its code is, relative to the network file: a Cargo crate that builds the
    /// component, or the folder holding it (resolved by the host).
    pub code_uri: String,
    /// The component file, e.g. `marbles.wasm` (default: CodeUri's last part + `.wasm`),
    /// named like an FC function's `Handler`.
    pub handler: String,
    /// Its endorsement policy.
    pub policy: Policy,
}

/// What feeds an event topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSource {
    /// Every committed block.
    Blocks,
    /// Chaincode events of one chaincode, optionally only some names.
    Chaincode {
        /// The chaincode.
        chaincode: String,
        /// Event names to forward; empty means all.
        event_names: Vec<String>,
    },
}

/// A Message Service topic fed by ledger events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTopic {
    /// Topic name.
    pub name: String,
    /// What feeds it.
    pub source: EventSource,
}

/// A parsed and checked network file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// The channel name.
    pub channel: String,
    /// Organizations in file order.
    pub organizations: Vec<OrgConfig>,
    /// Chaincodes in file order.
    pub chaincodes: Vec<ChaincodeConfig>,
    /// Orderer batch settings.
    pub orderer: BatchConfig,
    /// Event topics in file order.
    pub event_topics: Vec<EventTopic>,
}

/// A YAML mapping kept in file order.
#[derive(Debug)]
struct Ordered<V>(Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of names to settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<Spanned<String>, V>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Ordered(Vec::new()))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawNetwork {
    channel: Spanned<String>,
    organizations: Ordered<RawOrg>,
    #[serde(default)]
    chaincodes: Option<Ordered<RawChaincode>>,
    #[serde(default)]
    orderer: Option<RawOrderer>,
    #[serde(default)]
    event_topics: Option<Ordered<RawTopic>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawOrg {
    peers: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawChaincode {
    code_uri: String,
    handler: Option<String>,
    endorsement_policy: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawOrderer {
    batch_timeout: Option<Spanned<String>>,
    max_message_count: Option<Spanned<u64>>,
    preferred_max_bytes: Option<Spanned<SizeValue>>,
    absolute_max_bytes: Option<Spanned<SizeValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawTopic {
    source: Spanned<String>,
    chaincode: Option<Spanned<String>>,
    event_names: Option<Vec<String>>,
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, at: &Location, message: impl Into<String>) -> NetworkError {
        NetworkError {
            file: self.file.to_string(),
            line: at.line(),
            column: at.column(),
            message: message.into(),
        }
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !s.starts_with('.')
}

impl NetworkConfig {
    /// Reads and parses a network file.
    pub fn load(path: &Path) -> Result<NetworkConfig, NetworkError> {
        let source = std::fs::read_to_string(path).map_err(|e| NetworkError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the network file: {e}; check the path"),
        })?;
        NetworkConfig::parse(&source, &path.display().to_string())
    }

    /// Parses network file text; `file` names it in errors.
    pub fn parse(source: &str, file: &str) -> Result<NetworkConfig, NetworkError> {
        let ctx = Ctx { file };
        let raw: RawNetwork = serde_saphyr::from_str(source).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            NetworkError {
                file: file.to_string(),
                line,
                column,
                message: UserMessageFormatter.format_message(&e).to_string(),
            }
        })?;

        let channel = raw.channel.value.clone();
        if channel.is_empty()
            || !channel
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'))
        {
            return Err(ctx.err(
                &raw.channel.referenced,
                format!("channel name `{channel}` must be lowercase letters, digits, '.' or '-' (e.g. mychannel)"),
            ));
        }

        let mut organizations = Vec::new();
        for (name, org) in raw.organizations.0 {
            if !valid_name(&name.value) {
                return Err(ctx.err(
                    &name.referenced,
                    format!(
                        "MSP id `{}` may contain only letters, digits, '.', '-' and '_'",
                        name.value
                    ),
                ));
            }
            if organizations
                .iter()
                .any(|o: &OrgConfig| o.msp_id == name.value)
            {
                return Err(ctx.err(
                    &name.referenced,
                    format!(
                        "organization `{}` is listed twice; merge the two entries",
                        name.value
                    ),
                ));
            }
            if org.peers.is_empty() {
                return Err(ctx.err(
                    &name.referenced,
                    format!(
                        "organization `{}` has no peers; add `Peers: [peer0]`",
                        name.value
                    ),
                ));
            }
            let mut peers: Vec<String> = Vec::new();
            for p in org.peers {
                if !valid_name(&p.value) {
                    return Err(ctx.err(
                        &p.referenced,
                        format!(
                            "peer name `{}` may contain only letters, digits, '.', '-' and '_'",
                            p.value
                        ),
                    ));
                }
                if peers.contains(&p.value) {
                    return Err(ctx.err(
                        &p.referenced,
                        format!("peer `{}` is listed twice in `{}`", p.value, name.value),
                    ));
                }
                peers.push(p.value);
            }
            organizations.push(OrgConfig {
                msp_id: name.value,
                peers,
            });
        }
        if organizations.is_empty() {
            return Err(ctx.err(
                &raw.channel.referenced,
                "the network has no organizations; add one under `Organizations:`",
            ));
        }

        let mut chaincodes = Vec::new();
        for (name, cc) in raw.chaincodes.map(|c| c.0).unwrap_or_default() {
            if !valid_name(&name.value) {
                return Err(ctx.err(
                    &name.referenced,
                    format!(
                        "chaincode name `{}` may contain only letters, digits, '.', '-' and '_'",
                        name.value
                    ),
                ));
            }
            if chaincodes
                .iter()
                .any(|c: &ChaincodeConfig| c.name == name.value)
            {
                return Err(ctx.err(
                    &name.referenced,
                    format!("chaincode `{}` is listed twice", name.value),
                ));
            }
            let text = &cc.endorsement_policy;
            let policy =
                Policy::parse(&text.value).map_err(|e| ctx.err(&text.referenced, e.to_string()))?;
            for msp in policy.msp_ids() {
                if !organizations.iter().any(|o| o.msp_id == msp) {
                    return Err(ctx.err(&text.referenced, format!("the endorsement policy of `{}` names `{msp}`, which is not under `Organizations:`", name.value)));
                }
            }
            let handler = cc.handler.unwrap_or_else(|| {
                let stem = cc
                    .code_uri
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                format!("{stem}.wasm")
            });
            chaincodes.push(ChaincodeConfig {
                name: name.value,
                code_uri: cc.code_uri,
                handler,
                policy,
            });
        }

        let mut orderer = BatchConfig::default();
        if let Some(o) = raw.orderer {
            if let Some(t) = o.batch_timeout {
                orderer.batch_timeout = parse_duration(&t.value).ok_or_else(|| {
                    ctx.err(
                        &t.referenced,
                        format!(
                            "BatchTimeout `{}` is not a duration; write e.g. 2s, 500ms or 1m",
                            t.value
                        ),
                    )
                })?;
            }
            if let Some(n) = o.max_message_count {
                if n.value == 0 {
                    return Err(ctx.err(&n.referenced, "MaxMessageCount must be at least 1"));
                }
                orderer.max_message_count = usize::try_from(n.value).unwrap_or(usize::MAX);
            }
            for (field, target) in [
                ("PreferredMaxBytes", o.preferred_max_bytes),
                ("AbsoluteMaxBytes", o.absolute_max_bytes),
            ] {
                if let Some(v) = target {
                    let bytes = match &v.value {
                        SizeValue::Bytes(n) => Some(*n),
                        SizeValue::Text(s) => parse_size(s),
                    }
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ctx.err(&v.referenced, format!("{field} must be a positive byte count such as 524288, 512 KB or 2 MB")))?;
                    let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
                    if field == "PreferredMaxBytes" {
                        orderer.preferred_max_bytes = bytes;
                    } else {
                        orderer.absolute_max_bytes = bytes;
                    }
                }
            }
        }

        let mut event_topics = Vec::new();
        for (name, topic) in raw.event_topics.map(|t| t.0).unwrap_or_default() {
            let source = match topic.source.value.as_str() {
                "blocks" => {
                    if let Some(cc) = &topic.chaincode {
                        return Err(ctx.err(&cc.referenced, format!("topic `{}` takes blocks, so `Chaincode` does not apply; remove it or use `Source: chaincode`", name.value)));
                    }
                    EventSource::Blocks
                }
                "chaincode" => {
                    let Some(cc) = topic.chaincode else {
                        return Err(ctx.err(
                            &topic.source.referenced,
                            format!(
                                "topic `{}` takes chaincode events: add `Chaincode: <name>`",
                                name.value
                            ),
                        ));
                    };
                    if !chaincodes.iter().any(|c| c.name == cc.value) {
                        return Err(ctx.err(
                            &cc.referenced,
                            format!(
                                "topic `{}` names chaincode `{}`, which is not under `Chaincodes:`",
                                name.value, cc.value
                            ),
                        ));
                    }
                    EventSource::Chaincode {
                        chaincode: cc.value,
                        event_names: topic.event_names.unwrap_or_default(),
                    }
                }
                other => {
                    return Err(ctx.err(
                        &topic.source.referenced,
                        format!("unknown event Source `{other}`; use `blocks` or `chaincode`"),
                    ));
                }
            };
            event_topics.push(EventTopic {
                name: name.value,
                source,
            });
        }

        Ok(NetworkConfig {
            channel,
            organizations,
            chaincodes,
            orderer,
            event_topics,
        })
    }

    /// The organization `msp_id`.
    pub fn organization(&self, msp_id: &str) -> Option<&OrgConfig> {
        self.organizations.iter().find(|o| o.msp_id == msp_id)
    }

    /// The chaincode `name`.
    pub fn chaincode(&self, name: &str) -> Option<&ChaincodeConfig> {
        self.chaincodes.iter().find(|c| c.name == name)
    }
}

/// `500ms`, `2s`, `1m`, `1.5s`.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// `524288`, `512 KB`, `2 MB`, `100B` (1024-based, as Fabric's configtx).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let factor = match s[split..].trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" => 1024,
        "MB" => 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
Channel: mychannel
Organizations:
  Org2MSP:
    Peers: [peer0, peer1]
  Org1MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: ./marbles
    EndorsementPolicy: \"AND('Org1MSP.peer', 'Org2MSP.peer')\"
Orderer:
  BatchTimeout: 500ms
  MaxMessageCount: 10
  PreferredMaxBytes: 512 KB
  AbsoluteMaxBytes: 1048576
EventTopics:
  marbles-events:
    Source: chaincode
    Chaincode: marbles
    EventNames: [transfer]
  blocks:
    Source: blocks
";

    #[test]
    fn parses_a_full_file_in_order() {
        let n = NetworkConfig::parse(GOOD, "network.yml").unwrap();
        assert_eq!(n.channel, "mychannel");
        let orgs: Vec<&str> = n.organizations.iter().map(|o| o.msp_id.as_str()).collect();
        assert_eq!(orgs, vec!["Org2MSP", "Org1MSP"]);
        assert_eq!(n.organizations[0].peers, vec!["peer0", "peer1"]);
        let cc = n.chaincode("marbles").unwrap();
        assert_eq!(cc.code_uri, "./marbles");
        assert_eq!(cc.handler, "marbles.wasm");
        assert_eq!(
            cc.policy,
            Policy::parse("AND('Org1MSP.peer','Org2MSP.peer')").unwrap()
        );
        assert_eq!(n.orderer.batch_timeout, Duration::from_millis(500));
        assert_eq!(n.orderer.max_message_count, 10);
        assert_eq!(n.orderer.preferred_max_bytes, 512 * 1024);
        assert_eq!(n.orderer.absolute_max_bytes, 1024 * 1024);
        assert_eq!(n.event_topics[1].source, EventSource::Blocks);
        assert_eq!(
            n.event_topics[0].source,
            EventSource::Chaincode {
                chaincode: "marbles".into(),
                event_names: vec!["transfer".into()]
            }
        );
    }

    #[test]
    fn defaults_apply_when_optional_sections_are_missing() {
        let n = NetworkConfig::parse(
            "Channel: ch\nOrganizations:\n  A:\n    Peers: [p]\n",
            "n.yml",
        )
        .unwrap();
        assert_eq!(n.orderer, BatchConfig::default());
        assert!(n.chaincodes.is_empty() && n.event_topics.is_empty());
    }

    fn err(source: &str) -> NetworkError {
        NetworkConfig::parse(source, "n.yml").unwrap_err()
    }

    #[test]
    fn unknown_properties_are_errors_with_positions() {
        let e = err("Channel: ch\nOrganizations:\n  A:\n    Peers: [p]\n    Pears: [q]\n");
        assert!(e.message.contains("Pears"), "{e}");
        assert_eq!(e.line, 5, "{e}");
        assert!(e.to_string().starts_with("n.yml:5:"), "{e}");

        let e = err("Channel: ch\nOrganisations: {}\n");
        assert!(e.message.contains("Organisations"), "{e}");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn semantic_errors_point_at_the_value() {
        let base = "Channel: ch\nOrganizations:\n  Org1MSP:\n    Peers: [p]\n";
        let e = err(&format!(
            "{base}Chaincodes:\n  cc:\n    CodeUri: x\n    EndorsementPolicy: AND('Org1MSP.peer'\n"
        ));
        assert_eq!((e.line, e.column), (8, 24), "{e}");
        assert!(e.message.contains("found the end of the policy"), "{e}");

        let e = err(&format!(
            "{base}Chaincodes:\n  cc:\n    CodeUri: x\n    EndorsementPolicy: \"'Org9MSP.peer'\"\n"
        ));
        assert!(e.message.contains("names `Org9MSP`"), "{e}");

        let e = err(&format!("{base}Orderer:\n  BatchTimeout: soon\n"));
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("2s, 500ms"), "{e}");

        let e = err(&format!("{base}Orderer:\n  PreferredMaxBytes: 2 GBs\n"));
        assert!(e.message.contains("512 KB"), "{e}");

        let e = err(&format!(
            "{base}EventTopics:\n  t:\n    Source: chaincode\n"
        ));
        assert!(e.message.contains("add `Chaincode: <name>`"), "{e}");

        let e = err("Channel: My Channel\nOrganizations:\n  A:\n    Peers: [p]\n");
        assert_eq!((e.line, e.column), (1, 10), "{e}");

        let e = err("Channel: ch\nOrganizations:\n  A:\n    Peers: []\n");
        assert!(e.message.contains("has no peers"), "{e}");
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("2 MB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("100B"), Some(100));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("1 TB"), None);
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("2"), None);
    }
}
