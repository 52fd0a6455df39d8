"""Copies between engines and a server's backups: real files and a real PostgreSQL, both ways."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from store_helpers import T0, expect_error, make_event, make_instance, make_issue

from store import Database, DatabaseConfig, RelationshipRecord, initialize_database
from store.transfer import copy_database
from tui.cli import main


def fill(db: Database) -> None:
    db.create_instance(make_instance(id="p-1", issue_number=4, last_activity=T0))
    db.create_instance(make_instance(id="c-1", parent_instance_id="p-1", issue_number=4))
    db.update_instance_status("c-1", "terminated")
    db.log_mcp_events(
        [make_event(instance_id="p-1", metadata={"n": n, "f": 1.5e17}) for n in range(1200)]
    )
    db.create_relationship(
        RelationshipRecord(
            parent_instance="p-1",
            child_instance="c-1",
            relationship_type="spawned_review",
            metadata={"why": "test"},
        )
    )
    db.sync_github_issues([make_issue(7), make_issue(8)])
    db.set_config("plain", "v")
    db.set_config("token", "hush", encrypted=True)


def state(db: Database) -> tuple:
    return (
        db.list_instances(),
        db.get_mcp_events("p-1", 10_000),
        db.get_mcp_events("c-1", 10_000),
        db.get_relationships("p-1"),
        [db.get_github_issue(n) for n in (7, 8)],
        db.get_config("plain"),
        db.get_config("token"),
        db.is_config_encrypted("token"),
    )


def sqlite_db(path: Path) -> Database:
    return initialize_database(DatabaseConfig(local_file=str(path)))


def test_sqlite_to_postgres_and_back(tmp_path: Path, pg_url: str) -> None:
    origin = sqlite_db(tmp_path / "origin.db")
    fill(origin)
    server = initialize_database(DatabaseConfig(server_url=pg_url))
    seen: list[tuple[int, int]] = []
    counts = copy_database(origin, server, progress=lambda done, total: seen.append((done, total)))
    assert counts["mcp_events"] == 1201 and seen[-1] == (seen[-1][1], seen[-1][1])
    assert state(server) == state(origin)
    back = sqlite_db(tmp_path / "back.db")
    copy_database(server, back)
    assert state(back) == state(origin)
    # ids continue after the copied ones on the server
    new_id = server.log_mcp_event(make_event(instance_id="p-1"))
    assert new_id > max(e.id for e in origin.get_mcp_events("p-1", 10_000))
    for db in (origin, server, back):
        db.disconnect()


def test_a_non_empty_target_is_refused_unless_forced(tmp_path: Path, pg_url: str) -> None:
    origin = sqlite_db(tmp_path / "origin.db")
    fill(origin)
    server = initialize_database(DatabaseConfig(server_url=pg_url))
    server.create_instance(make_instance(id="other-1"))
    error = expect_error("DATABASE_VALIDATION_FAILED", copy_database, origin, server)
    assert "not empty" in error.message and "--force" in error.message
    assert [i.id for i in server.list_instances()] == ["other-1"]  # untouched
    copy_database(origin, server, force=True)
    assert state(server) == state(origin)
    origin.disconnect()
    server.disconnect()


def test_backup_of_a_server_is_a_spec_sqlite_file(tmp_path: Path, pg_url: str) -> None:
    server = initialize_database(DatabaseConfig(server_url=pg_url))
    fill(server)
    result = server.backup(tmp_path / "team.db")
    con = sqlite3.connect(result.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute('SELECT count(*) FROM "__drizzle_migrations"').fetchone()[0] == 1
        assert con.execute("SELECT typeof(success) FROM mcp_events LIMIT 1").fetchone() == (
            "integer",
        )
    finally:
        con.close()
    offline = initialize_database(DatabaseConfig(local_file=result.path, read_only=True))
    assert state(offline) == state(server)
    offline.disconnect()
    server.disconnect()


def test_vacuum_and_prune_on_a_server(pg_url: str) -> None:
    server = initialize_database(DatabaseConfig(server_url=pg_url))
    server.create_instance(make_instance(id="v-1"))
    server.log_mcp_events(
        [make_event(instance_id="v-1", timestamp=T0 + timedelta(days=d)) for d in range(10)]
    )
    assert server.prune_events(T0 + timedelta(days=4)) == 4
    server.vacuum()
    assert server.count_events("v-1") == 6
    assert server.file_sizes()[0] > 0
    server.disconnect()


def test_copy_command(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    origin = sqlite_db(tmp_path / "origin.db")
    fill(origin)
    origin.disconnect()
    assert main(["copy", str(tmp_path / "origin.db"), pg_url]) == 0
    out = capsys.readouterr()
    assert "1,201 mcp_events" in out.out and "rows (100%)" in out.err
    assert main(["copy", str(tmp_path / "origin.db"), pg_url]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["copy", str(tmp_path / "origin.db"), pg_url, "--force"]) == 0
