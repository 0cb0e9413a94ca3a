//! The ledger API over real HTTP: a real ledger (native asset-transfer chaincode, two
//! organizations, `AND` endorsement) behind the router on `127.0.0.1:0`, one test binary
//! with one module per area.

mod blocks;
mod errors;
mod events;
mod gateway;
mod support;
