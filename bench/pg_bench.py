"""The store on PostgreSQL against raw psycopg2 on the same server, as ratios measured in one run.

The store and its baseline run interleaved, round by round, on the same throwaway server (started
here with tests/pglab.py, or --url for an existing empty database), and are compared by medians.

    uv run python -m bench.pg_bench [--quick] [--url postgresql://...]

Ratio = raw time / store time: 1.0x is as fast as raw psycopg2, higher is better.
Targets (issue 13): log_mcp_event >= 0.7x, log_mcp_events of 10,000 >= 0.8x,
get_mcp_events(id, 100) among 1,000,000 events >= 0.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extras

from store import DatabaseConfig, MCPEventRecord, initialize_database
from store.convert import clear_caches

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"log_mcp_event": 0.7, "log_mcp_events": 0.8, "get_mcp_events": 0.5}
COLUMNS = (
    "instance_id, tool_name, success, error_message, metadata, git_commit_hash, "
    "status_change, is_status_updating, timestamp"
)


def median_time(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def bench(url: str, quick: bool) -> list[dict[str, Any]]:
    singles, bulk, rounds, reads, events = (
        (200, 1000, 3, 50, 20_000) if quick else (1000, 10_000, 6, 300, 1_000_000)
    )
    db = initialize_database(DatabaseConfig(server_url=url))
    raw = psycopg2.connect(url)
    raw.autocommit = False
    for name in ("bench-1", "bench-2"):
        db.create_instance(_instance(name))
    now = int(time.time())

    def event(n: int) -> MCPEventRecord:
        return MCPEventRecord(
            instance_id="bench-1", tool_name="run_tests", success=True, metadata={"n": n}
        )

    raw_row = ("bench-1", "run_tests", True, None, '{"n":1}', None, None, False, now)

    def store_singles() -> None:
        for n in range(singles):
            db.log_mcp_event(event(n))

    def raw_singles() -> None:  # the same work: the instance checked, one event, one commit
        with raw.cursor() as cur:
            for _ in range(singles):
                cur.execute(
                    f"INSERT INTO mcp_events ({COLUMNS}) SELECT %s,%s,%s,%s,%s,%s,%s,%s,%s "
                    "WHERE EXISTS (SELECT 1 FROM instances WHERE id = %s FOR KEY SHARE) "
                    "RETURNING id",
                    (*raw_row, "bench-1"),
                )
                raw.commit()

    batch = [event(n) for n in range(bulk)]
    raw_batch = [raw_row] * bulk

    def store_bulk() -> None:
        db.log_mcp_events(batch)

    def raw_bulk() -> None:
        with raw.cursor() as cur:
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO mcp_events ({COLUMNS}) VALUES %s", raw_batch, page_size=1000
            )
        raw.commit()

    results = [
        _compare("log_mcp_event", f"{singles} calls", store_singles, raw_singles, rounds),
        _compare("log_mcp_events", f"{bulk:,} events a call", store_bulk, raw_bulk, rounds),
    ]
    # the read: one instance's latest 100 among `events` events of 1,000 instances
    with raw.cursor() as cur:
        cur.execute("TRUNCATE mcp_events")
        cur.execute(
            f"INSERT INTO mcp_events ({COLUMNS}) SELECT 'bench-' || (g % 1000), 'run_tests', "
            "g % 7 <> 0, NULL, json_build_object('n', g)::json, NULL, NULL, false, "
            f"{now} - {events} + g FROM generate_series(1, {events}) g"
        )
    raw.commit()
    with raw.cursor() as cur:
        raw.autocommit = True
        cur.execute("VACUUM ANALYZE mcp_events")
        raw.autocommit = False

    def store_reads() -> None:
        clear_caches()
        for _ in range(reads):
            db.get_mcp_events("bench-1", 100)

    select = (
        "SELECT id, instance_id, tool_name, success, error_message, metadata::text, "
        "git_commit_hash, status_change, is_status_updating, timestamp FROM mcp_events "
        "WHERE instance_id = %s ORDER BY timestamp DESC, id DESC LIMIT 100"
    )
    reader = psycopg2.connect(url)
    reader.autocommit = True

    def raw_reads() -> None:  # rows only; the store also makes records with aware datetimes
        with reader.cursor() as cur:
            for _ in range(reads):
                cur.execute(select, ("bench-1",))
                cur.fetchall()

    results.append(
        _compare(
            "get_mcp_events",
            f"(id, 100) among {events:,} events, {reads} calls",
            store_reads,
            raw_reads,
            rounds,
        )
    )
    reader.close()
    raw.close()
    db.disconnect()
    return results


def _compare(
    name: str, what: str, store: Callable[[], None], raw: Callable[[], None], rounds: int
) -> dict[str, Any]:
    store(), raw()  # warm both
    store_times, raw_times = [], []
    for _ in range(rounds):
        store_times.append(median_time(store))
        raw_times.append(median_time(raw))
    ratio = statistics.median(raw_times) / statistics.median(store_times)
    return {
        "name": name,
        "what": what,
        "store_s": round(statistics.median(store_times), 4),
        "raw_s": round(statistics.median(raw_times), 4),
        "ratio": round(ratio, 2),
        "target": TARGETS[name],
        "met": ratio >= TARGETS[name],
    }


def _instance(name: str) -> Any:
    from store import InstanceRecord

    return InstanceRecord(
        id=name,
        type="coding",
        status="started",
        worktree_path="/w",
        branch_name="b",
        tmux_session=name,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (small sizes)")
    parser.add_argument("--url", help="an existing empty database (default: a throwaway server)")
    options = parser.parse_args(argv)
    server = None
    url = options.url
    if url is None:
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        import pglab

        server = pglab.start_server()
        url = server.url(server.create_database())
    try:
        results = bench(url, options.quick)
    finally:
        if server is not None:
            pglab.remove(server)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for r in results:
        verdict = "met" if r["met"] else "NOT MET"
        print(
            f"{r['name']:<16} {r['what']:<44} store {r['store_s']:.4f} s  raw {r['raw_s']:.4f} s"
            f"  {r['ratio']:.2f}x (target >= {r['target']}x: {verdict})"
        )
    print(json.dumps(results))
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
