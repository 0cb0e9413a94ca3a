//! The resolved app: what a valid template means, with defaults applied and every name,
//! number, path and schedule already checked. Nothing downstream sees raw YAML.

use std::path::{Path, PathBuf};

use crate::names::{FunctionName, ServiceName};
use crate::trigger::Trigger;

/// A loaded template: its services (with their functions and triggers) and the log
/// projects and MNS topics it declares, all in template order.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Which project format the app was read from. Nothing downstream needs it to
    /// run functions; it tells FC 3.0 apps (`s.yaml` edition 3, where functions
    /// stand alone and HTTP triggers serve at the function's root path) from FC 2.0
    /// ones.
    pub source: ProjectFormat,
    /// The template file, as given to [`crate::load`].
    pub template_path: PathBuf,
    /// The directory relative paths (`CodeUri`) were resolved against: the template's
    /// parent directory.
    pub base_dir: PathBuf,
    /// `Aliyun::Serverless::Service` resources.
    pub services: Vec<Service>,
    /// `Aliyun::Serverless::Log` resources (SLS projects), with their logstores.
    pub log_projects: Vec<LogProject>,
    /// `Aliyun::Serverless::MNSTopic` resources.
    pub mns_topics: Vec<MnsTopic>,
}

impl App {
    /// An app with nothing in it yet, read from `template_path` (relative paths in it
    /// resolve against `base_dir`): where both formats' resolvers start.
    pub(crate) fn empty(source: ProjectFormat, template_path: &Path, base_dir: &Path) -> App {
        App {
            source,
            template_path: template_path.to_path_buf(),
            base_dir: base_dir.to_path_buf(),
            services: Vec::new(),
            log_projects: Vec::new(),
            mns_topics: Vec::new(),
        }
    }
}

/// The project file an [`App`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectFormat {
    /// fun's `template.yml` (`Transform: Aliyun::Serverless-2018-04-03`): FC 2.0.
    FunTemplate,
    /// Serverless Devs `s.yaml`, `edition: 3.0.0` with the `fc3` component: FC 3.0.
    /// Each function is its own service, named after it (`hello` → `hello/hello`;
    /// `svc$fn`, FC 3.0's name for an FC 2.0 function, → `svc/fn`).
    ServerlessDevs3,
    /// Serverless Devs `s.yaml`, `edition: 1.0.0` with the `fc` component: FC 2.0
    /// services and functions, as `template.yml` declares them.
    ServerlessDevs1,
}

impl ProjectFormat {
    /// Whether the app is an FC 3.0 project (functions without services).
    pub fn is_fc3(self) -> bool {
        self == ProjectFormat::ServerlessDevs3
    }

    /// How the format is named in messages: `template.yml`, `s.yaml (edition 3.0.0)`.
    pub fn display_name(self) -> &'static str {
        match self {
            ProjectFormat::FunTemplate => "template.yml",
            ProjectFormat::ServerlessDevs3 => "s.yaml (edition 3.0.0, fc3)",
            ProjectFormat::ServerlessDevs1 => "s.yaml (edition 1.0.0, fc)",
        }
    }
}

/// An `Aliyun::Serverless::Service`: a group of functions sharing a role, network and
/// log configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The resource key.
    pub name: ServiceName,
    /// `Description`.
    pub description: Option<String>,
    /// `Role`: a RAM role ARN. Kept for the function context; not enforced locally.
    pub role: Option<String>,
    /// `Policies`: a policy name, a policy document, or a list of either, as JSON.
    /// Kept for completeness; not enforced locally.
    pub policies: Option<serde_json::Value>,
    /// `InternetAccess`. See [`Service::allows_internet`] for what fclocal does with it.
    pub internet_access: Option<bool>,
    /// `LogConfig`: where function logs go. fclocal writes them to its local logstore.
    pub log_config: Option<LogConfig>,
    /// `VpcConfig`. Accepted and kept; there is no VPC locally.
    pub vpc_config: Option<VpcConfig>,
    /// `NasConfig`. Accepted and kept; not mounted locally.
    pub nas_config: Option<NasConfig>,
    /// `TracingConfig`: `Enable` or `Disable`.
    pub tracing_config: Option<String>,
    /// The functions declared under the service, in template order.
    pub functions: Vec<Function>,
}

impl Service {
    /// Whether functions of this service may make outbound HTTP requests.
    ///
    /// Only an explicit `InternetAccess: true` allows it. This deliberately differs from
    /// the cloud, where a missing `InternetAccess` means allowed: locally, outbound access
    /// is a capability the template must grant (deny by default), so a function that
    /// reaches the internet says so in its template.
    pub fn allows_internet(&self) -> bool {
        self.internet_access == Some(true)
    }

    /// The function called `name`, if the service declares one.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name.as_str() == name)
    }
}

/// A service's `LogConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogConfig {
    /// `LogConfig: Auto`: the cloud creates a default project and logstore.
    Auto,
    /// An explicit project and logstore; the log routing key for the function's output.
    Store {
        /// `Project`: the SLS project name.
        project: String,
        /// `Logstore`: the logstore inside the project.
        logstore: String,
        /// `EnableRequestMetrics`.
        enable_request_metrics: Option<bool>,
        /// `EnableInstanceMetrics`.
        enable_instance_metrics: Option<bool>,
    },
}

