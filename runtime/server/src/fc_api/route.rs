//! Which FC API call a request is: the version from the path's first
//! segment, the operation from the method and the rest of the path.
//!
//! Path segments are percent-decoded (the SDKs encode every path parameter:
//! FC 3.0's `demo$hello` arrives as `demo%24hello`).

use http::Method;

use crate::fc_error::ErrorShape;

/// An FC API version fclocal serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// FC 2.0's original API (fc2 SDKs, `fun`, `s`), FC's own signature.
    V2016,
    /// FC 2.0's OpenAPI (`alibabacloud-fc-open20210406`), ACS3 signature.
    V2021,
    /// FC 3.0 (`alibabacloud-fc20230330`): functions without services.
    V2023,
}

impl ApiVersion {
    /// Every version, oldest first.
    pub const ALL: [ApiVersion; 3] = [ApiVersion::V2016, ApiVersion::V2021, ApiVersion::V2023];

    /// `2016-08-15`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2016 => "2016-08-15",
            ApiVersion::V2021 => "2021-04-06",
            ApiVersion::V2023 => "2023-03-30",
        }
    }

    /// The error body this version's clients read.
    pub fn error_shape(self) -> ErrorShape {
        match self {
            ApiVersion::V2016 => ErrorShape::Fc2016,
            ApiVersion::V2021 => ErrorShape::OpenApi2021,
            ApiVersion::V2023 => ErrorShape::Fc2023,
        }
    }

    /// The version a path is under, and the path after `/{version}/`.
    pub fn of_path(path: &str) -> Option<(ApiVersion, &str)> {
        ApiVersion::ALL.into_iter().find_map(|version| {
            let rest = path.strip_prefix('/')?.strip_prefix(version.as_str())?;
            if rest.is_empty() {
                return Some((version, ""));
            }
            rest.strip_prefix('/').map(|rest| (version, rest))
        })
    }
}

/// A function as a call names it: `service` is `None` in FC 3.0, whose
/// `function` is an FC 3.0 name (see `catalog`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The 2.0 service, with any `.qualifier` suffix (2016-08-15).
    pub service: Option<String>,
    /// The function.
    pub function: String,
}

/// One FC API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `GET /services` (2.0 only).
    ListServices,
    /// `GET /services/{service}` (2.0 only).
    GetService(String),
    /// `GET /services/{service}/functions`, or FC 3.0's `GET /functions`.
    ListFunctions(Option<String>),
    /// `GET …/functions/{function}`.
    GetFunction(FunctionRef),
    /// `GET …/functions/{function}/triggers`.
    ListTriggers(FunctionRef),
    /// `GET …/functions/{function}/triggers/{trigger}`.
    GetTrigger(FunctionRef, String),
    /// `POST …/functions/{function}/invocations` (any method lands here;
    /// the handler answers 405 to the others).
    Invoke(FunctionRef),
    /// A call that changes resources (CreateFunction, ...): never served,
    /// the template is the source of truth.
    Write(String),
    /// A read fclocal does not serve (versions, aliases, layers, ...).
    NotServed,
}

