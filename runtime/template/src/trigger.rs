//! Triggers (a function's `Events`): the three fclocal emulates are typed; the rest are
//! kept by type name so tools can list them.

use std::fmt;

use crate::cron::CronSchedule;
use crate::names::TriggerName;

/// One entry of a function's `Events`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The key under `Events`.
    pub name: TriggerName,
    /// `Qualifier`: the version or alias the trigger invokes (FC's default is `LATEST`).
    pub qualifier: Option<String>,
    /// `InvocationRole`: a RAM role ARN. Kept; not enforced locally.
    pub invocation_role: Option<String>,
    /// What fires it.
    pub kind: TriggerKind,
}

/// What fires a trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    /// `Type: HTTP`: served locally.
    Http(HttpTrigger),
    /// `Type: Timer`: fired locally on its schedule.
    Timer(TimerTrigger),
    /// `Type: MNSTopic`: fired by messages published to the emulated topic.
    MnsTopic(MnsTopicTrigger),
    /// A trigger type fclocal validates but does not fire (`Datahub`, `Api`, `TableStore`,
    /// `Log`, `RDS`, `OSS`, `CDN`); loading warns about each one.
    NotEmulated {
        /// The `Type` as written.
        trigger_type: String,
    },
}

impl TriggerKind {
    /// The trigger `Type` as written in templates (`HTTP`, `Timer`, `MNSTopic`, …).
    pub fn type_name(&self) -> &str {
        match self {
            TriggerKind::Http(_) => "HTTP",
            TriggerKind::Timer(_) => "Timer",
            TriggerKind::MnsTopic(_) => "MNSTopic",
            TriggerKind::NotEmulated { trigger_type } => trigger_type,
        }
    }
}

/// An HTTP trigger's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTrigger {
    /// `AuthType`: whether requests must carry an FC signature.
    pub auth_type: AuthType,
    /// `Methods`: the accepted request methods, deduplicated, in template order.
    pub methods: Vec<HttpMethod>,
}

/// An HTTP trigger's `AuthType` (`ANONYMOUS` or `FUNCTION`; lowercase is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// No signature required.
    Anonymous,
    /// Requests must be signed with an AccessKey (FC's `Authorization` header).
    Function,
}

impl AuthType {
    /// The template spelling: `ANONYMOUS` or `FUNCTION`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::Anonymous => "ANONYMOUS",
            AuthType::Function => "FUNCTION",
        }
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A method an HTTP trigger accepts. `PATCH` is beyond fun's schema but allowed by
/// Serverless Devs' `s.yaml` and the FC API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
    /// `PATCH`.
    Patch,
    /// `OPTIONS`: FC 3.0 HTTP triggers (`s.yaml` edition 3) may list it, so the
    /// function answers CORS preflights itself; not in [`HttpMethod::ALL`], which
    /// is FC 2.0's list.
    Options,
}

impl HttpMethod {
    /// Every method, in the order FC's docs list them.
    pub const ALL: [HttpMethod; 6] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Delete,
        HttpMethod::Head,
        HttpMethod::Patch,
    ];

    /// The method as it appears on the wire: `GET`, `POST`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Options => "OPTIONS",
        }
    }

    /// FC 3.0's methods (fc3 `schema.json`): [`HttpMethod::ALL`] and `OPTIONS`.
    pub const FC3: [HttpMethod; 7] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Delete,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Options,
    ];

    /// Parses a method written all uppercase or all lowercase (`GET`, `get`).
    pub fn from_template(text: &str) -> Option<HttpMethod> {
        HttpMethod::ALL
            .into_iter()
            .find(|m| text == m.as_str() || text == m.as_str().to_ascii_lowercase())
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Timer trigger's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerTrigger {
    /// `CronExpression`, validated.
    pub schedule: CronSchedule,
    /// `Payload`: passed as `payload` in the timer event.
    pub payload: Option<String>,
    /// `Enable` (default true): a disabled timer is kept but never fires.
    pub enabled: bool,
}

/// An MNSTopic trigger's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnsTopicTrigger {
    /// `TopicName`: the topic whose messages invoke the function.
    pub topic_name: String,
    /// `Region`.
    pub region: Option<String>,
    /// `NotifyContentFormat` (default `STREAM`).
    pub notify_content_format: NotifyContentFormat,
    /// `NotifyStrategy` (`BACKOFF_RETRY` or `EXPONENTIAL_DECAY_RETRY`).
    pub notify_strategy: Option<String>,
    /// `FilterTag` (at most 16 characters): only messages with this tag are delivered.
    pub filter_tag: Option<String>,
}

/// How an MNS message reaches the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NotifyContentFormat {
    /// `STREAM`: the raw message body.
    #[default]
    Stream,
    /// `JSON`: a JSON envelope (`TopicOwner`, `Message`, `MessageId`, …).
    Json,
}

impl NotifyContentFormat {
    /// The template spelling: `STREAM` or `JSON`.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyContentFormat::Stream => "STREAM",
            NotifyContentFormat::Json => "JSON",
        }
    }
}

impl fmt::Display for NotifyContentFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