/// A service's `VpcConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcConfig {
    /// `VpcConfig: Auto`.
    Auto,
    /// An explicit VPC.
    Vpc {
        /// `VpcId`.
        vpc_id: String,
        /// `VSwitchIds`.
        vswitch_ids: Vec<String>,
        /// `SecurityGroupId`.
        security_group_id: String,
    },
}

/// A service's `NasConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NasConfig {
    /// `NasConfig: Auto`.
    Auto,
    /// An explicit NAS configuration.
    Explicit {
        /// `Auto`: let the cloud create the file system.
        auto: Option<bool>,
        /// `UserId`.
        user_id: Option<i64>,
        /// `GroupId`.
        group_id: Option<i64>,
        /// `MountPoints`.
        mount_points: Vec<NasMountPoint>,
    },
}

/// One entry of `NasConfig.MountPoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NasMountPoint {
    /// `ServerAddr`: `<nas-server>:/<path>`.
    pub server_addr: String,
    /// `MountDir`: where the function sees it.
    pub mount_dir: String,
}

/// An `Aliyun::Serverless::Function`, resolved to a WebAssembly component fclocal can run.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The key under its service.
    pub name: FunctionName,
    /// `Handler`: the component file name (`process-event.wasm`) for
    /// `Runtime: custom`; FC's `file.export` (`index.handler`) for Node.js
    /// and `module.function` for Python.
    pub handler: String,
    /// `Runtime`, one fclocal runs (others are rejected at load).
    pub runtime: Runtime,
    /// Where the code comes from (`CodeUri` + `Handler`).
    pub code: CodeLocation,
    /// `Description`.
    pub description: Option<String>,
    /// `Timeout` in seconds (1–86400, default 3): the per-invocation deadline.
    pub timeout_secs: u32,
    /// `MemorySize` in MB (128–32768, a multiple of 64, default 128): the memory limit.
    pub memory_size_mb: u32,
    /// `Initializer`: the initializer entry, if any.
    pub initializer: Option<String>,
    /// `InitializationTimeout` in seconds (1–300, default 3).
    pub initialization_timeout_secs: u32,
    /// `EnvironmentVariables`, in template order.
    pub environment: Vec<(String, String)>,
    /// `InstanceConcurrency` (1–100, default 1): requests one instance serves at once.
    pub instance_concurrency: u32,
    /// `InstanceType` (`e1` or `c1`).
    pub instance_type: Option<String>,
    /// `CAPort`: the custom-runtime listen port. Kept for the context; components do not
    /// listen on ports.
    pub ca_port: Option<u16>,
    /// The function's `Events`, in template order.
    pub triggers: Vec<Trigger>,
}

/// A language whose FC handlers fclocal runs unmodified, through a language
/// engine that is itself a WebAssembly component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// FC's `nodejs*` runtimes.
    Node,
    /// FC's `python3*` runtimes.
    Python,
}

impl Language {
    /// `Node.js` or `Python`, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Language::Node => "Node.js",
            Language::Python => "Python",
        }
    }

    /// `node` or `python`: the engine's file and folder name.
    pub fn engine_name(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python",
        }
    }
}

/// A `Runtime` fclocal runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `custom`: a WebAssembly component named by `Handler`.
    Custom,
    /// A Node.js or Python runtime, by its FC name (`nodejs8`, `python3.10`).
    Language {
        /// Which engine runs it.
        language: Language,
        /// FC's runtime name as written in the template.
        name: String,
    },
}

impl Runtime {
    /// FC's name: `custom`, `nodejs8`, `python3.10`.
    pub fn name(&self) -> &str {
        match self {
            Runtime::Custom => "custom",
            Runtime::Language { name, .. } => name,
        }
    }

    /// The language, for Node.js and Python runtimes.
    pub fn language(&self) -> Option<Language> {
        match self {
            Runtime::Custom => None,
            Runtime::Language { language, .. } => Some(*language),
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a function's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeLocation {
    /// `CodeUri` is a Cargo crate: fclocal builds it for `wasm32-wasip2`.
    Crate {
        /// The crate directory (holds `Cargo.toml`), resolved against the template's directory.
        dir: PathBuf,
        /// The component file the build must produce (the `Handler`).
        component_file: String,
    },
    /// A prebuilt component file.
    Component {
        /// The `.wasm` file, resolved against the template's directory.
        path: PathBuf,
    },
    /// Node.js or Python source: the folder FC would mount at `/code`, run by
    /// the language's engine.
    Source {
        /// The `CodeUri` folder, resolved against the template's directory.
        dir: PathBuf,
        /// Which engine runs it.
        language: Language,
    },
}

/// An `Aliyun::Serverless::Log` resource: an SLS project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProject {
    /// The resource key (the project name).
    pub name: String,
    /// `Description` (required by fun's schema).
    pub description: String,
    /// Its `Aliyun::Serverless::Log::Logstore` children, in template order.
    pub logstores: Vec<Logstore>,
}

/// An `Aliyun::Serverless::Log::Logstore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logstore {
    /// The key under its project.
    pub name: String,
    /// `TTL`: retention in days (1–3600).
    pub ttl_days: u32,
    /// `ShardCount` (1–100).
    pub shard_count: u32,
}

/// An `Aliyun::Serverless::MNSTopic` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnsTopic {
    /// The resource key (the topic name).
    pub name: String,
    /// `Region`.
    pub region: String,
    /// `MaximumMessageSize` in bytes (1024–65536, default 65536).
    pub maximum_message_size: u32,
    /// `LoggingEnabled` (default false).
    pub logging_enabled: bool,
}
