//! `Init` (`marbles.go`): a self-test write and the UI version marker.

use fclocal_chaincode_shim::ChaincodeStub;

use crate::checks::atoi;

/// The Marbles UI version this chaincode is compatible with.
pub const MARBLES_UI_VERSION: &[u8] = b"4.0.1";

/// With exactly one non-empty parameter (the app instantiates with
/// `["12345"]`), stores it as `selftest` after an `Atoi` round trip; an
/// empty one (an upgrade) or any other count skips that. Always stores
/// `marbles_ui`. Reads its parameters from the stub, as Go does, so the
/// `init` invoke function behaves the same.
pub fn init(stub: &dyn ChaincodeStub) -> Result<Vec<u8>, String> {
    let (_, args) = stub.get_function_and_parameters();
    if let [arg] = args.as_slice()
        && !arg.is_empty()
    {
        let number =
            atoi(arg).ok_or("Expecting a numeric string argument to Init() for instantiate")?;
        stub.put_state("selftest", number.to_string().as_bytes())?;
    }
    stub.put_state("marbles_ui", MARBLES_UI_VERSION)?;
    Ok(Vec::new())
}
