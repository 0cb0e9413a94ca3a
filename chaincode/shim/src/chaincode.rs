//! [`Chaincode`]: the trait a contract implements, Fabric's `shim.Chaincode`.

use crate::{ChaincodeStub, Response};

/// A smart contract: Fabric's `Init` and `Invoke`.
///
/// Export the implementing type with
/// [`export_chaincode!`](crate::export_chaincode). The type must implement
/// `Default`: the export glue builds a fresh value for every call, because
/// anything a chaincode remembered between calls would differ between
/// endorsing peers (each runs its own instances, created and dropped at the
/// host's discretion) and break endorsement. Keep all state in the ledger.
pub trait Chaincode {
    /// Runs at instantiate or upgrade with the parameters after the function
    /// name (Fabric clients conventionally send the name `init`).
    fn init(&self, stub: &dyn ChaincodeStub, args: &[String]) -> Response;

    /// Runs one transaction proposal: `function` and its string `args`.
    fn invoke(&self, stub: &dyn ChaincodeStub, function: &str, args: &[String]) -> Response;
}
