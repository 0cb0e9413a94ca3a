//! The transfer rule: what the business changes often, so it lives in a
//! function's environment instead of in chaincode.
//!
//! Kept free of the SDK so it is tested natively like any Rust code.

use serde::{Deserialize, Serialize};

/// Environment variable: an owner may hold at most this many marbles after
/// a transfer. Unset or empty: no limit.
pub const MAX_VAR: &str = "MAX_MARBLES_PER_OWNER";
/// Environment variable: comma-separated colors that may not change hands.
/// Unset or empty: none.
pub const BLOCKED_VAR: &str = "BLOCKED_COLORS";

/// The rule, read from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    /// [`MAX_VAR`].
    pub max_per_owner: Option<u64>,
    /// [`BLOCKED_VAR`], trimmed and lower-cased (the chaincode stores
    /// colors lower-cased), in the order given.
    pub blocked_colors: Vec<String>,
}

/// An owner as the chaincode records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Owner {
    /// State key of the owner, e.g. `o01490985296352SjAyM`.
    pub id: String,
    /// Lower-cased username.
    #[serde(default)]
    pub username: String,
    /// Company.
    #[serde(default)]
    pub company: String,
}

/// The marble being transferred, as stored before the transfer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Marble {
    /// State key, e.g. `m01490985296352SjAyM`.
    pub id: String,
    /// Lower-cased color.
    pub color: String,
    /// Size in mm.
    #[serde(default)]
    pub size: i64,
    /// The current owner.
    pub owner: Owner,
}

/// What the chaincode sends (see the crate's README).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transfer {
    /// The marble.
    pub marble: Marble,
    /// Who gets it.
    pub new_owner: Owner,
    /// How many marbles the new owner holds before the transfer.
    pub new_owner_marble_count: u64,
    /// The transaction asking.
    pub tx_id: String,
}

/// The answer: `{"allowed":true}` or `{"allowed":false,"reason":"…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the transfer may go ahead.
    pub allowed: bool,
    /// Why not, naming the rule and the values; absent when allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Decision {
    fn allow() -> Decision {
        Decision {
            allowed: true,
            reason: None,
        }
    }

    fn deny(reason: String) -> Decision {
        Decision {
            allowed: false,
            reason: Some(reason),
        }
    }
}

impl Rule {
    /// Reads the rule through `var` (`std::env::var` in the function).
    /// A limit that is not a whole number is an error naming the variable
    /// and the fix: a mistyped rule must not silently allow everything.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Rule, String> {
        let max_per_owner = match var(MAX_VAR).as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                format!(
                    "{MAX_VAR} must be a whole number of marbles (or unset for no limit), got `{text}`; fix EnvironmentVariables of validateTransfer in template.yml"
                )
            })?),
        };
        let blocked_colors = var(BLOCKED_VAR)
            .unwrap_or_default()
            .split(',')
            .map(|color| color.trim().to_lowercase())
            .filter(|color| !color.is_empty())
            .collect();
        Ok(Rule {
            max_per_owner,
            blocked_colors,
        })
    }

    /// Decides `transfer`. A transfer to the marble's current owner changes
    /// nothing hands, so it is always allowed. Otherwise a blocked color is
    /// checked first, then the limit.
    pub fn decide(&self, transfer: &Transfer) -> Decision {
        let marble = &transfer.marble;
        if marble.owner.id == transfer.new_owner.id {
            return Decision::allow();
        }
        let color = marble.color.to_lowercase();
        if self.blocked_colors.contains(&color) {
            return Decision::deny(format!(
                "marble {} is {color}, and {color} marbles may not change hands ({BLOCKED_VAR}: {})",
                marble.id,
                self.blocked_colors.join(",")
            ));
        }
        if let Some(max) = self.max_per_owner
            && transfer.new_owner_marble_count >= max
        {
            return Decision::deny(format!(
                "owner {} already holds {} marbles; the limit is {max} ({MAX_VAR})",
                name(&transfer.new_owner),
                transfer.new_owner_marble_count
            ));
        }
        Decision::allow()
    }
}

