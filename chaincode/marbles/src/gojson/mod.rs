//! Just enough of Go's `encoding/json` to reproduce Marbles byte for byte.
//!
//! Marbles stores and returns JSON produced by Go: `json.Marshal` escapes
//! HTML characters (`<` becomes `\u003c`), and `json.Unmarshal` into an
//! existing struct *merges*: it matches keys case-insensitively, skips
//! fields whose JSON type does not fit (and keeps the old value), ignores
//! `null`, and changes nothing at all when the input is not valid JSON. The
//! chaincode ignores Unmarshal's errors, so all of that is observable (for
//! example, `getHistory` reuses one struct across entries). serde would
//! differ on each point, hence this small, purpose-built module.
//!
//! - [`decode`]: Go-valid JSON into a [`Value`] tree.
//! - [`unmarshal`]: Go's field matching and assignment rules.
//! - [`encode`]: Go's string escaping for `json.Marshal`.

pub mod decode;
pub mod encode;
pub mod unmarshal;

pub use decode::{Value, parse};
pub use encode::push_string;
pub use unmarshal::{GoStruct, unmarshal_into};
