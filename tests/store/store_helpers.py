"""Plain helpers for the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from store import DatabaseError, GitHubIssueRecord, InstanceRecord, MCPEventRecord

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORKER = HERE / "store_worker.py"
# A copy of /work/shared/spec/schema.sql (test_store_migrations checks it is still identical).
SPEC_SCHEMA = HERE / "spec_schema.sql"
SHARED_SPEC_SCHEMA = Path("/work/shared/spec/schema.sql")
SPEC_TABLES = ("github_issues", "instances", "mcp_events", "instance_relationships", "user_config")
NOBODY = 65534

T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)  # a fixed, whole-second instant


def epoch(value: datetime) -> int:
    return int(value.timestamp())


_ids = itertools.count(1)


def make_instance(**overrides: Any) -> InstanceRecord:
    n = next(_ids)
    fields: dict[str, Any] = {
        "id": f"work-{n}-a1",
        "type": "coding",
        "status": "started",
        "worktree_path": f"/tmp/worktrees/work-{n}",
        "branch_name": f"work-{n}",
        "tmux_session": f"work-{n}-a1",
    }
    fields.update(overrides)
    return InstanceRecord(**fields)


def make_event(instance_id: str, **overrides: Any) -> MCPEventRecord:
    fields: dict[str, Any] = {"instance_id": instance_id, "tool_name": "run_tests", "success": True}
    fields.update(overrides)
    return MCPEventRecord(**fields)


def make_issue(number: int, **overrides: Any) -> GitHubIssueRecord:
    fields: dict[str, Any] = {
        "number": number,
        "title": f"Issue {number}",
        "state": "open",
        "repo_owner": "acme",
        "repo_name": "widgets",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(overrides)
    return GitHubIssueRecord(**fields)


def raw(path: Path | str) -> sqlite3.Connection:
    """A plain sqlite3 connection in autocommit mode, as another program would open the file."""
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA busy_timeout = 5000")
    return con


def query(path: Path | str, sql: str, params: tuple = ()) -> list[tuple]:
    con = raw(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def dump(path: Path | str) -> dict[str, list[tuple]]:
    """Every row of every table, with the stored type of each value, in rowid order."""
    con = raw(path)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {}
        for table in tables:
            columns = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
            typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
            out[table] = con.execute(f'SELECT {typed} FROM "{table}" ORDER BY rowid').fetchall()
        return out
    finally:
        con.close()


def schema_sql(path: Path | str, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """name -> sqlite_master.sql for tables and indexes (auto-indexes have no SQL)."""
    rows = query(path, "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    return {name: sql for name, sql in rows if names is None or name in names}


def add_failing_trigger(
    path: Path | str, table: str, when: str = "INSERT", where: str = "1"
) -> None:
    """A real database-level failure: SQLite aborts the statement (and the store's transaction)."""
    con = raw(path)
    try:
        con.execute(
            f"CREATE TRIGGER fail_{table}_{when.lower()} BEFORE {when} ON {table} "
            f"WHEN {where} BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        )
    finally:
        con.close()


def expect_error(code: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> DatabaseError:
    with pytest.raises(DatabaseError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, str(info.value)
    return info.value


# --- other processes ---------------------------------------------------------------------------


def worker_command(*args: str, as_nobody: bool = False) -> list[str]:
    command = [sys.executable, str(WORKER)]
    if as_nobody:
        command.append("--as-nobody")
    return [*command, *map(str, args)]


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_worker(*args: str, as_nobody: bool = False, timeout: float = 120) -> dict[str, Any]:
    """Run one store_worker.py command to completion; its last stdout line is a JSON report."""
    done = subprocess.run(
        worker_command(*args, as_nobody=as_nobody),
        cwd=PROJECT_ROOT,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_command(*args),
        cwd=PROJECT_ROOT,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_worker(process: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])
