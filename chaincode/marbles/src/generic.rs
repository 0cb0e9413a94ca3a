//! `read` and `write` (`read_ledger.go`, `write_ledger.go`): any key, raw
//! bytes, no JSON.

use fclocal_chaincode_shim::ChaincodeStub;

use crate::checks::sanitize_arguments;

/// `read [key]`: the raw value, empty when the key is missing.
pub fn read(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 1 {
        return Err("Incorrect number of arguments. Expecting key of the var to query".into());
    }
    sanitize_arguments(args)?;
    let key = &args[0];
    match stub.get_state(key) {
        Ok(value) => Ok(value.unwrap_or_default()),
        Err(_) => Err(format!("{{\"Error\":\"Failed to get state for {key}\"}}")),
    }
}

/// `write [key, value]`: stores the value's bytes under the key.
pub fn write(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    if args.len() != 2 {
        return Err(
            "Incorrect number of arguments. Expecting 2. key of the variable and value to set"
                .into(),
        );
    }
    sanitize_arguments(args)?;
    stub.put_state(&args[0], args[1].as_bytes())?;
    Ok(Vec::new())
}
