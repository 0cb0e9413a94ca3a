"""The FC Open API Python SDK (alibabacloud-fc-open20210406, 2021-04-06)
against fclocal.

Endpoint `127.0.0.1:PORT` with protocol `http`; the SDK signs with
ACS3-HMAC-SHA256, and its `invoke_httptrigger` helper signs HTTP-trigger
requests with FC's signature. Prints one JSON object of what each call
answered; the Rust test asserts on it.
"""

import base64
import json
import os

from alibabacloud_fc_open20210406 import models
from alibabacloud_fc_open20210406.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models


def client(secret):
    return Client(open_api_models.Config(
        access_key_id=os.environ["FCLOCAL_ACCESS_KEY_ID"],
        access_key_secret=secret,
        endpoint=f'{os.environ["FCLOCAL_HOST"]}:{os.environ["FCLOCAL_PORT"]}',
        protocol="http",
    ))


def failure(call):
    """The SDK's exception for a call that must fail: status, code, message."""
    try:
        call()
    except Exception as error:  # the SDK's ClientException
        return {
            "status": getattr(error, "status_code", None),
            "code": getattr(error, "code", None),
            "message": getattr(error, "message", str(error)),
        }
    raise AssertionError("the call succeeded")


def invoke(fc, service, function, event, qualifier=None, **headers):
    return fc.invoke_function_with_options(
        service,
        function,
        models.InvokeFunctionRequest(body=event, qualifier=qualifier),
        models.InvokeFunctionHeaders(**headers),
        util_models.RuntimeOptions(),
    )


fc = client(os.environ["FCLOCAL_ACCESS_KEY_SECRET"])
found = {}

sync = invoke(fc, "demo", "hostile", b'{"action":"echo","n":2}', qualifier="LATEST")
found["sync"] = {"status": sync.status_code, "body": sync.body.decode()}

tail = invoke(fc, "demo", "hostile", b'{"action":"stderr"}', x_fc_log_type="Tail")
found["tail"] = {
    "request_id": tail.headers.get("x-fc-request-id"),
    "log": base64.b64decode(tail.headers["x-fc-log-result"]).decode(),
}

error = invoke(fc, "demo", "hostile", b'{"action":"panic"}')
found["error"] = {
    "status": error.status_code,
    "type": error.headers.get("x-fc-error-type"),
    "body": json.loads(error.body),
}

queued = invoke(fc, "other", "worker", b'{"action":"ok"}', x_fc_invocation_type="Async")
found["async"] = {
    "status": queued.status_code,
    "request_id": queued.headers.get("x-fc-request-id"),
}

services = fc.list_services(models.ListServicesRequest()).body
found["services"] = [
    {
        "name": service.service_name,
        "logProject": service.log_config.project if service.log_config else None,
        "description": service.description,
    }
    for service in services.services
]
found["service"] = fc.get_service("demo", models.GetServiceRequest()).body.service_name

pages, token = [], None
while True:
    page = fc.list_functions("demo", models.ListFunctionsRequest(limit=2, next_token=token)).body
    pages.append([function.function_name for function in page.functions])
    token = page.next_token
    if not token:
        break
found["pages"] = pages

function = fc.get_function("demo", "hostile", models.GetFunctionRequest()).body
found["function"] = {
    "name": function.function_name,
    "runtime": function.runtime,
    "memorySize": function.memory_size,
    "timeout": function.timeout,
    "environmentVariables": function.environment_variables,
}
triggers = fc.list_triggers("demo", "secure", models.ListTriggersRequest()).body.triggers
found["triggers"] = [
    {"name": t.trigger_name, "type": t.trigger_type, "config": json.loads(t.trigger_config)}
    for t in triggers
]
trigger = fc.get_trigger("demo", "ticker", "tick").body
found["timer"] = {"type": trigger.trigger_type, "config": json.loads(trigger.trigger_config)}

# The SDK's own helper signs the HTTP-trigger request (FUNCTION auth). It
# reads `content-type` case-sensitively when signing, so the header is
# given in lower case (as it must be for FC itself).
url = f'{os.environ["FCLOCAL_URL"]}/2016-08-15/proxy/demo/secure/echo?b=2&a=1'
signed = fc.invoke_httptrigger(url, "POST", b"signed body", {"content-type": "text/plain"})
found["http_trigger"] = {"status": signed.status_code, "echo": signed.json()}
unsigned = client("not-the-secret").invoke_httptrigger(url, "GET", b"", {})
found["http_trigger_wrong_secret"] = unsigned.status_code

found["missing"] = failure(lambda: fc.get_function("demo", "nope", models.GetFunctionRequest()))
found["version"] = failure(
    lambda: fc.get_function("demo", "hostile", models.GetFunctionRequest(qualifier="1"))
)
found["write"] = failure(
    lambda: fc.create_service(models.CreateServiceRequest(service_name="new"))
)
found["wrong_secret"] = failure(
    lambda: client("not-the-secret").list_services(models.ListServicesRequest())
)

print(json.dumps(found))
