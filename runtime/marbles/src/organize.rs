//! Turning the chaincode's `read_everything` answer into the `everything`
//! message, as classic's `websocket_server_side.js` does: owners sorted with
//! the server's company first (then by company and username), marbles grouped
//! by their owner's **username** (`organize_marbles`; a username used in two
//! companies collides, classic quirk 7).

use serde_json::{Map, Value, json};

/// Organizes `read_everything`'s `{"owners":[...],"marbles":[...]}`.
///
/// Owners keep only `id`, `username` and `company` (what classic sends).
/// Marbles whose JSON lacks an owner are skipped rather than failing the page.
pub fn organize(raw: &Value, own_company: &str) -> Value {
    let mut owners: Vec<Value> = raw
        .get("owners")
        .and_then(Value::as_array)
        .map(|owners| {
            owners
                .iter()
                .map(|o| json!({"id": o["id"], "username": o["username"], "company": o["company"]}))
                .collect()
        })
        .unwrap_or_default();
    owners.sort_by(|a, b| {
        let key = |o: &Value| {
            let company = o["company"].as_str().unwrap_or_default().to_owned();
            let username = o["username"].as_str().unwrap_or_default().to_owned();
            (company != own_company, company, username)
        };
        key(a).cmp(&key(b))
    });
    let mut marbles = Map::new();
    for marble in raw
        .get("marbles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let owner = &marble["owner"];
        let Some(username) = owner["username"].as_str() else {
            continue;
        };
        let group = marbles.entry(username.to_owned()).or_insert_with(|| {
            json!({
                "owner_id": owner["id"],
                "username": username,
                "company": owner["company"],
                "marbles": [],
            })
        });
        if let Some(list) = group["marbles"].as_array_mut() {
            list.push(marble.clone());
        }
    }
    json!({"owners": owners, "marbles": marbles})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(id: &str, username: &str, company: &str) -> Value {
        json!({"docType":"marble_owner","id":id,"username":username,"company":company,"enabled":true})
    }

    fn marble(id: &str, owner: &Value) -> Value {
        json!({"docType":"marble","id":id,"color":"red","size":35,
               "owner":{"id":owner["id"],"username":owner["username"],"company":owner["company"]}})
    }

    #[test]
    fn owners_put_the_own_company_first_and_marbles_group_by_username() {
        let bob = owner("o2", "bob", "Marble Inc");
        let amy = owner("o1", "amy", "United Marbles");
        let alice = owner("o3", "alice", "United Marbles");
        let raw = json!({
            "owners": [bob, amy, alice],
            "marbles": [marble("m1", &amy), marble("m2", &bob), marble("m3", &amy)],
        });
        let organized = organize(&raw, "United Marbles");
        let usernames: Vec<&str> = organized["owners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["username"].as_str().unwrap())
            .collect();
        assert_eq!(usernames, ["alice", "amy", "bob"]);
        assert_eq!(
            organized["owners"][0],
            json!({"id":"o3","username":"alice","company":"United Marbles"})
        );
        let amy_group = &organized["marbles"]["amy"];
        assert_eq!(amy_group["owner_id"], "o1");
        assert_eq!(amy_group["company"], "United Marbles");
        assert_eq!(amy_group["marbles"].as_array().unwrap().len(), 2);
        assert_eq!(organized["marbles"]["bob"]["marbles"][0]["id"], "m2");
        // An owner without marbles is listed but has no group ("lost all marbles").
        assert!(organized["marbles"].get("alice").is_none());
        // The other company first when the server acts for it.
        let other = organize(&raw, "Marble Inc");
        assert_eq!(other["owners"][0]["username"], "bob");
    }

    #[test]
    fn a_shared_username_collides_as_in_classic() {
        let a = owner("o1", "sam", "United Marbles");
        let b = owner("o2", "sam", "Marble Inc");
        let raw = json!({"owners": [a, b], "marbles": [marble("m1", &a), marble("m2", &b)]});
        let organized = organize(&raw, "United Marbles");
        let group = &organized["marbles"]["sam"];
        assert_eq!(group["owner_id"], "o1");
        assert_eq!(group["marbles"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn empty_or_odd_input_gives_an_empty_result() {
        assert_eq!(
            organize(&json!({"owners": null, "marbles": null}), "x"),
            json!({"owners": [], "marbles": {}})
        );
        let odd = json!({"owners": [], "marbles": [{"id": "m1"}]});
        assert_eq!(organize(&odd, "x")["marbles"], json!({}));
    }
}
