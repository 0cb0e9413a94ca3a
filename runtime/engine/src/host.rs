//! The state of one instance's store: WASI, wasi:http, the resource table,
//! the outbound policy, the memory limiter and the current deadline, plus
//! what a language engine reads through `engine-host` (the function's code
//! and environment).

use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::code::CodeMount;
use crate::lang_bindings::{EngineHostImports, EntryKind};
use crate::limits::MemoryLimiter;
use crate::outbound::OutboundPolicy;

/// Everything a guest's imports act upon; one per instance.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    pub(crate) outbound: OutboundPolicy,
    pub(crate) limiter: MemoryLimiter,
    /// When the running call must stop; checked on every epoch tick.
    pub(crate) deadline: Option<Instant>,
    /// The function's code at `/code`, for language engines.
    pub(crate) code: Option<CodeMount>,
    /// The instance's environment, as `engine-host.environment` returns it.
    pub(crate) environment: Vec<(String, String)>,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

impl EngineHostImports for HostState {
    fn read_file(&mut self, path: String) -> wasmtime::Result<Result<Vec<u8>, String>> {
        Ok(match &self.code {
            Some(code) => code.read(&path),
            None => Err(format!(
                "cannot read {path}: this instance has no code directory mounted at /code"
            )),
        })
    }

    fn stat(&mut self, path: String) -> wasmtime::Result<EntryKind> {
        Ok(match &self.code {
            Some(code) => code.stat(&path),
            None => EntryKind::Missing,
        })
    }

    fn read_dir(
        &mut self,
        path: String,
    ) -> wasmtime::Result<Result<Vec<(String, EntryKind)>, String>> {
        Ok(match &self.code {
            Some(code) => code.read_dir(&path),
            None => Err(format!(
                "cannot list {path}: this instance has no code directory mounted at /code"
            )),
        })
    }

    fn environment(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.environment.clone())
    }
}
