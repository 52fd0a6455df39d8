"""Shared fixtures for the store tests: real SQLite files in tmp_path, real processes, no mocks."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Database, DatabaseConfig, initialize_database


@pytest.fixture(autouse=True)
def _secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or create the real ~/.config/codex-dash/secret.key."""
    key_file = tmp_path / "keys" / "secret.key"
    monkeypatch.delenv("CODEX_DASH_SECRET_KEY", raising=False)
    monkeypatch.setenv("CODEX_DASH_KEY_FILE", str(key_file))
    return key_file


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "claude-codex.db"


@pytest.fixture
def open_db(db_path: Path) -> Iterator[Callable[..., Database]]:
    """`open_db(path=None, **config)`: a connected Database, disconnected after the test."""
    opened: list[Database] = []

    def _open(path: Path | str | None = None, **config: Any) -> Database:
        db = initialize_database(DatabaseConfig(local_file=str(path or db_path), **config))
        opened.append(db)
        return db

    yield _open
    for db in opened:
        db.disconnect()


@pytest.fixture
def db(open_db: Callable[..., Database]) -> Database:
    return open_db()


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder that uid 65534 can reach (tmp_path's parents are root-only, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="codex-dash-store-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping to uid 65534 needs root")
