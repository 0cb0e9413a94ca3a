//! `init_marble`, `set_owner` and `delete_marble` (`write_ledger.go`).

use fclocal_chaincode_shim::ChaincodeStub;

use crate::checks::{atoi, go_to_lower, sanitize_arguments};
use crate::gojson::unmarshal_into;
use crate::lookups::{get_marble, get_owner};
use crate::model::{Marble, OwnerRelation};
use crate::validation::validate_transfer;

/// `init_marble [id, color, size, owner_id, authed_by_company]`.
///
/// Stores the marble as the Go code builds it: by string concatenation,
/// with tabs, newlines and a space after each comma, and nothing escaped.
/// An argument containing `"` therefore stores invalid JSON, which later
/// reads treat as a missing marble, exactly as on Fabric.
pub fn init_marble(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 5 {
        return Err("Incorrect number of arguments. Expecting 5".into());
    }
    sanitize_arguments(args)?;
    let id = &args[0];
    let color = go_to_lower(&args[1]);
    let owner_id = &args[3];
    let authed_by_company = &args[4];
    let size = atoi(&args[2]).ok_or("3rd argument must be a numeric string")?;

    let owner = get_owner(stub, owner_id)?;
    if owner.company != *authed_by_company {
        return Err(format!(
            "The company '{authed_by_company}' cannot authorize creation for '{}'.",
            owner.company
        ));
    }
    if get_marble(stub, id).is_ok() {
        return Err(format!("This marble already exists - {id}"));
    }

    let text = format!(
        "{{\n\t\t\"docType\":\"marble\", \n\t\t\"id\": \"{id}\", \n\t\t\"color\": \"{color}\", \n\t\t\"size\": {size}, \n\t\t\"owner\": {{\n\t\t\t\"id\": \"{owner_id}\", \n\t\t\t\"username\": \"{}\", \n\t\t\t\"company\": \"{}\"\n\t\t}}\n\t}}",
        owner.username, owner.company
    );
    stub.put_state(id, text.as_bytes())?;
    Ok(Vec::new())
}

/// `set_owner [marble_id, new_owner_id, authed_by_company]`: rewrites the
/// marble (compact Go JSON) with the new owner's id, username and company.
///
/// The marble is read with a bare `GetState` and unmarshalled without a
/// check, so a missing marble has an empty owner company and fails with
/// `The company '<authed>' cannot authorize transfers for ''.`. The new
/// owner's `enabled` flag is not checked.
///
/// fclocal's addition: once those checks pass, the transfer is put to the
/// function `marblesFC/validateTransfer` (see [`crate::validation`]).
pub fn set_owner(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 3 {
        return Err("Incorrect number of arguments. Expecting 3".into());
    }
    sanitize_arguments(args)?;
    let (marble_id, new_owner_id, authed_by_company) = (&args[0], &args[1], &args[2]);

    let owner = get_owner(stub, new_owner_id)
        .map_err(|_| format!("This owner does not exist - {new_owner_id}"))?;
    let bytes = stub
        .get_state(marble_id)
        .map_err(|_| "Failed to get marble".to_string())?;
    let mut marble = Marble::default();
    unmarshal_into(&mut marble, &bytes.unwrap_or_default());

    if marble.owner.company != *authed_by_company {
        return Err(format!(
            "The company '{authed_by_company}' cannot authorize transfers for '{}'.",
            marble.owner.company
        ));
    }
    validate_transfer(stub, marble_id, &marble, new_owner_id, &owner)?;
    marble.owner = OwnerRelation {
        id: new_owner_id.clone(),
        username: owner.username,
        company: owner.company,
    };
    stub.put_state(marble_id, marble.to_json().as_bytes())?;
    Ok(Vec::new())
}

/// `delete_marble [id, authed_by_company]`: deletes the marble when the
/// caller names its owner's company.
pub fn delete_marble(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    sanitize_arguments(args)?;
    let (id, authed_by_company) = (&args[0], &args[1]);
    let marble = get_marble(stub, id)?;
    if marble.owner.company != *authed_by_company {
        return Err(format!(
            "The company '{authed_by_company}' cannot authorize deletion for '{}'.",
            marble.owner.company
        ));
    }
    stub.del_state(id)
        .map_err(|_| "Failed to delete state".to_string())?;
    Ok(Vec::new())
}
