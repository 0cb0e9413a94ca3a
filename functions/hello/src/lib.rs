//! `hello`: the smallest event function.
//!
//! Event: JSON `{"name": "..."}` (`name` optional, default `world`).
//! Result: the bytes `Hello, <name>!`. Logs `greeting <name>` at INFO.
//! An event that is not such JSON is a handled error of type `InvalidEvent`.

use fclocal_sdk::{Context, EventFunction, FunctionError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Event {
    name: Option<String>,
}

/// The exported function.
pub struct Hello;

impl EventFunction for Hello {
    fn handle(event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {
        let event: Event = fclocal_sdk::event::json(&event)?;
        let name = event.name.as_deref().unwrap_or("world");
        fclocal_sdk::info!("greeting {name}");
        Ok(format!("Hello, {name}!").into_bytes())
    }
}

fclocal_sdk::export_event_function!(Hello);
