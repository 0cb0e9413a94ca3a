"""FC 3.0's Python SDK (alibabacloud-fc20230330) against fclocal.

Endpoint `127.0.0.1:PORT` with protocol `http`, as the README gives it;
signed with ACS3-HMAC-SHA256 by the SDK. Prints one JSON object of what
each call answered; the Rust test asserts on it.
"""

import base64
import json
import os

from alibabacloud_fc20230330 import models
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from darabonba.runtime import RuntimeOptions


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


def invoke(fc, name, event, **headers):
    response = fc.invoke_function_with_options(
        name,
        models.InvokeFunctionRequest(body=event),
        models.InvokeFunctionHeaders(**headers),
        RuntimeOptions(),
    )
    return response


fc = client(os.environ["FCLOCAL_ACCESS_KEY_SECRET"])
found = {}

sync = invoke(fc, "demo$hostile", b'{"action":"echo","n":1}')
found["sync"] = {
    "status": sync.status_code,
    "body": sync.body.read().decode(),
    "request_id": sync.headers.get("x-fc-request-id"),
}
qualified = fc.invoke_function_with_options(
    "worker",
    models.InvokeFunctionRequest(body=b'{"action":"ok"}', qualifier="LATEST"),
    models.InvokeFunctionHeaders(),
    RuntimeOptions(),
)
found["qualified"] = qualified.body.read().decode()

tail = invoke(fc, "demo$hostile", b'{"action":"stderr"}', x_fc_log_type="Tail")
found["tail"] = {
    "request_id": tail.headers.get("x-fc-request-id"),
    "log": base64.b64decode(tail.headers["x-fc-log-result"]).decode(),
}

error = invoke(fc, "demo$hostile", b'{"action":"error"}')
found["error"] = {
    "status": error.status_code,
    "type": error.headers.get("x-fc-error-type"),
    "body": json.loads(error.body.read()),
}

queued = invoke(
    fc, "worker", b'{"action":"ok"}', x_fc_invocation_type="Async", x_fc_async_task_id="task-py-1"
)
found["async"] = {
    "status": queued.status_code,
    "request_id": queued.headers.get("x-fc-request-id"),
    "task_id": queued.headers.get("x-fc-async-task-id"),
}

pages, token = [], None
while True:
    page = fc.list_functions(models.ListFunctionsRequest(limit=4, next_token=token)).body
    pages.append([function.function_name for function in page.functions])
    token = page.next_token
    if not token:
        break
found["pages"] = pages
found["prefixed"] = [
    f.function_name for f in fc.list_functions(models.ListFunctionsRequest(prefix="w")).body.functions
]

function = fc.get_function("demo$hostile", models.GetFunctionRequest()).body
found["function"] = {
    "name": function.function_name,
    "runtime": function.runtime,
    "handler": function.handler,
    "memorySize": function.memory_size,
    "timeout": function.timeout,
    "environmentVariables": function.environment_variables,
    "logProject": function.log_config.project if function.log_config else None,
    "functionId": function.function_id,
    "codeChecksum": function.code_checksum,
}

triggers = fc.list_triggers("secure", models.ListTriggersRequest()).body.triggers
found["triggers"] = [
    {
        "name": trigger.trigger_name,
        "type": trigger.trigger_type,
        "config": json.loads(trigger.trigger_config),
        "url": trigger.http_trigger.url_internet if trigger.http_trigger else None,
    }
    for trigger in triggers
]
timer = fc.get_trigger("ticker", "tick").body
found["timer"] = {"type": timer.trigger_type, "config": json.loads(timer.trigger_config)}

found["missing"] = failure(lambda: fc.get_function("nope", models.GetFunctionRequest()))
found["ambiguous"] = failure(lambda: fc.get_function("hostile", models.GetFunctionRequest()))
found["write"] = failure(
    lambda: fc.create_function(
        models.CreateFunctionRequest(
            body=models.CreateFunctionInput(function_name="new", runtime="python3.10", handler="index.handler")
        )
    )
)
found["wrong_secret"] = failure(
    lambda: client("not-the-secret").list_functions(models.ListFunctionsRequest())
)

print(json.dumps(found))
