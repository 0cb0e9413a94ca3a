//! The classic Marbles websocket protocol: what browsers send (parsed into
//! [`ClientMessage`], with a clear error for anything else) and the server's
//! messages (`app_state`, `block`, `everything`, `history`, `tx_step`,
//! `tx_error`, `error`), with the field names of `websocket_server_side.js`.
//!
//! fclocal's one addition: any message may carry `authed_by_company`, the
//! company the browser acts as (the demo shows two companies, one per
//! organization); without it the server's own company is used, as classic does.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The client message types, in the order error messages list them.
pub const CLIENT_TYPES: [&str; 8] = [
    "create",
    "transfer_marble",
    "delete_marble",
    "read_everything",
    "audit",
    "disable_owner",
    "setup",
    "ping",
];

/// A parsed client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `create`: a new marble for `owner_id`.
    Create {
        /// Lower-cased by the chaincode.
        color: String,
        /// `35` or `16` (the chaincode checks it is numeric).
        size: String,
        /// The owner.
        owner_id: String,
        /// The acting company, if the browser named one.
        authed_by_company: Option<String>,
    },
    /// `transfer_marble`: give marble `id` to `owner_id`.
    Transfer {
        /// The marble.
        id: String,
        /// The new owner.
        owner_id: String,
        /// The acting company.
        authed_by_company: Option<String>,
    },
    /// `delete_marble`.
    Delete {
        /// The marble.
        id: String,
        /// The acting company.
        authed_by_company: Option<String>,
    },
    /// `read_everything`: answered with `block` and `everything`.
    ReadEverything,
    /// `audit`: a marble's history.
    Audit {
        /// The marble.
        marble_id: String,
    },
    /// `disable_owner`.
    DisableOwner {
        /// The owner.
        owner_id: String,
        /// The acting company.
        authed_by_company: Option<String>,
    },
    /// `setup`: classic's setup walk-through; fclocal sets itself up, so it is
    /// answered with the current `app_state`.
    Setup,
    /// `ping`: keep-alive, ignored.
    Ping,
}

impl ClientMessage {
    /// The `type` as sent, for the event call-out (`?type=`).
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMessage::Create { .. } => "create",
            ClientMessage::Transfer { .. } => "transfer_marble",
            ClientMessage::Delete { .. } => "delete_marble",
            ClientMessage::ReadEverything => "read_everything",
            ClientMessage::Audit { .. } => "audit",
            ClientMessage::DisableOwner { .. } => "disable_owner",
            ClientMessage::Setup => "setup",
            ClientMessage::Ping => "ping",
        }
    }

    /// Whether the message is reported to the event call-out (all but `setup`
    /// and `ping`, as the walkthrough's scenario 1 describes).
    pub fn is_event(&self) -> bool {
        !matches!(self, ClientMessage::Setup | ClientMessage::Ping)
    }
}

/// Why a client message was refused; its text is sent back in an `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessage(pub String);

impl std::fmt::Display for BadMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Deserialize)]
struct CreateFields {
    color: String,
    size: Scalar,
    owner_id: String,
    authed_by_company: Option<String>,
}

#[derive(Deserialize)]
struct TransferFields {
    id: String,
    owner_id: String,
    authed_by_company: Option<String>,
}

#[derive(Deserialize)]
struct DeleteFields {
    id: String,
    authed_by_company: Option<String>,
}

#[derive(Deserialize)]
struct AuditFields {
    marble_id: String,
}

#[derive(Deserialize)]
struct DisableFields {
    owner_id: String,
    authed_by_company: Option<String>,
}

/// A size sent as `"35"` (classic's form) or `35`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Number(number) => number.to_string(),
        }
    }
}

/// Parses one websocket text frame.
pub fn parse(text: &str) -> Result<ClientMessage, BadMessage> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        BadMessage(format!(
            "the message is not JSON ({e}); send a JSON object with a \"type\""
        ))
    })?;
    let Some(kind) = value.get("type") else {
        return Err(BadMessage(format!(
            "the message has no \"type\"; expected one of {}",
            CLIENT_TYPES.join(", ")
        )));
    };
    let Some(kind) = kind.as_str().map(str::to_owned) else {
        return Err(BadMessage(format!(
            "\"type\" must be a string, got {kind}; expected one of {}",
            CLIENT_TYPES.join(", ")
        )));
    };
    let kind = kind.as_str();
    Ok(match kind {
        "create" => {
            let f: CreateFields = fields(kind, value)?;
            ClientMessage::Create {
                color: f.color,
                size: f.size.into_text(),
                owner_id: f.owner_id,
                authed_by_company: f.authed_by_company,
            }
        }
        "transfer_marble" => {
            let f: TransferFields = fields(kind, value)?;
            ClientMessage::Transfer {
                id: f.id,
                owner_id: f.owner_id,
                authed_by_company: f.authed_by_company,
            }
        }
        "delete_marble" => {
            let f: DeleteFields = fields(kind, value)?;
            ClientMessage::Delete {
                id: f.id,
                authed_by_company: f.authed_by_company,
            }
        }
        "read_everything" => ClientMessage::ReadEverything,
        "audit" => {
            let f: AuditFields = fields(kind, value)?;
            ClientMessage::Audit {
                marble_id: f.marble_id,
            }
        }
        "disable_owner" => {
            let f: DisableFields = fields(kind, value)?;
            ClientMessage::DisableOwner {
                owner_id: f.owner_id,
                authed_by_company: f.authed_by_company,
            }
        }
        "setup" => ClientMessage::Setup,
        "ping" => ClientMessage::Ping,
        other => {
            return Err(BadMessage(format!(
                "unknown message type '{other}'; expected one of {}",
                CLIENT_TYPES.join(", ")
            )));
        }
    })
}

