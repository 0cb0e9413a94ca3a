//! Paging of List calls as FC defines it: items sorted by name; `prefix`
//! keeps the names that start with it; `startKey` starts the list at the
//! first name not before it (2.0 only); `limit` (1–100, default 20) caps the
//! page; `nextToken` in an answer is the name the next page starts at, and
//! passed back it continues there. The last page has no `nextToken`.

use http::StatusCode;

use crate::fc_error::FcError;

/// FC's default page size.
pub const DEFAULT_LIMIT: usize = 20;
/// FC's largest page.
pub const MAX_LIMIT: usize = 100;

/// A List call's paging parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// `limit`.
    pub limit: Option<usize>,
    /// `nextToken`.
    pub next_token: Option<String>,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `startKey`.
    pub start_key: Option<String>,
}

impl PageQuery {
    /// Reads `limit`, `nextToken`, `prefix` and `startKey` from a query
    /// string; empty values count as absent (the SDKs leave unset ones out).
    pub fn parse(query: Option<&str>) -> Result<PageQuery, FcError> {
        let mut page = PageQuery::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "limit" => {
                    let limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                        .ok_or_else(|| {
                            FcError::new(
                                StatusCode::BAD_REQUEST,
                                "InvalidArgument",
                                format!(
                                    "limit {value:?} must be a whole number from 1 to {MAX_LIMIT}"
                                ),
                            )
                        })?;
                    page.limit = Some(limit);
                }
                "nextToken" => page.next_token = Some(value.into_owned()),
                "prefix" => page.prefix = Some(value.into_owned()),
                "startKey" => page.start_key = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(page)
    }

    /// The page of `items` (sorted by name) this query asks for, and the
    /// `nextToken` of the page after it.
    pub fn page<T>(&self, items: Vec<(String, T)>) -> (Vec<T>, Option<String>) {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let mut kept = items.into_iter().filter(|(name, _)| {
            self.prefix
                .as_deref()
                .is_none_or(|prefix| name.starts_with(prefix))
                && self
                    .start_key
                    .as_deref()
                    .is_none_or(|start| name.as_str() >= start)
                && self
                    .next_token
                    .as_deref()
                    .is_none_or(|next| name.as_str() >= next)
        });
        let page: Vec<T> = kept.by_ref().take(limit).map(|(_, item)| item).collect();
        (page, kept.next().map(|(name, _)| name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<(String, String)> {
        list.iter()
            .map(|name| (name.to_string(), name.to_string()))
            .collect()
    }

    #[test]
    fn pages_follow_next_tokens_to_the_end() {
        let items = names(&["a", "b", "c", "d", "e"]);
        let first = PageQuery::parse(Some("limit=2")).unwrap();
        assert_eq!(
            first.page(items.clone()),
            (vec!["a".into(), "b".into()], Some("c".into()))
        );
        let second = PageQuery::parse(Some("limit=2&nextToken=c")).unwrap();
        assert_eq!(
            second.page(items.clone()),
            (vec!["c".into(), "d".into()], Some("e".into()))
        );
        let last = PageQuery::parse(Some("limit=2&nextToken=e")).unwrap();
        assert_eq!(last.page(items), (vec!["e".into()], None));
    }

    #[test]
    fn prefix_and_start_key_filter() {
        let items = names(&["ab", "abc", "b", "bc"]);
        let query = PageQuery::parse(Some("prefix=b&nextToken=&limit=")).unwrap();
        assert_eq!(query.page(items.clone()).0, ["b", "bc"]);
        let query = PageQuery::parse(Some("startKey=abc")).unwrap();
        assert_eq!(query.page(items).0, ["abc", "b", "bc"]);
    }

    #[test]
    fn a_limit_out_of_range_is_refused() {
        for bad in ["limit=0", "limit=101", "limit=x"] {
            let error = PageQuery::parse(Some(bad)).unwrap_err();
            assert_eq!(
                (error.status, error.code),
                (StatusCode::BAD_REQUEST, "InvalidArgument")
            );
        }
        assert_eq!(
            PageQuery::parse(Some("limit=100")).unwrap().limit,
            Some(100)
        );
    }
}