/// The owner's username, or its id when the record has none.
fn name(owner: &Owner) -> &str {
    if owner.username.is_empty() {
        &owner.id
    } else {
        &owner.username
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    fn transfer(color: &str, count: u64) -> Transfer {
        Transfer {
            marble: Marble {
                id: "m1".into(),
                color: color.into(),
                size: 35,
                owner: Owner {
                    id: "o1".into(),
                    username: "bob".into(),
                    company: "Marble Inc".into(),
                },
            },
            new_owner: Owner {
                id: "o2".into(),
                username: "amy".into(),
                company: "United Marbles".into(),
            },
            new_owner_marble_count: count,
            tx_id: "tx1".into(),
        }
    }

    #[test]
    fn no_variables_means_no_rule() {
        let rule = Rule::from_env(env(&[])).unwrap();
        assert_eq!(rule, Rule::default());
        assert_eq!(rule.decide(&transfer("black", 1_000)), Decision::allow());
        let rule = Rule::from_env(env(&[(MAX_VAR, " "), (BLOCKED_VAR, ", ,")])).unwrap();
        assert_eq!(rule, Rule::default());
    }

    #[test]
    fn blocked_colors_are_trimmed_and_case_insensitive() {
        let rule = Rule::from_env(env(&[(BLOCKED_VAR, " Black, white ,")])).unwrap();
        assert_eq!(rule.blocked_colors, ["black", "white"]);
        assert_eq!(
            rule.decide(&transfer("black", 0)),
            Decision::deny(
                "marble m1 is black, and black marbles may not change hands (BLOCKED_COLORS: black,white)"
                    .into()
            )
        );
        assert!(!rule.decide(&transfer("WHITE", 0)).allowed);
        assert!(rule.decide(&transfer("blue", 0)).allowed);
    }

    #[test]
    fn the_limit_counts_the_marble_being_received() {
        let rule = Rule::from_env(env(&[(MAX_VAR, "3")])).unwrap();
        assert_eq!(rule.max_per_owner, Some(3));
        assert!(
            rule.decide(&transfer("blue", 2)).allowed,
            "2 + 1 = 3 is fine"
        );
        assert_eq!(
            rule.decide(&transfer("blue", 3)),
            Decision::deny(
                "owner amy already holds 3 marbles; the limit is 3 (MAX_MARBLES_PER_OWNER)".into()
            )
        );
        let zero = Rule::from_env(env(&[(MAX_VAR, "0")])).unwrap();
        assert!(!zero.decide(&transfer("blue", 0)).allowed);
    }

    #[test]
    fn color_is_checked_before_the_limit() {
        let rule = Rule::from_env(env(&[(MAX_VAR, "1"), (BLOCKED_VAR, "black")])).unwrap();
        let reason = rule.decide(&transfer("black", 5)).reason.unwrap();
        assert!(reason.contains("BLOCKED_COLORS"), "{reason}");
    }

    #[test]
    fn giving_a_marble_to_its_owner_is_always_allowed() {
        let rule = Rule::from_env(env(&[(MAX_VAR, "0"), (BLOCKED_VAR, "black")])).unwrap();
        let mut to_self = transfer("black", 9);
        to_self.new_owner.id = "o1".into();
        assert!(rule.decide(&to_self).allowed);
    }

    #[test]
    fn an_owner_without_a_username_is_named_by_id() {
        let rule = Rule::from_env(env(&[(MAX_VAR, "1")])).unwrap();
        let mut t = transfer("blue", 1);
        t.new_owner.username.clear();
        let reason = rule.decide(&t).reason.unwrap();
        assert!(
            reason.starts_with("owner o2 already holds 1 marbles"),
            "{reason}"
        );
    }

    #[test]
    fn a_bad_limit_names_the_variable_and_the_fix() {
        for bad in ["three", "-1", "2.5"] {
            let err = Rule::from_env(env(&[(MAX_VAR, bad)])).unwrap_err();
            assert!(
                err.starts_with("MAX_MARBLES_PER_OWNER must be a whole number"),
                "{err}"
            );
            assert!(err.contains(&format!("got `{bad}`")), "{err}");
            assert!(err.contains("template.yml"), "{err}");
        }
    }

    #[test]
    fn decisions_serialize_as_documented() {
        assert_eq!(
            serde_json::to_string(&Decision::allow()).unwrap(),
            r#"{"allowed":true}"#
        );
        assert_eq!(
            serde_json::to_string(&Decision::deny("no".into())).unwrap(),
            r#"{"allowed":false,"reason":"no"}"#
        );
    }

    #[test]
    fn the_documented_input_parses() {
        let text = r#"{"marble":{"id":"m1","color":"blue","size":35,"owner":{"id":"o1","username":"bob","company":"Marble Inc"}},"newOwner":{"id":"o2","username":"amy","company":"United Marbles"},"newOwnerMarbleCount":2,"txId":"tx1"}"#;
        let parsed: Transfer = serde_json::from_str(text).unwrap();
        assert_eq!(parsed, transfer("blue", 2));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
    }
}
