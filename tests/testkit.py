"""Plain helpers every test folder shares: records to write, and looking at a file from outside."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from store import GitHubIssueRecord, InstanceRecord, MCPEventRecord

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)  # a fixed, whole-second instant
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
    con.execute("PRAGMA busy_timeout = 10000")
    return con


def query(path: Path | str, sql: str, params: tuple = ()) -> list[tuple]:
    con = raw(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def integrity(path: Path | str) -> str:
    return "; ".join(str(row[0]) for row in query(path, "PRAGMA integrity_check"))


def dump(path: Path | str) -> dict[str, list[tuple]]:
    """Every row of every table with each value's stored type, in rowid order (opened read-only,
    so dumping never changes what it dumps)."""
    uri = "file:" + str(Path(path).resolve()) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True, isolation_level=None)
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


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a helper process that imports the project from this checkout."""
    found = dict(os.environ)
    found["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + found.get("PYTHONPATH", "")
    found.update(extra)
    return found


def start_script(command: Sequence[str]) -> subprocess.Popen[str]:
    """A helper process (a writer, a worker) of this checkout; it reports one JSON line at the end."""
    return subprocess.Popen(
        list(command),
        cwd=PROJECT_ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_script(process: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    """Wait for a helper process; its last stdout line is its JSON report."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` every 50 ms until it holds or `timeout` seconds pass: an upper bound for
    another process to act, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
