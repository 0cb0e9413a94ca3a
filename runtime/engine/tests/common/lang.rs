//! Helpers shared by the language engine tests (`lang_node.rs`,
//! `lang_python.rs`): one compiled engine per test binary, instances with a
//! fixture folder mounted at `/code`, FC's context, and calls that unwrap
//! their outcome.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use fclocal_engine::{
    Credentials, EngineConfig, EventContext, FunctionInfo, FunctionInstance, HttpRequest,
    HttpResponse, InstanceSettings, InvocationError, PreparedComponent, Runtime, ServiceInfo,
};
use fclocal_test_support::EngineLanguage;
use http::{HeaderMap, Method};
use serde_json::Value;

use super::sink;

/// Generous: a cold instance compiles the handler's modules on its first call.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest HTTP response body the tests accept.
pub const MAX_BODY: usize = 1 << 20;

/// A language engine under test, with the names its fixtures expect.
pub struct LangEngine {
    language: EngineLanguage,
    /// The folder under `tests/fixtures` holding its code folders.
    fixtures: &'static str,
    service: &'static str,
    function: &'static str,
    loaded: OnceLock<(Runtime, PreparedComponent)>,
}

impl LangEngine {
    pub const fn new(
        language: EngineLanguage,
        fixtures: &'static str,
        service: &'static str,
        function: &'static str,
    ) -> LangEngine {
        LangEngine {
            language,
            fixtures,
            service,
            function,
            loaded: OnceLock::new(),
        }
    }

    /// The engine, built once per checkout and compiled once per test
    /// binary; the compiled code is cached beside the engine, as fclocal
    /// caches it.
    pub fn component(&self) -> &PreparedComponent {
        &self
            .loaded
            .get_or_init(|| {
                let path = fclocal_test_support::language_engine(self.language);
                let runtime = Runtime::new(EngineConfig::default()).expect("the engine starts");
                let component = runtime
                    .load_shared(&path, &fclocal_test_support::engine_compile_cache(&path))
                    .unwrap_or_else(|e| panic!("the {:?} engine loads: {e}", self.language));
                (runtime, component)
            })
            .1
    }

    pub fn fixture(&self, name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(self.fixtures)
            .join(name)
    }

    /// Settings with the fixture folder `code` at `/code`.
    pub fn settings(&self, code: &str, memory_mb: u64) -> InstanceSettings {
        self.settings_at(self.fixture(code), memory_mb)
    }

    /// Settings with `code_dir` at `/code`, and two extra variables.
    pub fn settings_at(&self, code_dir: PathBuf, memory_mb: u64) -> InstanceSettings {
        let mut settings = super::settings(memory_mb);
        settings.code_dir = Some(code_dir);
        settings.environment.extend([
            ("FC_REGION".to_owned(), "cn-hangzhou".to_owned()),
            ("PATH_LIKE".to_owned(), "/a:/b".to_owned()),
        ]);
        settings
    }

    pub async fn instance_with(&self, settings: &InstanceSettings) -> FunctionInstance {
        self.component()
            .instantiate(settings)
            .await
            .unwrap_or_else(|e| panic!("the {:?} engine instantiates: {e}", self.language))
    }

    pub fn context(&self, handler: &str) -> EventContext {
        EventContext {
            request_id: "req-1".into(),
            credentials: Credentials {
                access_key_id: "AKID".into(),
                access_key_secret: "SECRET".into(),
                security_token: "TOKEN".into(),
            },
            function: FunctionInfo {
                name: self.function.into(),
                handler: handler.into(),
                memory_mb: 128,
                timeout_secs: 3,
                initializer: String::new(),
                initialization_timeout_secs: 3,
            },
            service: ServiceInfo {
                name: self.service.into(),
                log_project: "proj".into(),
                log_store: "store".into(),
                qualifier: "LATEST".into(),
                version_id: String::new(),
            },
            region: "cn-hangzhou".into(),
            account_id: "1234567890".into(),
        }
    }

    /// Calls an event handler that must succeed.
    pub async fn call(&self, guest: &mut FunctionInstance, handler: &str, event: &[u8]) -> Vec<u8> {
        let invoked = guest
            .invoke_event(event, &self.context(handler), TIMEOUT, sink())
            .await;
        match invoked.result {
            Ok(bytes) => bytes,
            Err(error) => panic!("{handler} failed: {error:?}"),
        }
    }

    pub async fn call_json(
        &self,
        guest: &mut FunctionInstance,
        handler: &str,
        event: &[u8],
    ) -> Value {
        let bytes = self.call(guest, handler, event).await;
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{handler} returned {}", String::from_utf8_lossy(&bytes)))
    }

    /// Calls an event handler that must fail; checks `unhandled` and that
    /// the instance survives, and returns FC's error body.
    pub async fn failing(
        &self,
        guest: &mut FunctionInstance,
        handler: &str,
        unhandled: bool,
    ) -> Value {
        let invoked = guest
            .invoke_event(b"", &self.context(handler), TIMEOUT, sink())
            .await;
        let (body, was_unhandled) = reported(&invoked.result);
        assert_eq!(was_unhandled, unhandled, "{handler}: unhandled? {body}");
        assert!(guest.is_usable(), "{handler}: the instance survives");
        body
    }

    /// A request as the HTTP trigger of this engine's function receives it.
    pub fn request(
        &self,
        method: Method,
        path_and_query: &str,
        headers: HeaderMap,
        body: &'static [u8],
    ) -> HttpRequest {
        HttpRequest {
            method,
            path_and_query: path_and_query.to_owned(),
            headers,
            body: Bytes::from_static(body),
            client_ip: "10.1.2.3".into(),
            request_uri: format!(
                "/2016-08-15/proxy/{}/{}{path_and_query}",
                self.service, self.function
            ),
        }
    }

    /// Calls an HTTP handler that must answer.
    pub async fn http(
        &self,
        guest: &mut FunctionInstance,
        handler: &str,
        request: HttpRequest,
    ) -> HttpResponse {
        let answered = guest
            .invoke_http(request, &self.context(handler), TIMEOUT, MAX_BODY, sink())
            .await;
        match answered.result {
            Ok(response) => response,
            Err(error) => panic!("{handler} failed: {error:?}"),
        }
    }
}

/// The FC error body and `unhandled` of a reported error.
pub fn reported<T: std::fmt::Debug>(result: &Result<T, InvocationError>) -> (Value, bool) {
    match result {
        Err(InvocationError::Reported {
            body, unhandled, ..
        }) => (
            serde_json::from_str(body).expect("the error body is JSON"),
            *unhandled,
        ),
        other => panic!("expected a reported error, got {other:?}"),
    }
}

pub fn body_json(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).expect("a JSON body")
}
