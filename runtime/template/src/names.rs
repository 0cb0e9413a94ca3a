//! Validated names: services, functions and triggers.
//!
//! Names end up in URLs (`/2016-08-15/proxy/{service}/{function}/`), log fields and
//! CLI arguments, so they are checked once, at load, against the patterns fun's schema
//! uses, and carried as newtypes afterwards.

use std::fmt;
use std::ops::Deref;

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} name `{name}`: {reason}")]
pub struct NameError {
    /// What was being named (`service`, `function`, `trigger`).
    pub kind: &'static str,
    /// The rejected name.
    pub name: String,
    /// What rule it breaks.
    pub reason: String,
}

/// Checks `[a-zA-Z_][a-zA-Z0-9_-]{0,127}`: the shape shared by all three names.
fn check(kind: &'static str, name: &str) -> Result<(), NameError> {
    let err = |reason: String| NameError {
        kind,
        name: name.to_owned(),
        reason,
    };
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(err("it is empty".into()));
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(err(format!(
            "it must start with a letter or `_`, not `{first}`"
        )));
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
        return Err(err(format!(
            "it may contain only letters, digits, `_` and `-`, not `{bad}`"
        )));
    }
    if name.len() > 128 {
        return Err(err(format!(
            "it is {} characters long; the limit is 128",
            name.len()
        )));
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $kind:literal, $extra:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            /// The name as written in the template.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = NameError;

            fn try_from(name: &str) -> Result<Self, NameError> {
                check($kind, name)?;
                let extra: fn(&str) -> Result<(), String> = $extra;
                extra(name).map_err(|reason| NameError {
                    kind: $kind,
                    name: name.to_owned(),
                    reason,
                })?;
                Ok($ty(name.to_owned()))
            }
        }

        impl TryFrom<String> for $ty {
            type Error = NameError;

            fn try_from(name: String) -> Result<Self, NameError> {
                $ty::try_from(name.as_str())
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $ty {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

name_type!(
    /// A service name (the resource key of an `Aliyun::Serverless::Service`).
    ///
    /// FC's rule: letters, digits, `_` and `-`, starting with a letter or `_`, at most 128
    /// characters. (fun's generic resource-key pattern also allows `.`, but FC rejects it
    /// for services and it would be ambiguous in trigger URLs.)
    ServiceName,
    "service",
    |_| Ok(())
);

name_type!(
    /// A function name (a key under its service), pattern
    /// `^(?!Type|Properties)[a-zA-Z_][a-zA-Z0-9_-]{0,127}$` from fun's `service-resource.js`.
    ///
    /// The lookahead in that pattern rejects every name that merely *begins* with `Type` or
    /// `Properties` (`TypeCheck` too); we keep it so templates stay deployable with fun.
    FunctionName,
    "function",
    |name| {
        for reserved in ["Type", "Properties"] {
            if name.starts_with(reserved) {
                return Err(format!(
                    "fun's schema reserves names beginning with `{reserved}` \
                     (they clash with the service's own `{reserved}` key)"
                ));
            }
        }
        Ok(())
    }
);

name_type!(
    /// A trigger name (a key under a function's `Events`), pattern
    /// `^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$` from fun's `function.js`.
    TriggerName,
    "trigger",
    |_| Ok(())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typical_names() {
        for name in [
            "marblesFC",
            "process-event",
            "_x",
            "a_b-c9",
            &"a".repeat(128),
        ] {
            assert!(ServiceName::try_from(name).is_ok(), "{name}");
            assert!(FunctionName::try_from(name).is_ok(), "{name}");
            assert!(TriggerName::try_from(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn rejects_bad_shapes_with_a_reason() {
        let cases = [
            ("", "it is empty"),
            ("9lives", "it must start with a letter or `_`, not `9`"),
            ("-x", "it must start with a letter or `_`, not `-`"),
            (
                "a.b",
                "it may contain only letters, digits, `_` and `-`, not `.`",
            ),
            (
                "a b",
                "it may contain only letters, digits, `_` and `-`, not ` `",
            ),
            ("é", "it must start with a letter or `_`, not `é`"),
        ];
        for (name, reason) in cases {
            let err = FunctionName::try_from(name).unwrap_err();
            assert_eq!(err.reason, reason, "{name}");
            assert_eq!(err.kind, "function");
        }
        let long = "a".repeat(129);
        assert!(TriggerName::try_from(long.as_str()).is_err());
    }

    #[test]
    fn function_names_cannot_begin_with_type_or_properties() {
        assert!(FunctionName::try_from("Type").is_err());
        assert!(FunctionName::try_from("TypeScript").is_err());
        assert!(FunctionName::try_from("PropertiesFn").is_err());
        assert!(FunctionName::try_from("type").is_ok());
        assert!(ServiceName::try_from("TypeScript").is_ok());
    }

    #[test]
    fn displays_derefs_and_compares_as_the_written_name() {
        let name = ServiceName::try_from("marblesFC").unwrap();
        assert_eq!(name.to_string(), "marblesFC");
        assert_eq!(name.as_str(), "marblesFC");
        assert_eq!(name.len(), 9);
        assert_eq!(name, "marblesFC");
        let err = ServiceName::try_from("a/b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid service name `a/b`: it may contain only letters, digits, `_` and `-`, not `/`"
        );
    }
}
