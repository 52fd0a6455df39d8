"""Helpers for the reliability tests: store records, table dumps, other processes, the CLI."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from store import Database, DatabaseConfig, InstanceRecord, MCPEventRecord, initialize_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("rel_writer.py")
NOBODY = 65534
_ids = itertools.count(1)


def make_instance(**overrides: Any) -> InstanceRecord:
    n = next(_ids)
    fields: dict[str, Any] = {
        "id": f"rel-{n}-a1",
        "type": "coding",
        "status": "started",
        "worktree_path": f"/tmp/worktrees/rel-{n}",
        "branch_name": f"rel-{n}",
        "tmux_session": f"rel-{n}-a1",
    }
    fields.update(overrides)
    return InstanceRecord(**fields)


def make_event(instance_id: str, **overrides: Any) -> MCPEventRecord:
    fields: dict[str, Any] = {"instance_id": instance_id, "tool_name": "run_tests", "success": True}
    fields.update(overrides)
    return MCPEventRecord(**fields)


def open_store(path: Path | str, **config: Any) -> Database:
    return initialize_database(DatabaseConfig(local_file=str(path), **config))


def raw(path: Path | str) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA busy_timeout = 10000")
    return con


def integrity(path: Path | str) -> str:
    con = raw(path)
    try:
        return "; ".join(str(r[0]) for r in con.execute("PRAGMA integrity_check"))
    finally:
        con.close()


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


def env(**extra: str) -> dict[str, str]:
    found = dict(os.environ)
    found["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + found.get("PYTHONPATH", "")
    found.update(extra)
    return found


def writer_command(*args: object) -> list[str]:
    return [sys.executable, str(WRITER), *map(str, args)]


def start_writer(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        writer_command(*args),
        cwd=PROJECT_ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 600) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def run_writer(*args: object, timeout: float = 120) -> dict[str, Any]:
    return finish(start_writer(*args), timeout=timeout)


def cli(*args: str, cwd: Path | str | None = None, **extra_env: str) -> subprocess.CompletedProcess:
    """`codex-dash ...` as cron would run it: a fresh interpreter, real files."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=cwd or PROJECT_ROOT,
        env=env(**extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_failure(done: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2, one `codex-dash: ...` line on stderr naming what was wrong, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("codex-dash: "), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]
