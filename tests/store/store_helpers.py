"""Plain helpers for the store tests (fixtures live in conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from testkit import (  # noqa: F401 - the store tests import these from here
    NOBODY,
    T0,
    dump,
    finish_script,
    make_event,
    make_instance,
    make_issue,
    query,
    raw,
    start_script,
    subprocess_env,
)

from store import DatabaseError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORKER = HERE / "store_worker.py"
# A copy of /work/shared/spec/schema.sql (test_store_migrations checks it is still identical).
SPEC_SCHEMA = HERE / "spec_schema.sql"
SHARED_SPEC_SCHEMA = Path("/work/shared/spec/schema.sql")
SPEC_TABLES = ("github_issues", "instances", "mcp_events", "instance_relationships", "user_config")


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def schema_sql(path: Path | str, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """name -> sqlite_master.sql for tables and indexes (auto-indexes have no SQL)."""
    rows = query(path, "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    return {name: sql for name, sql in rows if names is None or name in names}


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple:
    """What a call did, comparable across a fast path and its reference validator."""
    try:
        return ("ok", fn(*args, **kwargs))
    except DatabaseError as error:
        return ("error", error.code, error.field, error.message)
    except Exception as error:  # the reference's own non-store exceptions must match too
        return ("raised", type(error))


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


def run_worker(*args: str, as_nobody: bool = False, timeout: float = 120) -> dict[str, Any]:
    """Run one store_worker.py command to completion; its last stdout line is a JSON report."""
    return finish_script(start_script(worker_command(*args, as_nobody=as_nobody)), timeout)


def start_worker(*args: str) -> subprocess.Popen[str]:
    return start_script(worker_command(*args))


finish_worker = finish_script
