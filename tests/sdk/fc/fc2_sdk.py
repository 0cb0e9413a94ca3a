"""The fc2 Python SDK (aliyun-fc2, FC's 2016-08-15 API) against fclocal.

Endpoint `http://127.0.0.1:PORT`; the SDK signs with FC's own signature,
and its `do_http_request` signs HTTP-trigger requests. Prints one JSON
object of what each call answered; the Rust test asserts on it.
"""

import base64
import json
import os

import fc2


def client(secret):
    return fc2.Client(
        endpoint=os.environ["FCLOCAL_URL"],
        accessKeyID=os.environ["FCLOCAL_ACCESS_KEY_ID"],
        accessKeySecret=secret,
    )


def failure(call):
    """The SDK's FcError for a call that must fail: status and code."""
    try:
        call()
    except fc2.fc_exceptions.FcError as error:
        return {"status": error.status_code, "code": error.err_code, "message": error.message}
    raise AssertionError("the call succeeded")


fc = client(os.environ["FCLOCAL_ACCESS_KEY_SECRET"])
found = {}

sync = fc.invoke_function("demo", "hostile", payload=b'{"action":"echo","n":3}', qualifier="LATEST")
found["sync"] = sync.data.decode()

tail = fc.invoke_function(
    "demo", "hostile", payload=b'{"action":"stderr"}', headers={"x-fc-log-type": "Tail"}
)
found["tail"] = {
    "request_id": tail.headers["x-fc-request-id"],
    "log": base64.b64decode(tail.headers["x-fc-log-result"]).decode(),
}

# fc2 raises FcError for an answer with x-fc-error-type, status 200 and
# the function's error body as the message.
error = failure(lambda: fc.invoke_function("demo", "hostile", payload=b'{"action":"error"}'))
found["error"] = {"status": error["status"], "body": json.loads(error["message"])}

queued = fc.invoke_function(
    "other", "worker", payload=b'{"action":"ok"}', headers={"x-fc-invocation-type": "Async"}
)
found["async"] = {"request_id": queued.headers["x-fc-request-id"]}

found["services"] = [s["serviceName"] for s in fc.list_services().data["services"]]
found["service"] = fc.get_service("demo").data["logConfig"]["project"]
pages, token = [], None
while True:
    page = fc.list_functions("demo", limit=3, nextToken=token).data
    pages.append([function["functionName"] for function in page["functions"]])
    token = page.get("nextToken")
    if not token:
        break
found["pages"] = pages
found["prefixed"] = [
    f["functionName"] for f in fc.list_functions("demo", prefix="t").data["functions"]
]
function = fc.get_function("demo", "hostile").data
found["function"] = {
    "name": function["functionName"],
    "memorySize": function["memorySize"],
    "environmentVariables": function["environmentVariables"],
}
found["triggers"] = [t["triggerName"] for t in fc.list_triggers("demo", "secure").data["triggers"]]
found["trigger"] = json.loads(fc.get_trigger("demo", "ticker", "tick").data["triggerConfig"])

# The SDK signs the HTTP-trigger request (FUNCTION auth).
echo = fc.do_http_request(
    "POST", "demo", "secure", "/echo", params={"b": "2", "a": "1"}, body=b"fc2 body"
)
found["http_trigger"] = {"status": echo.status_code, "echo": echo.json()}
found["http_trigger_wrong_secret"] = (
    client("not-the-secret").do_http_request("GET", "demo", "secure", "/echo").status_code
)

found["missing"] = failure(lambda: fc.get_service("nope"))
found["write"] = failure(lambda: fc.create_service("new"))
found["wrong_secret"] = failure(lambda: client("not-the-secret").list_services())

print(json.dumps(found))