fn decode(segment: &str) -> String {
    form_urlencoded::parse(format!("s={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The call `method rest` is in `version` (`rest` is the path after the
/// version segment).
pub fn parse(version: ApiVersion, method: &Method, rest: &str) -> Call {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (service, function_path): (Option<&str>, &[&str]) = match (version, segments.as_slice()) {
        (ApiVersion::V2023, ["functions", rest @ ..]) => (None, rest),
        (ApiVersion::V2023, _) => return other(method, "this FC 3.0 call"),
        (_, ["services"]) => return read_or_write(method, Call::ListServices, "CreateService"),
        (_, ["services", service]) => {
            return by_method(
                method,
                Call::GetService((*service).to_owned()),
                "UpdateService",
                "DeleteService",
            );
        }
        (_, ["services", service, "functions", rest @ ..]) => (Some(service), rest),
        _ => return other(method, "this FC 2.0 call"),
    };
    let service = service.map(|service| service.to_owned());
    let function = |name: &str| FunctionRef {
        service: service.clone(),
        function: name.to_owned(),
    };
    match function_path {
        [] => read_or_write(
            method,
            Call::ListFunctions(service.clone()),
            "CreateFunction",
        ),
        [name] => by_method(
            method,
            Call::GetFunction(function(name)),
            "UpdateFunction",
            "DeleteFunction",
        ),
        [name, "invocations"] => Call::Invoke(function(name)),
        [name, "triggers"] => {
            read_or_write(method, Call::ListTriggers(function(name)), "CreateTrigger")
        }
        [name, "triggers", trigger] => by_method(
            method,
            Call::GetTrigger(function(name), (*trigger).to_owned()),
            "UpdateTrigger",
            "DeleteTrigger",
        ),
        _ => other(method, "this call"),
    }
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

fn read_or_write(method: &Method, read: Call, create: &str) -> Call {
    if is_read(method) {
        read
    } else {
        Call::Write(create.to_owned())
    }
}

fn by_method(method: &Method, read: Call, update: &str, delete: &str) -> Call {
    match *method {
        Method::GET | Method::HEAD => read,
        Method::DELETE => Call::Write(delete.to_owned()),
        _ => Call::Write(update.to_owned()),
    }
}

fn other(method: &Method, what: &str) -> Call {
    if is_read(method) {
        Call::NotServed
    } else {
        Call::Write(what.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(version: ApiVersion, method: Method, path: &str) -> Call {
        let (found, rest) = ApiVersion::of_path(path).unwrap();
        assert_eq!(found, version);
        parse(version, &method, rest)
    }

    fn function(service: Option<&str>, function: &str) -> FunctionRef {
        FunctionRef {
            service: service.map(str::to_owned),
            function: function.to_owned(),
        }
    }

    #[test]
    fn versions_are_told_apart_by_the_first_segment() {
        assert_eq!(
            ApiVersion::of_path("/2021-04-06/services"),
            Some((ApiVersion::V2021, "services"))
        );
        assert_eq!(ApiVersion::of_path("/2021-04-066/services"), None);
        assert_eq!(ApiVersion::of_path("/2024-01-01/functions"), None);
    }

    #[test]
    fn fc2_paths_parse() {
        use ApiVersion::V2021;
        assert_eq!(
            call(V2021, Method::GET, "/2021-04-06/services"),
            Call::ListServices
        );
        assert_eq!(
            call(V2021, Method::GET, "/2021-04-06/services/demo/"),
            Call::GetService("demo".into())
        );
        assert_eq!(
            call(V2021, Method::GET, "/2021-04-06/services/demo/functions"),
            Call::ListFunctions(Some("demo".into()))
        );
        assert_eq!(
            call(
                V2021,
                Method::GET,
                "/2021-04-06/services/demo/functions/hello/triggers/t%201"
            ),
            Call::GetTrigger(function(Some("demo"), "hello"), "t 1".into())
        );
        assert_eq!(
            call(
                ApiVersion::V2016,
                Method::POST,
                "/2016-08-15/services/demo.LATEST/functions/hello/invocations/"
            ),
            Call::Invoke(function(Some("demo.LATEST"), "hello"))
        );
        assert_eq!(
            call(V2021, Method::POST, "/2021-04-06/services/demo/functions"),
            Call::Write("CreateFunction".into())
        );
        assert_eq!(
            call(V2021, Method::DELETE, "/2021-04-06/services/demo"),
            Call::Write("DeleteService".into())
        );
        assert_eq!(
            call(V2021, Method::GET, "/2021-04-06/services/demo/versions"),
            Call::NotServed
        );
    }

    #[test]
    fn fc3_paths_parse_with_encoded_names() {
        use ApiVersion::V2023;
        assert_eq!(
            call(V2023, Method::GET, "/2023-03-30/functions"),
            Call::ListFunctions(None)
        );
        assert_eq!(
            call(
                V2023,
                Method::POST,
                "/2023-03-30/functions/demo%24hello/invocations"
            ),
            Call::Invoke(function(None, "demo$hello"))
        );
        assert_eq!(
            call(V2023, Method::GET, "/2023-03-30/functions/a+b/triggers"),
            Call::ListTriggers(function(None, "a+b"))
        );
        assert_eq!(
            call(V2023, Method::PUT, "/2023-03-30/functions/hello"),
            Call::Write("UpdateFunction".into())
        );
        assert_eq!(
            call(V2023, Method::GET, "/2023-03-30/layers"),
            Call::NotServed
        );
        assert_eq!(
            call(V2023, Method::POST, "/2023-03-30/custom-domains"),
            Call::Write("this FC 3.0 call".into())
        );
    }
}
