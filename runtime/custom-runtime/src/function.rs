//! [`ServedFunction`]: the one function a custom runtime serves, in
//! fclocal's instance pools, with its spec kept in step with what FC's
//! headers say.
//!
//! FC repeats MemorySize, Timeout and the initializer in every request's
//! headers; they shape the instance itself (its memory cap, its deadline),
//! so a request that changes them reloads the function in the pool as hot
//! reload does: instances of the old settings finish what they have and
//! new requests start instances with the new ones. On FC the values never
//! change within an instance, so this happens at most once, at the first
//! request, before any instance exists.

use std::path::Path;
use std::sync::{Arc, Mutex};

use fclocal_engine::{FunctionKind, PreparedComponent};
use fclocal_invoke::{FunctionSpec, InvokeError, LoadedFunction, Pools};

use crate::context::SpecPatch;
use crate::contract::Accepts;

/// What an `Initializer` is called when FC asks for `/initialize` without
/// naming one: a component's initializer has no name, FC sends "a random
/// string" for custom runtimes (FC doc 425057), and FC 3.0 sends none.
const UNNAMED_INITIALIZER: &str = "initializer";

/// The served function.
pub struct ServedFunction {
    pools: Arc<Pools>,
    label: String,
    component: PreparedComponent,
    spec: Mutex<Arc<FunctionSpec>>,
}

impl ServedFunction {
    /// Loads `spec`'s component from `component_path` into `pools`.
    pub fn load(
        pools: Arc<Pools>,
        spec: FunctionSpec,
        component_path: &Path,
    ) -> Result<ServedFunction, InvokeError> {
        let loaded = pools.host().load(spec, component_path)?;
        let served = ServedFunction {
            label: loaded.spec.label(),
            component: loaded.component.clone(),
            spec: Mutex::new(loaded.spec.clone()),
            pools,
        };
        served.pools.insert(loaded);
        Ok(served)
    }

    /// `service/function`, its name in the pools.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The pools it runs in.
    pub fn pools(&self) -> &Arc<Pools> {
        &self.pools
    }

    /// What its component exports.
    pub fn kind(&self) -> FunctionKind {
        self.component.kind()
    }

    /// Which requests it takes.
    pub(crate) fn accepts(&self) -> Accepts {
        match self.kind() {
            FunctionKind::Event { .. } => Accepts {
                events: true,
                http: false,
            },
            FunctionKind::Http => Accepts {
                events: false,
                http: true,
            },
            FunctionKind::Language => Accepts {
                events: true,
                http: true,
            },
        }
    }

    /// The spec a request runs with: the current one, patched with the
    /// request's settings (reloading the function when they change it).
    /// `initialize` is a `/initialize` request, which means an initializer
    /// is configured even when no header names it.
    pub(crate) fn spec_for(&self, patch: &SpecPatch, initialize: bool) -> Arc<FunctionSpec> {
        let mut current = self.spec.lock().unwrap_or_else(|p| p.into_inner());
        let mut wanted = patch
            .applied_to(&current)
            .unwrap_or_else(|| (**current).clone());
        match self.kind() {
            FunctionKind::Event {
                has_initializer: true,
            } if initialize && wanted.initializer.is_none() => {
                wanted.initializer = Some(UNNAMED_INITIALIZER.to_owned());
            }
            // A component without an initializer has nothing to run, whatever
            // FC's headers name (for custom runtimes their value is "a random
            // string"): `/initialize` succeeds and invocations go straight on.
            FunctionKind::Http
            | FunctionKind::Event {
                has_initializer: false,
            } => wanted.initializer = None,
            _ => {}
        }
        let changed = wanted.memory_mb != current.memory_mb
            || wanted.timeout_secs != current.timeout_secs
            || wanted.handler != current.handler
            || wanted.initializer != current.initializer
            || wanted.initialization_timeout_secs != current.initialization_timeout_secs;
        if changed {
            let spec = Arc::new(wanted);
            self.pools.insert(LoadedFunction {
                spec: spec.clone(),
                component: self.component.clone(),
            });
            *current = spec;
        }
        current.clone()
    }
}
