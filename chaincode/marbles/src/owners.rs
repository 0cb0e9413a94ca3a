//! `init_owner` and `disable_owner` (`write_ledger.go`).

use fclocal_chaincode_shim::ChaincodeStub;

use crate::checks::{go_to_lower, sanitize_arguments};
use crate::lookups::get_owner;
use crate::model::Owner;

/// `init_owner [owner_id, username, company]`: stores a new enabled owner
/// (username lower-cased) as compact Go JSON. An owner "exists" when
/// `get_owner` succeeds; a failed read counts as "does not exist".
pub fn init_owner(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 3 {
        return Err("Incorrect number of arguments. Expecting 3".into());
    }
    sanitize_arguments(args)?;
    let owner = Owner {
        object_type: "marble_owner".into(),
        id: args[0].clone(),
        username: go_to_lower(&args[1]),
        company: args[2].clone(),
        enabled: true,
    };
    if get_owner(stub, &owner.id).is_ok() {
        return Err(format!("This owner already exists - {}", owner.id));
    }
    stub.put_state(&owner.id, owner.to_json().as_bytes())?;
    Ok(Vec::new())
}

/// `disable_owner [owner_id, authed_by_company]`: marks the owner disabled.
/// Authorization is by argument: the caller names its company, which must
/// be the owner's (the chaincode calls this "quirky").
pub fn disable_owner(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    sanitize_arguments(args)?;
    let (owner_id, authed_by_company) = (&args[0], &args[1]);
    let mut owner =
        get_owner(stub, owner_id).map_err(|_| format!("This owner does not exist - {owner_id}"))?;
    if owner.company != *authed_by_company {
        return Err(format!(
            "The company '{authed_by_company}' cannot change another companies marble owner"
        ));
    }
    owner.enabled = false;
    stub.put_state(owner_id, owner.to_json().as_bytes())?;
    Ok(Vec::new())
}
