//! The Marbles data model (`marbles.go`): the Go structs, their JSON names
//! in declaration order, and their `json.Marshal` output.

use crate::gojson::unmarshal::{merge, set_bool, set_int, set_string};
use crate::gojson::{GoStruct, Value, push_string};

/// A marble: `{"docType":"marble","id":…,"color":…,"size":…,"owner":{…}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marble {
    /// `docType`: `marble` (for CouchDB queries).
    pub object_type: String,
    /// `id`: also its state key, e.g. `m01490985296352SjAyM`.
    pub id: String,
    /// `color`, lower-cased by `init_marble`.
    pub color: String,
    /// `size` in mm (a Go `int`, 64-bit on the peer).
    pub size: i64,
    /// `owner`: a copy of the owner's id, username and company.
    pub owner: OwnerRelation,
}

/// The owner as recorded inside a marble.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerRelation {
    /// `id`: the owner's state key.
    pub id: String,
    /// `username` (cosmetic; the relation is by id).
    pub username: String,
    /// `company` (cosmetic too, yet what authorization compares).
    pub company: String,
}

/// A marble owner: `{"docType":"marble_owner","id":…,"username":…,
/// "company":…,"enabled":…}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    /// `docType`: `marble_owner`.
    pub object_type: String,
    /// `id`: also its state key, e.g. `o01490985296352SjAyM`.
    pub id: String,
    /// `username`, lower-cased by `init_owner`.
    pub username: String,
    /// `company`.
    pub company: String,
    /// `enabled`: disabled owners are hidden by `read_everything`.
    pub enabled: bool,
}

impl Marble {
    /// `json.Marshal(marble)`: compact, fields in declaration order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(128);
        self.write_json(&mut out);
        out
    }

    /// Appends `json.Marshal(marble)` to `out`.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"docType\":");
        push_string(out, &self.object_type);
        out.push_str(",\"id\":");
        push_string(out, &self.id);
        out.push_str(",\"color\":");
        push_string(out, &self.color);
        out.push_str(",\"size\":");
        out.push_str(&self.size.to_string());
        out.push_str(",\"owner\":{\"id\":");
        push_string(out, &self.owner.id);
        out.push_str(",\"username\":");
        push_string(out, &self.owner.username);
        out.push_str(",\"company\":");
        push_string(out, &self.owner.company);
        out.push_str("}}");
    }
}

impl Owner {
    /// `json.Marshal(owner)`: compact, fields in declaration order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(96);
        self.write_json(&mut out);
        out
    }

    /// Appends `json.Marshal(owner)` to `out`.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"docType\":");
        push_string(out, &self.object_type);
        out.push_str(",\"id\":");
        push_string(out, &self.id);
        out.push_str(",\"username\":");
        push_string(out, &self.username);
        out.push_str(",\"company\":");
        push_string(out, &self.company);
        out.push_str(",\"enabled\":");
        out.push_str(if self.enabled { "true" } else { "false" });
        out.push('}');
    }
}

impl GoStruct for Marble {
    fn set_field(&mut self, field: &str, value: &Value) {
        match field {
            "docType" => set_string(&mut self.object_type, value),
            "id" => set_string(&mut self.id, value),
            "color" => set_string(&mut self.color, value),
            "size" => set_int(&mut self.size, value),
            _ => merge(&mut self.owner, value),
        }
    }

    fn fields() -> &'static [&'static str] {
        &["docType", "id", "color", "size", "owner"]
    }
}

impl GoStruct for OwnerRelation {
    fn set_field(&mut self, field: &str, value: &Value) {
        match field {
            "id" => set_string(&mut self.id, value),
            "username" => set_string(&mut self.username, value),
            _ => set_string(&mut self.company, value),
        }
    }

    fn fields() -> &'static [&'static str] {
        &["id", "username", "company"]
    }
}

impl GoStruct for Owner {
    fn set_field(&mut self, field: &str, value: &Value) {
        match field {
            "docType" => set_string(&mut self.object_type, value),
            "id" => set_string(&mut self.id, value),
            "username" => set_string(&mut self.username, value),
            "company" => set_string(&mut self.company, value),
            _ => set_bool(&mut self.enabled, value),
        }
    }

    fn fields() -> &'static [&'static str] {
        &["docType", "id", "username", "company", "enabled"]
    }
}

/// Appends a Go slice of structs: `null` when empty (a nil slice, which is
/// what `append` onto a never-assigned slice leaves), else `[a,b]`.
pub fn write_slice<T>(out: &mut String, items: &[T], write: impl Fn(&T, &mut String)) {
    if items.is_empty() {
        out.push_str("null");
        return;
    }
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(item, out);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gojson::unmarshal_into;

    #[test]
    fn marshal_matches_go_field_names_and_order() {
        let marble = Marble {
            object_type: "marble".into(),
            id: "m1".into(),
            color: "blue".into(),
            size: 35,
            owner: OwnerRelation {
                id: "o1".into(),
                username: "amy".into(),
                company: "United Marbles".into(),
            },
        };
        assert_eq!(
            marble.to_json(),
            r#"{"docType":"marble","id":"m1","color":"blue","size":35,"owner":{"id":"o1","username":"amy","company":"United Marbles"}}"#
        );
        assert_eq!(
            Owner::default().to_json(),
            r#"{"docType":"","id":"","username":"","company":"","enabled":false}"#
        );
    }

    #[test]
    fn unmarshal_round_trips_and_reads_init_marble_text() {
        let text = "{\n\t\t\"docType\":\"marble\", \n\t\t\"id\": \"m1\", \n\t\t\"color\": \"red\", \n\t\t\"size\": -4, \n\t\t\"owner\": {\n\t\t\t\"id\": \"o1\", \n\t\t\t\"username\": \"amy\", \n\t\t\t\"company\": \"A&B\"\n\t\t}\n\t}";
        let mut marble = Marble::default();
        unmarshal_into(&mut marble, text.as_bytes());
        assert_eq!(
            (
                marble.id.as_str(),
                marble.size,
                marble.owner.company.as_str()
            ),
            ("m1", -4, "A&B")
        );
        let mut again = Marble::default();
        unmarshal_into(&mut again, marble.to_json().as_bytes());
        assert_eq!(again, marble);

        let owner = Owner {
            enabled: true,
            username: "x<y".into(),
            ..Owner::default()
        };
        let mut parsed = Owner::default();
        unmarshal_into(&mut parsed, owner.to_json().as_bytes());
        assert_eq!(parsed, owner);
    }

    #[test]
    fn empty_slices_marshal_as_null() {
        let mut out = String::new();
        write_slice(&mut out, &[] as &[Owner], Owner::write_json);
        assert_eq!(out, "null");
        out.clear();
        write_slice(
            &mut out,
            &[Owner::default(), Owner::default()],
            Owner::write_json,
        );
        assert!(out.starts_with("[{") && out.contains("},{") && out.ends_with("}]"));
    }
}
