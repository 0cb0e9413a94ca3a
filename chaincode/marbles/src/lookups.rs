//! `get_marble` and `get_owner` (`lib.go`): read a record by id and decide
//! whether it exists the way Go does, by inspecting the unmarshalled struct.

use fclocal_chaincode_shim::ChaincodeStub;

use crate::gojson::unmarshal_into;
use crate::model::{Marble, Owner};

/// The marble stored under `id`. It "exists" when the value unmarshals to a
/// struct whose `id` equals the key, whatever else the value holds.
pub fn get_marble(stub: &dyn ChaincodeStub, id: &str) -> Result<Marble, String> {
    let bytes = stub
        .get_state(id)
        .map_err(|_| format!("Failed to find marble - {id}"))?;
    let mut marble = Marble::default();
    unmarshal_into(&mut marble, &bytes.unwrap_or_default());
    if marble.id != id {
        return Err(format!("Marble does not exist - {id}"));
    }
    Ok(marble)
}

/// The owner stored under `id`. It "exists" when its `username` is not
/// empty; the error shows the username and company found (so a missing
/// owner reads `Owner does not exist - <id>, '' ''`).
pub fn get_owner(stub: &dyn ChaincodeStub, id: &str) -> Result<Owner, String> {
    let bytes = stub
        .get_state(id)
        .map_err(|_| format!("Failed to get owner - {id}"))?;
    let mut owner = Owner::default();
    unmarshal_into(&mut owner, &bytes.unwrap_or_default());
    if owner.username.is_empty() {
        return Err(format!(
            "Owner does not exist - {id}, '{}' '{}'",
            owner.username, owner.company
        ));
    }
    Ok(owner)
}
