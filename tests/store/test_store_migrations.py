"""Migrations: the exact spec schema, idempotence, tamper and newer-version detection, races."""

from __future__ import annotations

import sqlite3

import pytest
from raw_db import RawDb
from store_helpers import (
    SHARED_SPEC_SCHEMA,
    SPEC_SCHEMA,
    SPEC_TABLES,
    T0,
    epoch,
    expect_error,
    finish_worker,
    query,
    schema_sql,
    start_worker,
)

from store import DatabaseConfig, ErrorCode, initialize_database
from store.migrate import discover

SPEC_INDEXES = (
    "idx_mcp_events_instance_id",
    "idx_mcp_events_timestamp",
    "idx_relationships_parent",
    "idx_relationships_child",
    "instance_relationships_parent_instance_child_instance_relationship_type_unique",
)
EXTRA_OBJECTS = {
    "idx_mcp_events_instance_timestamp",
    "codex_dash_migrations",
    "__drizzle_migrations",
    "sqlite_sequence",
}


@pytest.fixture
def spec_db(tmp_path):
    """A database built directly from the spec's schema.sql, as drizzle-kit would."""
    path = tmp_path / "from-spec.db"
    con = sqlite3.connect(path)
    con.executescript(SPEC_SCHEMA.read_text())
    con.close()
    return path


@pytest.mark.skipif(not SHARED_SPEC_SCHEMA.exists(), reason="shared spec not on this machine")
def test_the_test_copy_of_schema_sql_is_current():
    assert SPEC_SCHEMA.read_text() == SHARED_SPEC_SCHEMA.read_text()


@pytest.mark.sqlite_only(reason="the spec's schema.sql is SQLite DDL, compared text for text")
def test_fresh_database_has_exactly_the_spec_schema(db, db_path, spec_db):
    names = SPEC_TABLES + SPEC_INDEXES
    ours = schema_sql(db_path, names)
    theirs = schema_sql(spec_db, names)
    assert set(theirs) == set(names)
    assert ours == theirs  # identical CREATE text: columns, types, defaults, constraints
    for table in SPEC_TABLES:
        assert query(db_path, f"PRAGMA table_info({table})") == query(
            spec_db, f"PRAGMA table_info({table})"
        )
        ours_idx = {row[1:] for row in query(db_path, f"PRAGMA index_list({table})")}
        theirs_idx = {row[1:] for row in query(spec_db, f"PRAGMA index_list({table})")}
        assert ours_idx - {("idx_mcp_events_instance_timestamp", 0, "c", 0)} == theirs_idx
    extra = {
        name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE sql IS NOT NULL")
    } - set(names)
    assert extra == EXTRA_OBJECTS
    assert (
        "(`instance_id`, `timestamp`)" in schema_sql(db_path)["idx_mcp_events_instance_timestamp"]
    )


def test_applied_migrations_are_recorded(db, raw_db, engine):
    expected = [(m.version, m.name, m.checksum) for m in discover(engine=engine)]
    recorded = "SELECT version, name, checksum FROM codex_dash_migrations ORDER BY version"
    assert raw_db(recorded) == expected
    assert [v for v, *_ in expected] == {"sqlite": [1, 2], "postgres": [1, 2, 3]}[engine]


def test_reopening_is_a_no_op(open_db, raw_db):
    open_db().disconnect()
    before = raw_db.dump()
    schema_before = raw_db.schema()
    open_db().disconnect()
    assert raw_db.dump() == before
    assert raw_db.schema() == schema_before


def test_an_edited_migration_stops_with_advice(open_db, raw_db):
    open_db().disconnect()
    raw_db("UPDATE codex_dash_migrations SET checksum = 'abc123' WHERE version = 2")
    before = raw_db.dump()
    error = expect_error(ErrorCode.SCHEMA_MIGRATION_FAILED, open_db)
    message = str(error)
    assert "0002_events_instance_timestamp_index" in message
    assert "changed after it was applied" in message
    assert "new migration" in message  # what to do instead
    assert raw_db.dump() == before


def test_a_newer_database_asks_for_an_upgrade(open_db, raw_db):
    open_db().disconnect()
    raw_db(
        "INSERT INTO codex_dash_migrations (version, name, checksum) VALUES (99, 'future', 'x')",
    )
    error = expect_error(ErrorCode.SCHEMA_MIGRATION_FAILED, open_db)
    assert "0099_future" in str(error)
    assert "Upgrade codex-dash" in str(error)
    # read-only mode checks the same way instead of guessing
    expect_error(ErrorCode.SCHEMA_MIGRATION_FAILED, open_db, read_only=True)


def test_migrations_stamp_the_store_clock_not_the_machines(engine, request, tmp_path):
    """applied_at (inserted by the runner) and drizzle's marker row (the migration's own
    unixepoch(), SQLite) are the store's clock's time: a test that pins a date never meets the
    real clock through a database default. A fresh database: a template was migrated earlier."""
    if engine == "postgres":
        server = request.getfixturevalue("pg_server")
        target = server.url(server.create_database())
        config = DatabaseConfig(server_url=target, clock=lambda: T0)
    else:
        target = str(tmp_path / "fresh.db")
        config = DatabaseConfig(local_file=target, clock=lambda: T0)
    initialize_database(config).disconnect()
    raw = RawDb(engine, target)
    try:
        stamps = raw("SELECT version, applied_at FROM codex_dash_migrations ORDER BY version")
        assert stamps == [(m.version, epoch(T0)) for m in discover(engine=engine)]
        if engine == "sqlite":
            assert raw('SELECT created_at FROM "__drizzle_migrations"') == [(epoch(T0) * 1000,)]
    finally:
        raw.close()


def test_processes_racing_to_create_the_same_file(db_path, tmp_path):
    go = tmp_path / "go"
    workers = [start_worker("init", str(db_path), str(go)) for _ in range(4)]
    go.touch()
    reports = [finish_worker(w) for w in workers]
    assert reports == [{"ok": True}] * 4
    assert query(
        db_path, "SELECT version, count(*) FROM codex_dash_migrations GROUP BY version"
    ) == [(1, 1), (2, 1)]
    assert query(db_path, 'SELECT count(*) FROM "__drizzle_migrations"') == [(1,)]
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
