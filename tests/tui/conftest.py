"""Fixtures for the dashboard tests: real SQLite files in tmp_path, a pinned clock, tmux sockets.

`NOW` and `demo_db` are shared with the snapshot tests (test_snapshots.py).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator

import pytest
from tuilab import NOW

from agents import tmux
from demo.seed import build_demo_database


def checkpoint(path: str) -> None:
    """Fold the -wal into the main file so every test starts from one stable file."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()


@pytest.fixture
def demo_db(tmp_path, monkeypatch) -> str:
    """claude-codex.db in tmp_path (the working folder), seed 7 at NOW, WAL checkpointed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CODEX_DASH_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = str(tmp_path / "claude-codex.db")
    build_demo_database(path, seed=7, now=NOW)
    checkpoint(path)
    return os.path.abspath(path)


@pytest.fixture
def tmux_socket() -> Iterator[str]:
    """A private tmux server for one test, killed afterwards (never the user's default server)."""
    if not tmux.tmux_available():
        pytest.skip("tmux is not installed")
    name = f"codex-test-tui-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        tmux.kill_server(socket=name)
