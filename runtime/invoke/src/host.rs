//! [`FunctionHost`]: loads template functions into the engine and runs
//! invocations with FC's context, environment, framing and log records.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fclocal_engine::{
    EventContext, FunctionInfo, FunctionInstance, FunctionKind, HttpRequest, HttpResponse,
    InstanceSettings, Invocation, InvocationError, OutboundAccess, PreparedComponent, Runtime,
    ServiceInfo,
};
use fclocal_logstore::LogWriter;
use fclocal_template::CodeLocation;

use crate::environment::instance_environment;
use crate::error::InvokeError;
use crate::framing;
use crate::log_budget::{DroppedLogs, LogBudgets};
use crate::settings::HostSettings;
use crate::sink::{InvocationLog, LineEcho, RecordFields};
use crate::spec::{FunctionSpec, QUALIFIER, RequiredKind};

/// A function whose component is compiled and linked. Cheap to clone.
#[derive(Clone)]
pub struct LoadedFunction {
    /// Its settings.
    pub spec: Arc<FunctionSpec>,
    /// Its component.
    pub component: PreparedComponent,
}

impl LoadedFunction {
    /// Loads `spec`'s component from `component_path` on `runtime` and
    /// checks it fits the function's triggers (an HTTP trigger needs an HTTP
    /// function; a timer or MNS trigger an event function) and its
    /// `Initializer`.
    pub fn load(
        runtime: &Runtime,
        spec: FunctionSpec,
        component_path: &Path,
    ) -> Result<LoadedFunction, InvokeError> {
        let component = match spec.code {
            // A language engine: built once per machine, compiled once too.
            CodeLocation::Source { .. } => runtime.load_shared(
                component_path,
                &fclocal_builder::engine_compile_cache(component_path),
            )?,
            _ => runtime.load(component_path)?,
        };
        let kind = component.kind();
        if !spec.required_kind.accepts(kind) {
            return Err(InvokeError::Role {
                function: spec.label(),
                component: component_path.to_owned(),
                kind: kind.describe(),
                required: spec.required_kind.clone(),
            });
        }
        let has_initializer = matches!(
            kind,
            FunctionKind::Event {
                has_initializer: true
            } | FunctionKind::Language
        );
        if spec.initializer.is_some() && !has_initializer {
            return Err(InvokeError::NoInitializer {
                function: spec.label(),
                component: component_path.to_owned(),
            });
        }
        Ok(LoadedFunction {
            spec: Arc::new(spec),
            component,
        })
    }
}

impl LoadedFunction {
    /// How the function is called: an event function or an HTTP function.
    /// A WebAssembly component says so by its exports; a language engine
    /// takes both, so the function's triggers decide, as on FC 2.0 (an
    /// HTTP trigger makes an HTTP function).
    pub fn kind(&self) -> FunctionKind {
        match self.component.kind() {
            FunctionKind::Language => match self.spec.required_kind {
                RequiredKind::Http { .. } => FunctionKind::Http,
                _ => FunctionKind::Event {
                    has_initializer: self.spec.initializer.is_some(),
                },
            },
            kind => kind,
        }
    }
}

/// What one invocation produced, with what FC reports about it.
#[derive(Debug)]
pub struct Report<T> {
    /// The request id.
    pub request_id: String,
    /// The result, or how it failed.
    pub result: Result<T, InvocationError>,
    /// How long the handler (or the failing initializer) ran.
    pub duration: Duration,
    /// `MemorySize` in MB.
    pub memory_size_mb: u32,
    /// The instance's peak linear memory, in bytes.
    pub memory_used_bytes: u64,
    /// The last 4 KB of the invocation's log, formatted.
    pub log_tail: String,
    /// The instance that ran it (`instanceID` in the log records).
    pub instance_id: String,
    /// Whether the instance was started for this invocation.
    pub cold_start: bool,
}

/// The instance an invocation runs on, and whether it was started for it.
pub(crate) struct OnInstance<'a> {
    pub(crate) instance: &'a mut FunctionInstance,
    pub(crate) instance_id: &'a str,
    pub(crate) cold_start: bool,
}

impl<T> Report<T> {
    /// FC's `X-Fc-Log-Result` text: the end of the log plus the summary
    /// (`Duration: … ms, Billed Duration: … ms, Memory Size: … MB, Max
    /// Memory Used: … MB`), at most 4 KB.
    pub fn log_result(&self) -> String {
        let mut text = self.log_tail.clone();
        text.push('\n');
        text.push_str(&framing::log_result_summary(
            self.duration,
            self.memory_size_mb,
            self.memory_used_bytes,
        ));
        let excess = text.len().saturating_sub(crate::LOG_TAIL_BYTES);
        let mut start = excess;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text.split_off(start)
    }

