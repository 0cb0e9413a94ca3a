//! [`FunctionConfig`]: what the command line (and FC's environment
//! variables behind it) says about the one function, turned into the same
//! [`FunctionSpec`] `fclocal start` builds from a template.

use std::path::PathBuf;
use std::str::FromStr;

use fclocal_engine::OutboundAccess;
use fclocal_invoke::{
    DEFAULT_LOG_PROJECT, DEFAULT_LOGSTORE, FunctionSpec, LogTarget, RequiredKind,
};
use fclocal_template::{CodeLocation, Language};

use crate::error::ConfigError;

/// FC's default custom-runtime port (`CAPort`, `customRuntimeConfig.port`).
pub const DEFAULT_PORT: u16 = 9000;

/// Which FC runtime the function was written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeName {
    /// `custom` (and `custom.debian*`): the component is the function.
    Custom,
    /// `nodejs*` or `python3*`: the component is fclocal's language engine,
    /// running the code in the code folder.
    Language(Language),
}

impl FromStr for RuntimeName {
    type Err = ConfigError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == "custom" || name.starts_with("custom.") {
            Ok(RuntimeName::Custom)
        } else if name.starts_with("nodejs") {
            Ok(RuntimeName::Language(Language::Node))
        } else if name.starts_with("python3") {
            Ok(RuntimeName::Language(Language::Python))
        } else {
            Err(ConfigError::UnknownRuntime(name.to_owned()))
        }
    }
}

/// The served function, as the command line describes it.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// The component: the function itself (`custom`) or a language engine.
    pub component: PathBuf,
    /// The runtime it was written for.
    pub runtime: RuntimeName,
    /// The code folder a language engine mounts at `/code`.
    pub code_dir: PathBuf,
    /// `FC_SERVICE_NAME`.
    pub service: String,
    /// `FC_FUNCTION_NAME`.
    pub function: String,
    /// `FC_FUNCTION_HANDLER`.
    pub handler: String,
    /// `FC_FUNCTION_MEMORY_SIZE`, until a request's `x-fc-function-memory` says otherwise.
    pub memory_mb: u32,
    /// Timeout, until a request's `x-fc-function-timeout` says otherwise.
    pub timeout_secs: u32,
    /// `Initializer`, until a request's `x-fc-function-initializer` names one.
    pub initializer: Option<String>,
    /// `InitializationTimeout`, until `x-fc-initialization-timeout` says otherwise.
    pub initialization_timeout_secs: u32,
    /// `InstanceConcurrency`: requests one instance takes before another starts.
    pub instance_concurrency: u32,
    /// The environment the function's instances see (FC's `FC_*` system
    /// variables are then set over it).
    pub environment: Vec<(String, String)>,
}

impl FunctionConfig {
    /// The function's spec, checked against FC's ranges.
    pub fn spec(&self) -> Result<FunctionSpec, ConfigError> {
        check(
            "MemorySize (--memory-size)",
            "1 to 32768 MB",
            1,
            32 * 1024,
            self.memory_mb,
        )?;
        check(
            "Timeout (--timeout)",
            "1 to 86400 seconds",
            1,
            86_400,
            self.timeout_secs,
        )?;
        check(
            "InitializationTimeout (--initialization-timeout)",
            "1 to 86400 seconds",
            1,
            86_400,
            self.initialization_timeout_secs,
        )?;
        check(
            "InstanceConcurrency (--instance-concurrency)",
            "1 to 200",
            1,
            200,
            self.instance_concurrency,
        )?;
        if !self.component.is_file() {
            return Err(ConfigError::MissingComponent(self.component.clone()));
        }
        let code = match self.runtime {
            RuntimeName::Custom => CodeLocation::Component {
                path: self.component.clone(),
            },
            RuntimeName::Language(language) => CodeLocation::Source {
                dir: self.code_dir.clone(),
                language,
            },
        };
        Ok(FunctionSpec {
            service: self.service.clone(),
            function: self.function.clone(),
            handler: self.handler.clone(),
            code,
            memory_mb: self.memory_mb,
            timeout_secs: self.timeout_secs,
            initializer: self.initializer.clone(),
            initialization_timeout_secs: self.initialization_timeout_secs,
            environment: self.environment.clone(),
            instance_concurrency: self.instance_concurrency,
            // Nothing is stored: FC collects stdout into the service's
            // Logstore, whose names arrive in each request's headers.
            log_target: LogTarget {
                project: DEFAULT_LOG_PROJECT.to_owned(),
                logstore: DEFAULT_LOGSTORE.to_owned(),
            },
            log_config: None,
            // On FC a function reaches the internet unless its service
            // says otherwise, and the network is FC's to police.
            outbound: OutboundAccess::Any,
            required_kind: RequiredKind::Any,
            log_topic: self.service.clone(),
        })
    }
}

fn check(
    name: &'static str,
    range: &'static str,
    min: u32,
    max: u32,
    value: u32,
) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            name,
            range,
            value: u64::from(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_by_fc_name() {
        assert_eq!(
            "custom".parse::<RuntimeName>().ok(),
            Some(RuntimeName::Custom)
        );
        assert_eq!(
            "custom.debian10".parse::<RuntimeName>().ok(),
            Some(RuntimeName::Custom)
        );
        assert_eq!(
            "nodejs18".parse::<RuntimeName>().ok(),
            Some(RuntimeName::Language(Language::Node))
        );
        assert_eq!(
            "python3.10".parse::<RuntimeName>().ok(),
            Some(RuntimeName::Language(Language::Python))
        );
        let error = "java11".parse::<RuntimeName>().unwrap_err().to_string();
        assert!(
            error.contains("`java11`") && error.contains("custom"),
            "{error}"
        );
    }

    #[test]
    fn out_of_range_settings_name_the_flag() {
        let config = FunctionConfig {
            component: "missing.wasm".into(),
            runtime: RuntimeName::Custom,
            code_dir: ".".into(),
            service: "s".into(),
            function: "f".into(),
            handler: "h".into(),
            memory_mb: 0,
            timeout_secs: 3,
            initializer: None,
            initialization_timeout_secs: 3,
            instance_concurrency: 1,
            environment: Vec::new(),
        };
        let error = config.spec().unwrap_err().to_string();
        assert!(
            error.contains("--memory-size") && error.contains("got 0"),
            "{error}"
        );
        let missing = FunctionConfig {
            memory_mb: 128,
            ..config
        };
        let error = missing.spec().unwrap_err().to_string();
        assert!(error.contains("missing.wasm does not exist"), "{error}");
    }
}
