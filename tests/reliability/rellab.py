"""Helpers for the reliability tests: store records, table dumps, other processes, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from testkit import (  # noqa: F401 - the reliability tests import these from here
    NOBODY,
    dump,
    finish_script,
    integrity,
    make_event,
    make_instance,
    query,
    raw,
    start_script,
)
from testkit import subprocess_env as env

from store import Database, DatabaseConfig, initialize_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("rel_writer.py")


def open_store(path: Path | str, **config: Any) -> Database:
    return initialize_database(DatabaseConfig(local_file=str(path), **config))


def writer_command(*args: object) -> list[str]:
    return [sys.executable, str(WRITER), *map(str, args)]


def start_writer(*args: object) -> subprocess.Popen[str]:
    return start_script(writer_command(*args))


def finish(process: subprocess.Popen[str], timeout: float = 600) -> dict[str, Any]:
    return finish_script(process, timeout)


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