    /// FC's summary line for this invocation.
    pub fn summary_line(&self) -> String {
        framing::summary_line(
            &self.request_id,
            self.duration,
            self.memory_size_mb,
            self.memory_used_bytes,
        )
    }
}

/// Runs the functions of one app.
pub struct FunctionHost {
    runtime: Runtime,
    /// Where log records go; `None` for a host that only echoes them
    /// ([`FunctionHost::echoing`]).
    writer: Option<LogWriter>,
    /// Sees every line of every invocation, pooled ones included (an
    /// invocation's own echo, when it has one, wins).
    echo: Option<Arc<dyn LineEcho>>,
    settings: HostSettings,
    /// Per-minute log budgets of every function and logstore.
    log_budgets: Arc<LogBudgets>,
}

/// Who an invocation is for: its request id and, when the caller was told
/// the context (a custom runtime gets it in `x-fc-*` headers), that context
/// instead of the one [`FunctionHost::context`] derives from the spec.
pub(crate) struct CallFor {
    pub(crate) request_id: String,
    pub(crate) context: Option<EventContext>,
}

impl FunctionHost {
    /// A host running components on `runtime` and storing logs through `writer`.
    pub fn new(runtime: Runtime, writer: LogWriter, settings: HostSettings) -> Self {
        FunctionHost {
            runtime,
            writer: Some(writer),
            echo: None,
            log_budgets: Arc::new(LogBudgets::new(settings.log_rate)),
            settings,
        }
    }

    /// A host without a logstore: every framing and log line of every
    /// invocation goes to `echo` only, already in FC's format. This is
    /// `fclocal serve-function`, whose stdout Function Compute collects
    /// into the service's Logstore; storing the lines as well would only
    /// fill the instance's disk.
    pub fn echoing(runtime: Runtime, echo: Arc<dyn LineEcho>, settings: HostSettings) -> Self {
        FunctionHost {
            runtime,
            writer: None,
            echo: Some(echo),
            log_budgets: Arc::new(LogBudgets::new(settings.log_rate)),
            settings,
        }
    }

    /// Log lines dropped so far because a function or its logstore went
    /// past its per-minute budget, by `service/function`.
    pub fn dropped_logs(&self) -> BTreeMap<String, DroppedLogs> {
        self.log_budgets.dropped()
    }

    /// The engine.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The shared settings.
    pub fn settings(&self) -> &HostSettings {
        &self.settings
    }

    /// Loads `spec`'s component (see [`LoadedFunction::load`]).
    pub fn load(
        &self,
        spec: FunctionSpec,
        component_path: &Path,
    ) -> Result<LoadedFunction, InvokeError> {
        LoadedFunction::load(&self.runtime, spec, component_path)
    }

    /// How an instance of `spec` is set up.
    pub fn instance_settings(&self, spec: &FunctionSpec, instance_id: &str) -> InstanceSettings {
        InstanceSettings {
            memory_limit_bytes: u64::from(spec.memory_mb) << 20,
            environment: instance_environment(spec, &self.settings, instance_id),
            outbound: outbound_access(spec, &self.settings),
            capture: self.settings.capture,
            start_timeout: Duration::from_secs(u64::from(
                spec.initialization_timeout_secs.max(spec.timeout_secs),
            )),
            code_dir: spec.code_dir().map(Path::to_owned),
        }
    }

    /// FC's context for one invocation of `spec`.
    pub fn context(&self, spec: &FunctionSpec, request_id: &str) -> EventContext {
        let (log_project, log_store) = spec
            .log_config
            .as_ref()
            .map(|target| (target.project.clone(), target.logstore.clone()))
            .unwrap_or_default();
        EventContext {
            request_id: request_id.to_owned(),
            credentials: crate::environment::function_credentials(spec, &self.settings),
            function: FunctionInfo {
                name: spec.function.clone(),
                handler: spec.handler.clone(),
                memory_mb: spec.memory_mb,
                timeout_secs: spec.timeout_secs,
                initializer: spec.initializer.clone().unwrap_or_default(),
                initialization_timeout_secs: spec.initialization_timeout_secs,
            },
            service: ServiceInfo {
                name: spec.service.clone(),
                log_project,
                log_store,
                qualifier: QUALIFIER.to_owned(),
                version_id: String::new(),
            },
            region: self.settings.region.clone(),
            account_id: self.settings.account_id.clone(),
        }
    }

    /// Invokes an event function once on a fresh instance, as
    /// `fclocal invoke` does; `echo` sees every line as it is printed.
    pub async fn invoke_event_once(
        &self,
        function: &LoadedFunction,
        event: &[u8],
        echo: Option<Arc<dyn LineEcho>>,
    ) -> Result<Report<Vec<u8>>, InvokeError> {
        let timeout = Duration::from_secs(u64::from(function.spec.timeout_secs));
        self.run_once(function, echo, async |instance, context, log| {
            instance.invoke_event(event, context, timeout, log).await
        })
        .await
    }

