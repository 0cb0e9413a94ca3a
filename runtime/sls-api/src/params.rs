//! Request parameters: URL query pairs (GET) or the keys of a JSON body
//! (GetLogs v2), read the same lenient way. SDKs disagree on spelling
//! (`line`/`lines`, `end_cursor`/`endCursor`) and on types (py-sdk sends
//! `reverse` as `"true"`, go-sdk as `true`, py-sdk `null` for unset keys),
//! so every value is kept as text and parsed where it is used.

use std::str::FromStr;

use crate::error::ApiError;

/// Parameters in arrival order; the first of repeated keys wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The pairs of a raw (still encoded) query string.
    pub fn from_query(raw: Option<&str>) -> Params {
        Params {
            pairs: raw
                .map(|raw| {
                    form_urlencoded::parse(raw.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The keys of a JSON object: strings as they are, numbers and booleans
    /// as text, `null` as absent, arrays and objects as JSON text.
    pub fn from_json(object: &serde_json::Map<String, serde_json::Value>) -> Params {
        let pairs = object
            .iter()
            .filter_map(|(key, value)| {
                let text = match value {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                Some((key.clone(), text))
            })
            .collect();
        Params { pairs }
    }

    /// All pairs, decoded (what a v1 signature covers).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The first value under any of `keys` (spelling variants), in that order.
    pub fn get_any(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|key| self.get(key))
    }

    /// A number under `keys`, `default` when absent or empty; `error` builds
    /// the answer for a malformed one. Accepts `1.7e9`-style JSON numbers
    /// when they are whole.
    pub fn number<T>(
        &self,
        keys: &[&str],
        default: Option<T>,
        error: fn(String) -> ApiError,
    ) -> Result<T, ApiError>
    where
        T: FromStr + TryFrom<i64>,
    {
        let name = keys.first().copied().unwrap_or("?");
        match self.get_any(keys).map(str::trim) {
            None | Some("") => {
                default.ok_or_else(|| error(format!("the parameter `{name}` is required")))
            }
            Some(text) => parse_number(text).ok_or_else(|| {
                error(format!(
                    "the parameter `{name}` must be an integer in range, got {text:?}"
                ))
            }),
        }
    }

    /// A boolean under `key` (`true`/`false` in any case, or `1`/`0`).
    pub fn boolean(
        &self,
        key: &str,
        default: bool,
        error: fn(String) -> ApiError,
    ) -> Result<bool, ApiError> {
        match self.get(key).map(str::trim) {
            None | Some("") => Ok(default),
            Some(text) if text.eq_ignore_ascii_case("true") || text == "1" => Ok(true),
            Some(text) if text.eq_ignore_ascii_case("false") || text == "0" => Ok(false),
            Some(text) => Err(error(format!(
                "the parameter `{key}` must be true or false, got {text:?}"
            ))),
        }
    }

    /// A non-empty text under `key`.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|text| !text.is_empty())
    }
}

fn parse_number<T: FromStr + TryFrom<i64>>(text: &str) -> Option<T> {
    if let Ok(value) = text.parse::<T>() {
        return Some(value);
    }
    let float = text.parse::<f64>().ok()?;
    if float.fract() != 0.0 || !float.is_finite() || float.abs() > 9.0e15 {
        return None;
    }
    T::try_from(float as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        let params = Params::from_query(Some("query=a+b%7C&cursor=MTI%3D&empty="));
        assert_eq!(params.get("query"), Some("a b|"));
        assert_eq!(params.get("cursor"), Some("MTI="));
        assert_eq!(params.get("empty"), Some(""));
        assert_eq!(params.text("empty"), None);
    }

    #[test]
    fn json_bodies_read_like_queries() {
        let body: serde_json::Value = serde_json::from_str(
            r#"{"from": 1.7e9, "lines": 5, "reverse": true, "topic": null, "query": "*"}"#,
        )
        .unwrap();
        let params = Params::from_json(body.as_object().unwrap());
        assert_eq!(
            params
                .number::<i64>(&["from"], None, ApiError::ParameterInvalid)
                .unwrap(),
            1_700_000_000
        );
        assert_eq!(
            params
                .number::<u32>(&["line", "lines"], Some(100), ApiError::InvalidLine)
                .unwrap(),
            5
        );
        assert!(
            params
                .boolean("reverse", false, ApiError::InvalidReverse)
                .unwrap()
        );
        assert_eq!(params.get("topic"), None);
    }

    #[test]
    fn malformed_numbers_and_booleans_get_the_given_code() {
        let params = Params::from_query(Some("line=ten&reverse=maybe&offset=-1"));
        let line = params
            .number::<u32>(&["line"], Some(100), ApiError::InvalidLine)
            .unwrap_err();
        assert_eq!(line.code(), "InvalidLine");
        let offset = params
            .number::<u64>(&["offset"], Some(0), ApiError::InvalidOffset)
            .unwrap_err();
        assert_eq!(offset.code(), "InvalidOffset");
        let reverse = params
            .boolean("reverse", false, ApiError::InvalidReverse)
            .unwrap_err();
        assert_eq!(reverse.code(), "InvalidReverse");
        let missing = params
            .number::<i64>(&["from"], None, ApiError::ParameterInvalid)
            .unwrap_err();
        assert!(missing.to_string().contains("`from` is required"));
    }
}
