"""Invokes one FC 3.0 function with alibabacloud-fc20230330, as a user's
program would: FCLOCAL_FUNCTION named, FCLOCAL_EVENT as the event. Prints
{"status", "body", "errorType"} as JSON."""

import json
import os

from alibabacloud_fc20230330 import models
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from darabonba.runtime import RuntimeOptions

fc = Client(open_api_models.Config(
    access_key_id=os.environ["FCLOCAL_ACCESS_KEY_ID"],
    access_key_secret=os.environ["FCLOCAL_ACCESS_KEY_SECRET"],
    endpoint=f'{os.environ["FCLOCAL_HOST"]}:{os.environ["FCLOCAL_PORT"]}',
    protocol="http",
))
response = fc.invoke_function_with_options(
    os.environ["FCLOCAL_FUNCTION"],
    models.InvokeFunctionRequest(body=os.environ["FCLOCAL_EVENT"].encode()),
    models.InvokeFunctionHeaders(),
    RuntimeOptions(),
)
body = response.body.read() if hasattr(response.body, "read") else response.body
print(json.dumps({
    "status": response.status_code,
    "body": body.decode() if isinstance(body, bytes) else body,
    "errorType": (response.headers or {}).get("x-fc-error-type"),
}))