    /// Invokes an HTTP function once on a fresh instance.
    pub async fn invoke_http_once(
        &self,
        function: &LoadedFunction,
        request: HttpRequest,
        echo: Option<Arc<dyn LineEcho>>,
    ) -> Result<Report<HttpResponse>, InvokeError> {
        let timeout = Duration::from_secs(u64::from(function.spec.timeout_secs));
        let max_bytes = self.settings.max_response_bytes;
        self.run_once(function, echo, async |instance, context, log| {
            instance
                .invoke_http(request, context, timeout, max_bytes, log)
                .await
        })
        .await
    }

    async fn run_once<T>(
        &self,
        function: &LoadedFunction,
        echo: Option<Arc<dyn LineEcho>>,
        call: impl AsyncFnOnce(
            &mut FunctionInstance,
            &EventContext,
            Arc<InvocationLog>,
        ) -> Invocation<T>,
    ) -> Result<Report<T>, InvokeError> {
        let instance_id = new_instance_id();
        let mut instance = function
            .component
            .instantiate(&self.instance_settings(&function.spec, &instance_id))
            .await?;
        let request_id = new_request_id();
        let on = OnInstance {
            instance: &mut instance,
            instance_id: &instance_id,
            cold_start: true,
        };
        let call_for = CallFor {
            request_id,
            context: None,
        };
        self.run_on(function, on, call_for, echo, call).await
    }

    /// The log of one invocation on `on`, and its context.
    fn open_log(
        &self,
        spec: &FunctionSpec,
        on: &OnInstance<'_>,
        call_for: CallFor,
        echo: Option<Arc<dyn LineEcho>>,
    ) -> (Arc<InvocationLog>, EventContext) {
        let request_id = &call_for.request_id;
        let fields = Arc::new(RecordFields::new(
            spec,
            &self.settings.log_source,
            on.instance_id,
        ));
        let echo = echo.or_else(|| self.echo.clone());
        let log = match (&self.writer, echo) {
            (Some(writer), echo) => InvocationLog::limited(
                request_id,
                fields,
                writer.clone(),
                echo,
                on.cold_start,
                self.log_budgets.clone(),
            ),
            (None, Some(echo)) => InvocationLog::echo_only(request_id, fields, echo, on.cold_start),
            (None, None) => unreachable!("a host has a log writer or an echo"),
        };
        let context = call_for
            .context
            .unwrap_or_else(|| self.context(spec, request_id));
        (log, context)
    }

    /// Runs the function's initializer on an instance that has not run it
    /// yet (when the function sets one), framed by `FC Initialize
    /// Start/End` lines. `None` when there was nothing to run.
    async fn initialize_if_needed(
        &self,
        spec: &FunctionSpec,
        instance: &mut FunctionInstance,
        context: &EventContext,
        log: &Arc<InvocationLog>,
    ) -> Option<Invocation<()>> {
        if spec.initializer.is_none() || instance.is_initialized() {
            return None;
        }
        let request_id = log.request_id().to_owned();
        log.frame_held(&framing::initialize_start(&request_id));
        let timeout = Duration::from_secs(u64::from(spec.initialization_timeout_secs));
        let initialized = instance.initialize(context, timeout, log.clone()).await;
        log.frame_held(&framing::initialize_end(&request_id));
        Some(initialized)
    }

    /// Runs only the initializer on an instance (a custom runtime's `POST
    /// /initialize`): framed by `FC Initialize Start/End`, and a success
    /// with nothing run when the instance is initialized already or the
    /// function sets no `Initializer`.
    pub(crate) async fn initialize_on(
        &self,
        function: &LoadedFunction,
        on: OnInstance<'_>,
        call_for: CallFor,
        echo: Option<Arc<dyn LineEcho>>,
    ) -> Result<Report<()>, InvokeError> {
        let spec = &function.spec;
        let (log, context) = self.open_log(spec, &on, call_for, echo);
        let ran = self
            .initialize_if_needed(spec, on.instance, &context, &log)
            .await;
        let (duration, memory_used_bytes, result) = match ran {
            Some(initialized) => (
                initialized.duration,
                initialized.memory_used_bytes,
                initialized.result,
            ),
            None => (Duration::ZERO, on.instance.memory_used_bytes(), Ok(())),
        };
        let report = Report {
            request_id: log.request_id().to_owned(),
            result,
            duration,
            memory_size_mb: spec.memory_mb,
            memory_used_bytes,
            log_tail: String::new(),
            instance_id: on.instance_id.to_owned(),
            cold_start: on.cold_start,
        };
        self.finish(&log, report).await
    }

