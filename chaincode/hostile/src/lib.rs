//! A chaincode that misbehaves on request, so the host's limits can be
//! tested: `loop` never returns (fuel), `panic` panics, `alloc` allocates
//! until refused (memory), `flood` prints without end (output), and
//! `entropy` returns the wall clock and random bytes it sees (determinism:
//! the same transaction must see the same values on every peer), and
//! `call [service, function, payload]` calls a function through the stub and
//! returns its answer (the host's function invoker), and `counter` bumps a
//! global in its linear memory and returns it (isolation: a transaction must
//! never see what an earlier one left in the guest's memory, so on a correct
//! host it always answers 1).

use std::sync::atomic::{AtomicU64, Ordering};

use fclocal_chaincode_shim::{Chaincode, ChaincodeStub, Response};

/// Calls of `counter` this instance has seen.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// The hostile chaincode.
#[derive(Default)]
pub struct Hostile;

impl Chaincode for Hostile {
    fn init(&self, _stub: &dyn ChaincodeStub, _args: &[String]) -> Response {
        Response::success(Vec::new())
    }

    fn invoke(&self, stub: &dyn ChaincodeStub, function: &str, args: &[String]) -> Response {
        match function {
            "call" => match args {
                [service, function, payload] => {
                    match stub.invoke_function(service, function, payload.as_bytes()) {
                        Ok(answer) => Response::success(answer),
                        Err(error) => Response::error(format!("function call failed: {error}")),
                    }
                }
                _ => Response::error("call takes 3 arguments: service, function, payload"),
            },
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "panic" => panic!("hostile chaincode panics on purpose"),
            "counter" => {
                let seen = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
                Response::success(seen.to_string().into_bytes())
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "flood" => loop {
                println!("hostile chaincode floods its output");
            },
            "entropy" => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                let mut random = [0u8; 8];
                let hashed = std::collections::hash_map::RandomState::new();
                let salt = std::hash::BuildHasher::hash_one(&hashed, 1u8);
                random.copy_from_slice(&salt.to_le_bytes());
                Response::success(
                    format!("{now} {} {}", u64::from_le_bytes(random), stub.get_tx_id())
                        .into_bytes(),
                )
            }
            other => Response::error(format!("unknown function {other}")),
        }
    }
}

fclocal_chaincode_shim::export_chaincode!(Hostile);
