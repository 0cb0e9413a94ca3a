//! `marbles`: the classic IBM Marbles chaincode (master, for Fabric 1.x),
//! ported faithfully from Go to fclocal's chaincode world.
//!
//! Same functions, same arguments and checks, the same error strings, the
//! same JSON bytes (including the hand-built ones) and the same quirks:
//! authorization by a company *argument*, owners without usernames counting
//! as missing, `set_owner` on a missing marble failing with an empty
//! company, hidden disabled owners, Go's lenient JSON unmarshalling.
//!
//! | function | arguments |
//! |---|---|
//! | `init` | `[number]` (optional) |
//! | `read` | `[key]` |
//! | `write` | `[key, value]` |
//! | `init_owner` | `[owner_id, username, company]` |
//! | `init_marble` | `[id, color, size, owner_id, authed_by_company]` |
//! | `set_owner` | `[marble_id, new_owner_id, authed_by_company]` |
//! | `delete_marble` | `[id, authed_by_company]` |
//! | `disable_owner` | `[owner_id, authed_by_company]` |
//! | `read_everything` | ignored |
//! | `getHistory` | `[id]` |
//! | `getMarblesByRange` | `[startKey, endKey]` |
//! | `set_validation` | `[on\|off]` (fclocal's addition, see [`validation`]) |
//!
//! Layout: [`checks`] (argument rules), [`gojson`] (Go's JSON), [`model`]
//! (structs), [`lookups`] (`get_marble`, `get_owner`), and one file per
//! group of functions: [`init`], [`generic`], [`owners`], [`marbles_ops`],
//! [`reads`]; [`validation`] is fclocal's addition (scenario 3: `set_owner`
//! asks the function `marblesFC/validateTransfer`). The Go code's `fmt.Println` tracing is not ported: it only
//! went to the chaincode container's log.

pub mod checks;
pub mod generic;
pub mod gojson;
pub mod init;
pub mod lookups;
pub mod marbles_ops;
pub mod model;
pub mod owners;
pub mod reads;
pub mod validation;

use fclocal_chaincode_shim::{Chaincode, ChaincodeStub, Response};

/// The Marbles chaincode (Go's `SimpleChaincode`).
#[derive(Default)]
pub struct Marbles;

impl Marbles {
    /// Go's legacy `Query`: Fabric 1.x never calls it and fclocal's world has
    /// no such export; kept so the port is complete.
    pub fn query(&self, _stub: &dyn ChaincodeStub) -> Response {
        Response::error("Unknown supported call - Query()")
    }
}

impl Chaincode for Marbles {
    fn init(&self, stub: &dyn ChaincodeStub, _args: &[String]) -> Response {
        init::init(stub).into()
    }

    fn invoke(&self, stub: &dyn ChaincodeStub, function: &str, args: &[String]) -> Response {
        match function {
            "init" => init::init(stub),
            "read" => generic::read(stub, args),
            "write" => generic::write(stub, args),
            "delete_marble" => marbles_ops::delete_marble(stub, args),
            "init_marble" => marbles_ops::init_marble(stub, args),
            "set_owner" => marbles_ops::set_owner(stub, args),
            "init_owner" => owners::init_owner(stub, args),
            "read_everything" => reads::read_everything(stub),
            "getHistory" => reads::get_history(stub, args),
            "getMarblesByRange" => reads::get_marbles_by_range(stub, args),
            "disable_owner" => owners::disable_owner(stub, args),
            "set_validation" => validation::set_validation(stub, args),
            _ => Err(format!(
                "Received unknown invoke function name - '{function}'"
            )),
        }
        .into()
    }
}

fclocal_chaincode_shim::export_chaincode!(Marbles);

#[cfg(test)]
mod tests;
