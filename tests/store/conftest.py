"""Shared fixtures for the store tests: real SQLite files in tmp_path, real processes, no mocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Database, DatabaseConfig, initialize_database


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
