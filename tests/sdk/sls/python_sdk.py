"""aliyun-log-python-sdk against fclocal's SLS API, as the README tells
users to point it: endpoint `localhost:PORT` with `HTTP_PROXY` set to
fclocal's address (the SDK sends `http://sdk-project.localhost:PORT/...`
through the proxy, so no hosts line is needed).

Writes with every compression the SDK offers (lz4, zstd, none), reads back
with search, SQL, histograms, shards, cursors and PullLogs (compressed and
raw), and prints what it found as one JSON object on its last line. With
FCLOCAL_WRONG_SECRET=1 it only tries a request signed with a wrong secret and
prints the error code.
"""

import json
import os
import time

from aliyun.log import (
    GetHistogramsRequest,
    GetLogsRequest,
    LogClient,
    LogException,
    LogItem,
    PutLogsRequest,
)

PROJECT = "sdk-project"
STORE = "sdk-store"
RUN = os.environ.get("FCLOCAL_RUN", "run")

endpoint = "localhost:" + os.environ["FCLOCAL_PORT"]
key_id = os.environ["FCLOCAL_ACCESS_KEY_ID"]
secret = os.environ["FCLOCAL_ACCESS_KEY_SECRET"]

if os.environ.get("FCLOCAL_WRONG_SECRET"):
    client = LogClient(endpoint, key_id, "not-the-secret")
    try:
        client.list_logstore(PROJECT)
        print(json.dumps({"error": None}))
    except LogException as error:
        print(json.dumps({"error": error.get_error_code(), "status": error.get_resp_status()}))
    raise SystemExit(0)

client = LogClient(endpoint, key_id, secret)
found = {}

found["logstores"] = sorted(client.list_logstore(PROJECT).get_logstores())
found["shards"] = len(client.list_shards(PROJECT, STORE).get_shards_info())

now = int(time.time())
for compression in ("lz4", "zstd", "none"):
    items = []
    for method, status in (("GET", "200"), ("POST", "502")):
        item = LogItem(timestamp=now)
        item.set_contents(
            [
                ("method", method),
                ("status", status),
                ("compression", compression),
                ("run", RUN),
            ]
        )
        items.append(item)
    request = PutLogsRequest(
        PROJECT,
        STORE,
        topic="python-sdk",
        source="10.0.0.9",
        logitems=items,
        logtags=[("env", "test")],
        compress=compression != "none",
        compress_type=None if compression == "none" else compression,
    )
    client.put_logs(request)

window = dict(fromTime=now - 60, toTime=now + 60)
search = client.get_logs(
    GetLogsRequest(PROJECT, STORE, query=f"run: {RUN} and method: POST", line=100, **window)
)
found["search_count"] = search.get_count()
found["search_complete"] = search.is_completed()
found["search_compressions"] = sorted(
    log.get_contents()["compression"] for log in search.get_logs()
)
found["search_topic"] = sorted({log.get_contents().get("__topic__") for log in search.get_logs()})

sql = client.get_logs(
    GetLogsRequest(
        PROJECT,
        STORE,
        query=f"run: {RUN} | select status, count(*) as n group by status order by status",
        **window,
    )
)
found["sql"] = [
    [log.get_contents()["status"], int(log.get_contents()["n"])] for log in sql.get_logs()
]

histograms = client.get_histograms(
    GetHistogramsRequest(PROJECT, STORE, query=f"run: {RUN}", **window)
)
found["histogram_total"] = histograms.get_total_count()
found["histogram_complete"] = histograms.is_completed()

pulled = {"compressed": 0, "raw": 0}
for shard in client.list_shards(PROJECT, STORE).get_shards_info():
    shard_id = shard["shardID"]
    for mode, compress in (("compressed", True), ("raw", False)):
        cursor = client.get_begin_cursor(PROJECT, STORE, shard_id).get_cursor()
        end = client.get_end_cursor(PROJECT, STORE, shard_id).get_cursor()
        while cursor != end:
            answer = client.pull_logs(
                PROJECT, STORE, shard_id, cursor, count=1, end_cursor=end, compress=compress
            )
            for log in answer.get_flatten_logs_json():
                if log.get("run") == RUN:
                    pulled[mode] += 1
            following = answer.get_next_cursor()
            if following == cursor:
                break
            cursor = following
found["pulled"] = pulled

print(json.dumps(found))
