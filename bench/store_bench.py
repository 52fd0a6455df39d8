"""The store's hot paths against raw `sqlite3` on the same file, as ratios measured in one run.

Why ratios: the machine is shared (2 cores, other engineers' tests running), so an absolute time
says little; the store and its baseline are measured interleaved, round by round, and compared by
their medians, so whatever slows the machine slows both.

    uv run python -m bench.store_bench [--db PATH] [--quick]

Ratio = baseline time / store time: 1.0x means as fast as raw sqlite3, higher is better.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from typing import Any

from store import (
    DatabaseConfig,
    GitHubIssueRecord,
    InstanceRecord,
    MCPEventRecord,
    initialize_database,
)
from store.convert import clear_caches
from store.dialects.sqlite import EVENT_SELECT, INSERT_EVENT, UPSERT_ISSUE, upsert_issue_params

from .generate import generate

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
BUSY_TIMEOUT = 5000  # ms, the store's default


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each benchmark does; QUICK is a smoke run, FULL the documented one."""

    single_events: int  # log_mcp_event calls per side, split over `rounds`
    bulk_events: int  # rows per log_mcp_events call
    issues: int  # issues per sync_github_issues call
    rounds: int  # interleaved store/raw rounds; medians are taken over them
    reads_per_round: int  # get_mcp_events / list_instances calls per side per round
    db_instances: int  # the read benchmark's database (made by bench.generate)
    db_relationships: int
    db_events: int


FULL = Sizes(3000, 10_000, 10_000, 6, 200, 1000, 2000, 1_000_000)
QUICK = Sizes(300, 1000, 1000, 3, 20, 100, 150, 20_000)


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One line of the table: seconds per operation for the store and for its baseline."""

    name: str
    store_s: float
    raw_s: float
    target: float | None  # minimum acceptable ratio; None = for information
    unit: str = "op"

    @property
    def ratio(self) -> float:
        return self.raw_s / self.store_s if self.store_s > 0 else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "ok" if self.ratio >= self.target else "MISSED"


# --- setup --------------------------------------------------------------------------------------


def raw_connect(path: str) -> sqlite3.Connection:
    """The baseline's connection: the store's pragmas, Python's default transaction handling."""
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT}")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    return con