    /// Runs one invocation on an instance: its initializer first when the
    /// function sets one and the instance has not run it, framed by `FC
    /// Initialize Start/End` lines; then the call, framed by `FC Invoke
    /// Start/End`; then waits until the log lines are durable.
    pub(crate) async fn run_on<T>(
        &self,
        function: &LoadedFunction,
        on: OnInstance<'_>,
        call_for: CallFor,
        echo: Option<Arc<dyn LineEcho>>,
        call: impl AsyncFnOnce(
            &mut FunctionInstance,
            &EventContext,
            Arc<InvocationLog>,
        ) -> Invocation<T>,
    ) -> Result<Report<T>, InvokeError> {
        let spec = &function.spec;
        let (log, context) = self.open_log(spec, &on, call_for, echo);
        let request_id = log.request_id().to_owned();
        let instance = on.instance;
        let report = |duration, memory_used_bytes, result| Report {
            request_id: request_id.clone(),
            result,
            duration,
            memory_size_mb: spec.memory_mb,
            memory_used_bytes,
            log_tail: String::new(),
            instance_id: on.instance_id.to_owned(),
            cold_start: on.cold_start,
        };

        let initialized = self
            .initialize_if_needed(spec, instance, &context, &log)
            .await;
        if let Some(Invocation {
            result: Err(error),
            duration,
            memory_used_bytes,
            ..
        }) = initialized
        {
            let failed = report(duration, memory_used_bytes, Err(error));
            return self.finish(&log, failed).await;
        }

        log.frame_held(&framing::invoke_start(&request_id));
        let invocation = call(instance, &context, log.clone()).await;
        log.frame_held(&framing::invoke_end(&request_id));
        let done = report(
            invocation.duration,
            invocation.memory_used_bytes,
            invocation.result,
        );
        self.finish(&log, done).await
    }

    /// Waits until the invocation's log lines are durable, then reports.
    async fn finish<T>(
        &self,
        log: &InvocationLog,
        mut report: Report<T>,
    ) -> Result<Report<T>, InvokeError> {
        log.report_dropped(&self.log_budgets.limit());
        // Only this function's lines: another function's flood is not ours to
        // wait for. The held frames travel with the flush (one writer wake-up),
        // or, when they are all the invocation stored, are spooled right here.
        if let Some(writer) = &self.writer {
            let held = log.take_held();
            if log.handed_lines() {
                writer.append_keyed_and_flush(log.key(), held).await?;
            } else {
                writer.append_whole_and_flush(log.key(), held).await?;
            }
        }
        report.log_tail = log.tail();
        Ok(report)
    }

    /// Records a line about `spec` that belongs to no invocation (a skipped
    /// timer firing, a reload), in the function's logstore with FC's fields.
    pub fn record_line(&self, spec: &FunctionSpec, level: &str, message: &str) {
        let fields = Arc::new(RecordFields::new(spec, &self.settings.log_source, ""));
        let log = match (&self.writer, &self.echo) {
            (Some(writer), _) => InvocationLog::new("", fields, writer.clone(), None, false),
            (None, Some(echo)) => InvocationLog::echo_only("", fields, echo.clone(), false),
            (None, None) => return,
        };
        log.record_line(level, message);
    }

    /// The log writer, for callers that record lines of their own; `None`
    /// for a host without a logstore ([`FunctionHost::echoing`]).
    pub fn log_writer(&self) -> Option<&LogWriter> {
        self.writer.as_ref()
    }
}

/// What a function may call: its template's policy, plus fclocal's own
/// endpoint when a server runs (functions read the logstore through it).
fn outbound_access(spec: &FunctionSpec, settings: &HostSettings) -> OutboundAccess {
    let local = settings
        .local_endpoint
        .as_deref()
        .and_then(|endpoint| endpoint.split_once("://").map(|(_, rest)| rest))
        .map(|authority| authority.trim_end_matches('/').to_owned());
    match (&spec.outbound, local) {
        (OutboundAccess::Any, _) | (_, None) => spec.outbound.clone(),
        (OutboundAccess::Deny, Some(local)) => OutboundAccess::Hosts(vec![local]),
        (OutboundAccess::Hosts(hosts), Some(local)) => {
            let mut hosts = hosts.clone();
            hosts.push(local);
            OutboundAccess::Hosts(hosts)
        }
    }
}

/// A new request id (a UUID, as FC uses).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new FC-style instance id, e.g. `c-6f1d3c2a-4e5b6a7c8d9e0f1a2b3c`.
pub fn new_instance_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("c-{}-{}", &id[..8], &id[8..28])
}
