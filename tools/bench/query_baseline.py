"""DuckDB baseline for scripts/bench-query.sh, on the rows of the query bench.

Reads every line of the bench's logstore (SQLite, through Python's sqlite3:
DuckDB's sqlite extension is a download that may not be reachable) into a
DuckDB table holding the JSON text, then times, p50/p95 over 5 runs after one
warm-up, the bench's GROUP BYs:

- from the JSON text (`json_extract_string(contents, '$.key')`), the work
  fclocal does for a key without a column;
- from a column extracted once beforehand, the best a columnar engine does.

Usage: query_baseline.py path/to/bench.db
"""

import math
import sqlite3
import sys
import time

import duckdb

HOUR_NS = 3600 * 1_000_000_000
FROM_NS = 1_735_689_600 * 1_000_000_000
KEYS = ["functionName", "level", "requestId", "userId"]


def report(name, runs, run):
    run()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()

    def pick(p):
        return times[max(1, min(runs, math.ceil(p * runs))) - 1]

    print(f"  {name:<60} p50 {pick(0.5):>8.1f} ms  p95 {pick(0.95):>8.1f} ms")


def main():
    path = sys.argv[1]
    lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = lite.execute(
        "SELECT time_ns, contents FROM logs WHERE time_ns >= ? AND time_ns < ?",
        (FROM_NS, FROM_NS + HOUR_NS),
    )
    # Loaded through a tab-separated file: stored contents are compact JSON, which
    # has no raw tab or newline (JSON escapes them inside strings).
    tsv = path + ".tsv"
    count = 0
    with open(tsv, "w", encoding="utf-8") as out:
        for time_ns, contents in rows:
            out.write(f"{time_ns}\t{contents}\n")
            count += 1
    lite.close()
    duck = duckdb.connect()
    duck.execute(
        "CREATE TABLE logs AS SELECT * FROM read_csv(?, delim = '\t', quote = '', "
        "escape = '', header = false, columns = {'time_ns': 'BIGINT', 'contents': 'VARCHAR'})",
        [tsv],
    )
    print(f"DuckDB {duckdb.__version__} baseline on the same {count} lines (time window as the bench)")
    window = f"time_ns >= {FROM_NS} AND time_ns < {FROM_NS + HOUR_NS}"
    for key in KEYS:
        sql = (
            f"SELECT json_extract_string(contents, '$.{key}') AS k, count(*) AS c "
            f"FROM logs WHERE {window} GROUP BY k"
        )
        report(f"baseline: DuckDB {key} group by, from the JSON text", 5,
               lambda sql=sql: duck.execute(sql).fetchall())
    columns = ", ".join(
        f"json_extract_string(contents, '$.{key}') AS \"{key}\"" for key in KEYS
    )
    duck.execute(f"CREATE TABLE cols AS SELECT time_ns, {columns} FROM logs")
    for key in KEYS:
        sql = f'SELECT "{key}", count(*) AS c FROM cols WHERE {window} GROUP BY "{key}"'
        report(f"baseline: DuckDB {key} group by, from a column", 5,
               lambda sql=sql: duck.execute(sql).fetchall())


if __name__ == "__main__":
    main()
