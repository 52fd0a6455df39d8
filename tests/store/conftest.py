"""Shared fixtures for the store tests: real SQLite files in tmp_path, a real PostgreSQL server,
real processes, no mocks.

Every test that takes `db`, `open_db` or `raw_db` (or a fixture built on them) runs on both
engines: `engine` is parametrized sqlite/postgres here, once, for the whole suite, and `raw_db`
checks what was stored on whichever engine that is. Only a test marked
`sqlite_only(reason=...)` runs on SQLite alone: it is about the SQLite file itself, and says why.
A test that takes the file (`db_path`, `world_dir`) without that mark is a collection error, so a
behaviour test cannot drift back to one engine by reaching for the file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pglab import PgServer
from raw_db import RawDb
from testkit import T0, make_instance

from store import Database, DatabaseConfig, initialize_database

FILE_FIXTURES = frozenset({"db_path", "world_dir"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    mark = metafunc.definition.get_closest_marker("sqlite_only")
    if mark is not None:
        if not mark.kwargs.get("reason"):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason=")
        metafunc.parametrize("engine", ["sqlite"], indirect=True)
        return
    if FILE_FIXTURES & set(inspect.signature(metafunc.function).parameters):
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid} takes the SQLite file but runs on both engines: "
            "check stored rows through raw_db, or mark it sqlite_only(reason=...)"
        )
    metafunc.parametrize("engine", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A migrated database: each test's is a copy (CREATE DATABASE ... TEMPLATE, ~10 ms)."""
    name = pg_server.create_database()
    initialize_database(DatabaseConfig(server_url=pg_server.url(name))).disconnect()
    return name


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database on the test server."""
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database(template=request.getfixturevalue("pg_template"))
    return server.url(name)


@pytest.fixture
def open_db(
    db_path: Path, engine: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Database]]:
    """`open_db(path=None, **config)`: a connected Database, disconnected after the test.
    On the postgres engine every call opens the test's one database (a path is refused there)."""
    opened: list[Database] = []
    url = request.getfixturevalue("pg_url") if engine == "postgres" else None

    def _open(path: Path | str | None = None, **config: Any) -> Database:
        if url is not None:
            if path is not None:  # a path would silently mean the test's one server database
                raise pytest.UsageError(
                    f"{request.node.nodeid} opens a file by path on PostgreSQL: mark it "
                    "sqlite_only(reason=...)"
                )
            config.setdefault("server_url", url)
        db = initialize_database(DatabaseConfig(local_file=str(path or db_path), **config))
        opened.append(db)
        return db

    yield _open
    for db in opened:
        db.disconnect()


@pytest.fixture
def raw_db(engine: str, request: pytest.FixtureRequest) -> Iterator[RawDb]:
    """Plain SQL on the database `db`/`open_db()` use (the same file, or the same server database)."""
    if engine == "postgres":
        target: Path | str = request.getfixturevalue("pg_url")
    else:
        target = request.getfixturevalue("db_path")
    raw = RawDb(engine, target)
    yield raw
    raw.close()


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