def machine_info() -> dict[str, str]:
    """What the numbers were measured on (CPU, cores, load, versions)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "pony": _version("pony"),
        "platform": platform.platform(),
        "load average (1, 5, 15 min)": load,
    }


def _version(package: str) -> str:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return "?"


def ensure_database(path: str, sizes: Sizes) -> dict[str, Any] | None:
    """Generate the read benchmark's database when missing; returns generate's summary if made."""
    if os.path.exists(path):
        return None
    return generate(
        path,
        instances=sizes.db_instances,
        relationships=sizes.db_relationships,
        events=sizes.db_events,
        seed=1,
    )


def _scratch_database(workdir: str, instances: int = 50) -> tuple[str, list[str]]:
    """A fresh store-made database for the write benchmarks (the cached one stays untouched)."""
    path = os.path.join(workdir, f"scratch-{os.getpid()}.db")
    _remove(path)
    ids = [f"work-{100 + k}-a1" for k in range(instances)]
    with initialize_database(DatabaseConfig(local_file=path)) as db:
        for instance_id in ids:
            db.create_instance(
                InstanceRecord(
                    id=instance_id,
                    type="coding",
                    status="started",
                    worktree_path=f"/home/dev/worktrees/{instance_id}",
                    branch_name=instance_id.rsplit("-", 1)[0],
                    tmux_session=instance_id,
                    agent_number=1,
                )
            )
    return path, ids


def _remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def _events(ids: list[str], count: int, start: int) -> tuple[list[MCPEventRecord], list[tuple]]:
    """The same events as store records and as the rows raw sqlite3 writes."""
    records, rows = [], []
    for k in range(count):
        ts = start + k
        ok = k % 16 != 0
        record = MCPEventRecord(
            instance_id=ids[k % len(ids)],
            tool_name="report_progress" if ok else "run_tests",
            success=ok,
            error_message=None if ok else "pytest exited with code 1 (2 failed, 120 passed)",
            metadata=f'{{"duration_ms":{k % 997},"step":{k % 30},"of":30}}',
            git_commit_hash=None,
            timestamp=datetime.fromtimestamp(ts, UTC),
        )
        records.append(record)
        rows.append(
            (
                record.instance_id,
                record.tool_name,
                int(ok),
                record.error_message,
                record.metadata,
                None,
                None,
                0,
                ts,
            )
        )
    return records, rows


def _issues(count: int, now: int, salt: int) -> tuple[list[GitHubIssueRecord], list[tuple]]:
    records, rows = [], []
    for number in range(1, count + 1):
        title = f"Fix flaky test {number} ({salt})"
        labels = '["bug","agent"]'
        record = GitHubIssueRecord(
            number=number,
            title=title,
            body=f"Seen in CI run {salt}.",
            state="open" if number % 3 else "closed",
            assignee="claude-codex-bot",
            labels=labels,
            # Each issue its own dates, as GitHub returns them; one sync time for the batch.
            created_at=datetime.fromtimestamp(now - 86_400 - 60 * number - salt, UTC),
            updated_at=datetime.fromtimestamp(now - 7 * number - salt, UTC),
            synced_at=datetime.fromtimestamp(now, UTC),
            repo_owner="acme",
            repo_name="claude-codex",
        )
        records.append(record)
        rows.append(
            (
                number,
                title,
                record.body,
                record.state,
                record.assignee,
                labels,
                now - 86_400 - 60 * number - salt,
                now - 7 * number - salt,
                now,
                "acme",
                "claude-codex",
            )
        )
    return records, rows


# --- measuring ----------------------------------------------------------------------------------


def _interleaved(
    rounds: int, store: Callable[[int], None], raw: Callable[[int], None]
) -> tuple[float, float]:
    """Median seconds per round for each side; the order alternates so drift hits both."""
    store_times, raw_times = [], []
    for r in range(rounds):
        sides = ((store, store_times), (raw, raw_times))
        for run, times in sides if r % 2 == 0 else reversed(sides):
            mark = time.perf_counter()
            run(r)
            times.append(time.perf_counter() - mark)
    return statistics.median(store_times), statistics.median(raw_times)


def bench_single_events(sizes: Sizes, workdir: str) -> BenchRow:
    path, ids = _scratch_database(workdir)
    per_round = max(1, sizes.single_events // sizes.rounds)
    now = int(time.time())
    records, rows = _events(ids, per_round * sizes.rounds * 2, now - 86_400)
    con = raw_connect(path)
    try:
        with initialize_database(DatabaseConfig(local_file=path)) as db:
            db.log_mcp_event(records[-1])  # warm up both connections
            con.execute(INSERT_EVENT, rows[-1])
            con.commit()

            def store(r: int) -> None:
                for record in records[2 * r * per_round : (2 * r + 1) * per_round]:
                    db.log_mcp_event(record)

            def raw(r: int) -> None:
                for row in rows[(2 * r + 1) * per_round : (2 * r + 2) * per_round]:
                    con.execute(INSERT_EVENT, row)
                    con.commit()

            store_s, raw_s = _interleaved(sizes.rounds, store, raw)
    finally:
        con.close()
        _remove(path)
    return BenchRow(
        "log_mcp_event, one commit per event", store_s / per_round, raw_s / per_round, 0.6, "event"
    )


def event_row(event: MCPEventRecord) -> tuple[Any, ...]:
    """What a raw-sqlite3 log_mcp_events would do with a record: convert, check nothing."""
    return (
        event.instance_id,
        event.tool_name,
        int(event.success),
        event.error_message,
        event.metadata,
        event.git_commit_hash,
        event.status_change,
        int(event.is_status_updating),
        int(event.timestamp.timestamp()),
    )


def bench_bulk_events(sizes: Sizes, workdir: str) -> list[BenchRow]:
    """Baselines as for issues: raw from the same records, and (info) rows built before timing."""
    path, ids = _scratch_database(workdir)
    n = sizes.bulk_events
    records, rows = _events(ids, n * sizes.rounds * 3, int(time.time()) - 86_400)
    con = raw_connect(path)
    try:
        with initialize_database(DatabaseConfig(local_file=path)) as db:

            def store(r: int) -> None:
                db.log_mcp_events(records[3 * r * n : (3 * r + 1) * n])

            def raw(r: int) -> None:
                batch = records[(3 * r + 1) * n : (3 * r + 2) * n]
                con.executemany(INSERT_EVENT, [event_row(e) for e in batch])
                con.commit()

            def raw_prebuilt(r: int) -> None:
                con.executemany(INSERT_EVENT, rows[(3 * r + 2) * n : (3 * r + 3) * n])
                con.commit()

            store_s, raw_s = _interleaved(sizes.rounds, store, raw)
            store2_s, prebuilt_s = _interleaved(sizes.rounds, store, raw_prebuilt)
    finally:
        con.close()
        _remove(path)
    name = f"log_mcp_events, {n:,} rows in one transaction"
    return [
        BenchRow(name, store_s, raw_s, 0.8, "call"),
        BenchRow(name + ", vs raw with rows pre-built", store2_s, prebuilt_s, None, "call"),
    ]


def issue_row(issue: GitHubIssueRecord) -> tuple[Any, ...]:
    """What a raw-sqlite3 sync would do with a record: convert, check nothing."""
    return (
        issue.number,
        issue.title,
        issue.body,
        issue.state,
        issue.assignee,
        issue.labels,
        int(issue.created_at.timestamp()),
        int(issue.updated_at.timestamp()),
        int(issue.synced_at.timestamp()),
        issue.repo_owner,
        issue.repo_name,
    )


def bench_issues(sizes: Sizes, workdir: str) -> list[BenchRow]:
    """Every round upserts the same issue numbers (a re-sync): both sides update existing rows.

    Two baselines: raw sqlite3 doing the same job from the same records (convert the dates,
    executemany, no checks), and, for information, the strongest raw form: rows already converted,
    written many to a statement as the store does."""
    path, _ids = _scratch_database(workdir, instances=1)
    n = sizes.issues
    now = int(time.time())
    batches = [_issues(n, now, salt) for salt in range(sizes.rounds * 3 + 1)]
    con = raw_connect(path)
    try:
        with initialize_database(DatabaseConfig(local_file=path)) as db:
            db.sync_github_issues(batches[-1][0])  # first sync inserts; the timed ones update

            def store(r: int) -> None:
                db.sync_github_issues(batches[3 * r][0])

            def raw(r: int) -> None:
                con.executemany(UPSERT_ISSUE, [issue_row(i) for i in batches[3 * r + 1][0]])
                con.commit()

            def raw_prebuilt_multirow(r: int) -> None:
                rows = batches[3 * r + 2][1]
                upsert_issue_params(con, len(rows), [value for row in rows for value in row])
                con.commit()

            store_s, raw_s = _interleaved(sizes.rounds, store, raw)
            store2_s, strong_s = _interleaved(sizes.rounds, store, raw_prebuilt_multirow)
    finally:
        con.close()
        _remove(path)
    return [
        BenchRow(f"sync_github_issues, {n:,} issues (upsert)", store_s, raw_s, 0.8, "call"),
        BenchRow(
            f"sync_github_issues, {n:,} issues, vs raw with rows pre-built, 90 a statement",
            store2_s,
            strong_s,
            None,
            "call",
        ),
    ]


def busiest_instance(path: str) -> tuple[str, int]:
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT instance_id, count(*) AS n FROM mcp_events GROUP BY instance_id "
            "ORDER BY n DESC LIMIT 1"
        ).fetchone()
        total = con.execute("SELECT count(*) FROM mcp_events").fetchone()[0]
    finally:
        con.close()
    return row[0], int(total)


def bench_reads(sizes: Sizes, db_path: str) -> list[BenchRow]:
    """Timeline of the busiest instance, and the instance list, on the generated database."""
    instance_id, total = busiest_instance(db_path)
    sql = f"{EVENT_SELECT} WHERE instance_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?"
    n = sizes.reads_per_round
    con = raw_connect(db_path)
    try:
        with initialize_database(DatabaseConfig(local_file=db_path)) as db:
            for _ in range(3):  # warm both page caches
                db.get_mcp_events(instance_id, 100)
                con.execute(sql, (instance_id, 100)).fetchall()
                db.list_instances()
                con.execute(
                    "SELECT * FROM instances ORDER BY last_activity DESC, id DESC"
                ).fetchall()
            instances = len(db.list_instances())

            def store_events(_r: int) -> None:
                for _ in range(n):
                    db.get_mcp_events(instance_id, 100)

            def raw_events(_r: int) -> None:
                for _ in range(n):
                    con.execute(sql, (instance_id, 100)).fetchall()

            events_store, events_raw = _interleaved(sizes.rounds, store_events, raw_events)

            def store_events_cold(_r: int) -> None:
                for _ in range(n):
                    clear_caches()  # no datetime or metadata parsed before: a first read
                    db.get_mcp_events(instance_id, 100)

            cold_store, cold_raw = _interleaved(sizes.rounds, store_events_cold, raw_events)
            m = max(1, n // 10)

            def store_list(_r: int) -> None:
                for _ in range(m):
                    db.list_instances()

            def raw_list(_r: int) -> None:
                for _ in range(m):
                    con.execute(
                        "SELECT * FROM instances ORDER BY last_activity DESC, id DESC"
                    ).fetchall()

            list_store, list_raw = _interleaved(sizes.rounds, store_list, raw_list)
    finally:
        con.close()
    return [
        BenchRow(
            f"get_mcp_events(id, 100): busiest instance among {total:,} events",
            events_store / n,
            events_raw / n,
            0.5,
            "call",
        ),
        BenchRow(
            "get_mcp_events(id, 100), cold: conversion caches cleared before each call",
            cold_store / n,
            cold_raw / n,
            None,
            "call",
        ),
        BenchRow(
            f"list_instances(): all {instances:,} instances",
            list_store / m,
            list_raw / m,
            None,
            "call",
        ),
    ]


def run_benchmarks(db_path: str, *, sizes: Sizes = FULL, workdir: str = OUT_DIR) -> list[BenchRow]:
    """Every benchmark once; `db_path` must exist (see ensure_database)."""
    os.makedirs(workdir, exist_ok=True)
    return [
        bench_single_events(sizes, workdir),
        *bench_bulk_events(sizes, workdir),
        *bench_issues(sizes, workdir),
        *bench_reads(sizes, db_path),
    ]


# --- output -------------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def format_table(rows: list[BenchRow]) -> str:
    """A Markdown table, so a run pastes straight into docs/performance.md."""
    lines = [
        "| operation | store | raw sqlite3 | ratio (raw/store) | target | result |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        target = "-" if row.target is None else f">= {row.target:.1f}x"
        lines.append(
            f"| {row.name} | {_duration(row.store_s)}/{row.unit} | {_duration(row.raw_s)}/{row.unit} "
            f"| {row.ratio:.2f}x | {target} | {row.verdict} |"
        )
    return "\n".join(lines)


def format_machine(info: dict[str, str]) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in info.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database for the read benchmarks (generated when missing)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    db_path = args.db or os.path.join(
        OUT_DIR, "quick-seed1.db" if args.quick else "events-1m-seed1.db"
    )
    db_path = os.path.abspath(db_path)
    made = ensure_database(db_path, sizes)
    if made is not None:
        print(
            f"generated {db_path}: {made['events']:,} events in {made['seconds']:.1f} s, "
            f"{made['size_bytes'] / 1e6:.1f} MB"
        )
    before = machine_info()
    rows = run_benchmarks(db_path, sizes=sizes)
    after = machine_info()["load average (1, 5, 15 min)"]
    print(f"command: {' '.join(['python -m bench.store_bench', *sys.argv[1:]])}")
    print(f"database: {db_path} ({os.path.getsize(db_path) / 1e6:.1f} MB)")
    print(format_machine(before) + f"\n- load average after: {after}")
    print()
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
