//! A small native asset-transfer chaincode, used by the tests and the benchmark and
//! handy as an example of the [`Chaincode`] trait.
//!
//! State: asset id → owner name (UTF-8). Functions:
//! - `create [id, owner]`: fails if the asset exists;
//! - `transfer [id, new_owner]`: fails if it does not; sets event `transfer` with the id;
//! - `read [id]`: the owner;
//! - `delete [id]`;
//! - `list [start, end]`: ids in the range, comma-separated;
//! - `tally [start, end, key]`: counts the range and writes the count to `key`;
//! - `history [id]`: owners newest first, comma-separated (`<deleted>` for deletes);
//! - `index [color, id]`: writes the composite key `color~id` → id;
//! - `by_color [color]`: ids indexed under a color, comma-separated;
//! - `call [service, function, payload]`: a Function Compute call, its answer returned.

use crate::chaincode::{Chaincode, ChaincodeStub, create_composite_key};
use crate::model::ChaincodeResponse;

/// The sample asset-transfer chaincode.
#[derive(Debug, Default, Clone, Copy)]
pub struct AssetTransfer;

fn need<'a>(args: &'a [String], n: usize, usage: &str) -> Result<&'a [String], ChaincodeResponse> {
    if args.len() == n {
        Ok(args)
    } else {
        Err(ChaincodeResponse::error(format!(
            "Incorrect number of arguments. Expecting {n}: {usage}"
        )))
    }
}

impl AssetTransfer {
    fn run(
        &self,
        stub: &mut dyn ChaincodeStub,
        function: &str,
        args: &[String],
    ) -> Result<Vec<u8>, ChaincodeResponse> {
        let fail = |e: &dyn std::fmt::Display| ChaincodeResponse::error(e.to_string());
        match function {
            "create" => {
                let a = need(args, 2, "id, owner")?;
                if stub.get_state(&a[0]).map_err(|e| fail(&e))?.is_some() {
                    return Err(ChaincodeResponse::error(format!(
                        "This asset already exists - {}",
                        a[0]
                    )));
                }
                stub.put_state(&a[0], a[1].as_bytes())
                    .map_err(|e| fail(&e))?;
                Ok(Vec::new())
            }
            "transfer" => {
                let a = need(args, 2, "id, new_owner")?;
                if stub.get_state(&a[0]).map_err(|e| fail(&e))?.is_none() {
                    return Err(ChaincodeResponse::error(format!(
                        "Asset does not exist - {}",
                        a[0]
                    )));
                }
                stub.put_state(&a[0], a[1].as_bytes())
                    .map_err(|e| fail(&e))?;
                stub.set_event("transfer", a[0].as_bytes())
                    .map_err(|e| fail(&e))?;
                Ok(Vec::new())
            }
            "read" => {
                let a = need(args, 1, "id")?;
                Ok(stub
                    .get_state(&a[0])
                    .map_err(|e| fail(&e))?
                    .unwrap_or_default())
            }
            "delete" => {
                let a = need(args, 1, "id")?;
                stub.del_state(&a[0]).map_err(|e| fail(&e))?;
                Ok(Vec::new())
            }
            "list" => {
                let a = need(args, 2, "start, end")?;
                let rows = stub
                    .get_state_by_range(&a[0], &a[1])
                    .map_err(|e| fail(&e))?;
                Ok(rows
                    .iter()
                    .map(|kv| kv.key.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
                    .into_bytes())
            }
            "tally" => {
                let a = need(args, 3, "start, end, key")?;
                let rows = stub
                    .get_state_by_range(&a[0], &a[1])
                    .map_err(|e| fail(&e))?;
                stub.put_state(&a[2], rows.len().to_string().as_bytes())
                    .map_err(|e| fail(&e))?;
                Ok(rows.len().to_string().into_bytes())
            }
            "history" => {
                let a = need(args, 1, "id")?;
                let mods = stub.get_history_for_key(&a[0]).map_err(|e| fail(&e))?;
                Ok(mods
                    .iter()
                    .map(|m| {
                        if m.is_delete {
                            "<deleted>".to_string()
                        } else {
                            String::from_utf8_lossy(&m.value).into_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
                    .into_bytes())
            }
            "index" => {
                let a = need(args, 2, "color, id")?;
                let key =
                    create_composite_key("color~id", &[&a[0], &a[1]]).map_err(|e| fail(&e))?;
                stub.put_state(&key, a[1].as_bytes())
                    .map_err(|e| fail(&e))?;
                Ok(Vec::new())
            }
            "by_color" => {
                let a = need(args, 1, "color")?;
                let rows = stub
                    .get_state_by_partial_composite_key("color~id", &[&a[0]])
                    .map_err(|e| fail(&e))?;
                Ok(rows
                    .iter()
                    .map(|kv| String::from_utf8_lossy(&kv.value).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
                    .into_bytes())
            }
            "call" => {
                let a = need(args, 3, "service, function, payload")?;
                stub.invoke_function(&a[0], &a[1], a[2].as_bytes())
                    .map_err(ChaincodeResponse::error)
            }
            other => Err(ChaincodeResponse::error(format!(
                "Received unknown invoke function name - '{other}'"
            ))),
        }
    }
}

impl Chaincode for AssetTransfer {
    fn invoke(
        &self,
        stub: &mut dyn ChaincodeStub,
        function: &str,
        args: &[String],
    ) -> ChaincodeResponse {
        match self.run(stub, function, args) {
            Ok(payload) => ChaincodeResponse::success(payload),
            Err(response) => response,
        }
    }
}
