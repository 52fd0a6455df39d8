"""Shared fixtures for the store tests: real SQLite files in tmp_path, real processes, no mocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from testkit import T0, make_instance

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


@pytest.fixture
def three(db: Database) -> Database:
    """A planning instance p-1 with a coding child c-1 (waiting_review), and a review r-1."""
    db.create_instance(make_instance(id="p-1", type="planning", issue_number=4, last_activity=T0))
    db.create_instance(
        make_instance(
            id="c-1",
            type="coding",
            status="waiting_review",
            issue_number=4,
            parent_instance_id="p-1",
            last_activity=T0 + timedelta(seconds=2),
        )
    )
    db.create_instance(
        make_instance(
            id="r-1", type="review", issue_number=5, last_activity=T0 + timedelta(seconds=1)
        )
    )
    return db
