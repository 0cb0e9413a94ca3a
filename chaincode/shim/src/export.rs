//! The glue between the generated `chaincode` world exports and a
//! [`Chaincode`], used by [`export_chaincode!`](crate::export_chaincode).

use std::io::Write as _;
use std::marker::PhantomData;

use crate::bindings::fclocal::chaincode::types as wit;
use crate::{Chaincode, Response, WitStub};

/// Implements the world's `init` and `invoke` for `T`.
#[doc(hidden)]
pub struct ChaincodeAdapter<T>(PhantomData<T>);

impl<T: Chaincode + Default> crate::bindings::Guest for ChaincodeAdapter<T> {
    fn init(args: Vec<String>) -> wit::Response {
        crate::panic::install_hook();
        let stub = WitStub::new("init", args);
        finish(T::default().init(&stub, stub.parameters()))
    }

    fn invoke(function: String, args: Vec<String>) -> wit::Response {
        crate::panic::install_hook();
        let stub = WitStub::new(function.clone(), args);
        finish(T::default().invoke(&stub, &function, stub.parameters()))
    }
}

fn finish(response: Response) -> wit::Response {
    // A `print!` without a newline must not leak into the next call's logs.
    let _ = std::io::stdout().flush();
    wit::Response {
        status: response.status,
        message: response.message,
        payload: response.payload,
    }
}

/// Exports a type implementing [`Chaincode`] + `Default` as the component's
/// `init` and `invoke` (the `fclocal:chaincode/chaincode` world).
///
/// Use it once per chaincode crate (a `cdylib` built for `wasm32-wasip2`):
///
/// ```
/// use fclocal_chaincode_shim::{Chaincode, ChaincodeStub, Response};
///
/// #[derive(Default)]
/// struct Echo;
///
/// impl Chaincode for Echo {
///     fn init(&self, _stub: &dyn ChaincodeStub, _args: &[String]) -> Response {
///         Response::success(Vec::new())
///     }
///     fn invoke(&self, _stub: &dyn ChaincodeStub, function: &str, _args: &[String]) -> Response {
///         Response::success(function.as_bytes().to_vec())
///     }
/// }
///
/// fclocal_chaincode_shim::export_chaincode!(Echo);
/// ```
#[macro_export]
macro_rules! export_chaincode {
    ($chaincode:ty) => {
        const _: () = {
            type __FclocalChaincode = $crate::export::ChaincodeAdapter<$chaincode>;
    $crate::bindings::export!(__FclocalChaincode with_types_in $crate::bindings);
        };
    };
}