fn fields<T: DeserializeOwned>(kind: &str, value: Value) -> Result<T, BadMessage> {
    serde_json::from_value(value).map_err(|e| BadMessage(format!("bad '{kind}' message: {e}")))
}

/// `{"msg":"error","e":<text>}`.
pub fn error(text: &str) -> Value {
    json!({"msg": "error", "e": text})
}

/// `{"msg":"block","e":null,"block_height":N[,"block_delay":ms]}`.
pub fn block(height: u64, block_delay_ms: Option<u64>) -> Value {
    let mut message = json!({"msg": "block", "e": null, "block_height": height});
    if let Some(delay) = block_delay_ms {
        message["block_delay"] = json!(delay);
    }
    message
}

/// `{"msg":"everything","e":null,"everything":{owners, marbles}}`.
pub fn everything(everything: &Value) -> Value {
    json!({"msg": "everything", "e": null, "everything": everything})
}

/// `{"msg":"tx_step","state":...}` plus fclocal's `tx_id` and the message
/// `type` that started the transaction (so the story can name it).
pub fn tx_step(state: &str, tx_id: &str, kind: &str) -> Value {
    json!({"msg": "tx_step", "state": state, "tx_id": tx_id, "type": kind})
}

/// `{"msg":"tx_error","e":{"parsed","raw"},"input":...}`.
pub fn tx_error(parsed: &str, raw: &str, input: &Value) -> Value {
    json!({"msg": "tx_error", "e": {"parsed": parsed, "raw": raw}, "input": input})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_messages_parse_with_their_extra_fields() {
        let create = parse(
            r#"{"type":"create","color":"red","size":"35","username":"amy","company":"United Marbles","owner_id":"o1","v":1}"#,
        )
        .unwrap();
        assert_eq!(
            create,
            ClientMessage::Create {
                color: "red".into(),
                size: "35".into(),
                owner_id: "o1".into(),
                authed_by_company: None
            }
        );
        let create = parse(r#"{"type":"create","color":"red","size":16,"owner_id":"o1","authed_by_company":"Marble Inc"}"#).unwrap();
        assert!(
            matches!(create, ClientMessage::Create { ref size, authed_by_company: Some(ref c), .. } if size == "16" && c == "Marble Inc")
        );
        assert_eq!(
            parse(r#"{"type":"transfer_marble","id":"m1","owner_id":"o2","v":1}"#).unwrap(),
            ClientMessage::Transfer {
                id: "m1".into(),
                owner_id: "o2".into(),
                authed_by_company: None
            }
        );
        assert_eq!(
            parse(r#"{"type":"audit","marble_id":"m1"}"#).unwrap(),
            ClientMessage::Audit {
                marble_id: "m1".into()
            }
        );
        assert_eq!(
            parse(r#"{"type":"read_everything","v":1}"#).unwrap(),
            ClientMessage::ReadEverything
        );
        assert_eq!(parse(r#"{"type":"ping"}"#).unwrap(), ClientMessage::Ping);
        assert_eq!(
            parse(r#"{"type":"setup","configure":"register"}"#).unwrap(),
            ClientMessage::Setup
        );
    }

    #[test]
    fn only_ledger_events_go_to_the_call_out() {
        assert!(
            parse(r#"{"type":"delete_marble","id":"m"}"#)
                .unwrap()
                .is_event()
        );
        assert!(ClientMessage::ReadEverything.is_event());
        assert!(!ClientMessage::Setup.is_event());
        assert!(!ClientMessage::Ping.is_event());
    }

    #[test]
    fn bad_messages_are_explained() {
        let not_json = parse("hello").unwrap_err().0;
        assert!(
            not_json.starts_with("the message is not JSON"),
            "{not_json}"
        );
        let unknown = parse(r#"{"type":"trade"}"#).unwrap_err().0;
        assert_eq!(
            unknown,
            "unknown message type 'trade'; expected one of create, transfer_marble, delete_marble, read_everything, audit, disable_owner, setup, ping"
        );
        let untyped = parse(r#"{"id":"m1"}"#).unwrap_err().0;
        assert!(
            untyped.starts_with("the message has no \"type\""),
            "{untyped}"
        );
        let numeric_type = parse(r#"{"type":3}"#).unwrap_err().0;
        assert!(
            numeric_type.starts_with("\"type\" must be a string"),
            "{numeric_type}"
        );
        let missing = parse(r#"{"type":"transfer_marble","id":"m1"}"#)
            .unwrap_err()
            .0;
        assert!(
            missing.contains("bad 'transfer_marble' message") && missing.contains("owner_id"),
            "{missing}"
        );
    }

    #[test]
    fn server_messages_use_classic_field_names() {
        assert_eq!(
            block(3, Some(100)),
            json!({"msg":"block","e":null,"block_height":3,"block_delay":100})
        );
        assert_eq!(error("x"), json!({"msg":"error","e":"x"}));
        let e = tx_error("denied", "raw text", &json!({"type":"create"}));
        assert_eq!(e["e"]["parsed"], "denied");
        assert_eq!(e["input"]["type"], "create");
        assert_eq!(tx_step("ordering", "t1", "create")["state"], "ordering");
    }
}
