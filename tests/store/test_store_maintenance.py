"""vacuum() and backup(): consistent copies while another process keeps writing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from store_helpers import (
    expect_error,
    finish_worker,
    make_event,
    make_instance,
    query,
    start_worker,
)

from store import DatabaseConfig, ErrorCode, initialize_database


@pytest.mark.sqlite_only(
    reason="the size of the SQLite file (vacuum and prune on a server: test_store_transfer)"
)
def test_vacuum_shrinks_the_file_and_keeps_the_data(db, db_path):
    keep = db.create_instance(make_instance())
    drop = db.create_instance(make_instance())
    db.log_mcp_events([make_event(drop, metadata={"pad": "x" * 2000}) for _ in range(300)])
    db.log_mcp_event(make_event(keep, metadata={"kept": True}))
    db.delete_instance(drop)
    db.checkpoint("TRUNCATE")
    size_before = db_path.stat().st_size
    db.vacuum()
    db.checkpoint("TRUNCATE")
    assert db_path.stat().st_size < size_before
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert [e.metadata for e in db.get_mcp_events(keep)] == [{"kept": True}]


@pytest.mark.sqlite_only(reason="the SQLite file's journal mode")
@pytest.mark.parametrize("enable_wal", [True, False])
def test_vacuum_keeps_the_journal_mode(open_db, db_path, enable_wal):
    db = open_db(enable_wal=enable_wal)
    db.vacuum()
    db.checkpoint()
    assert query(db_path, "PRAGMA journal_mode") == [("wal" if enable_wal else "delete",)]


def wait_for_file(path: Path, process) -> None:
    while not path.exists():
        assert process.poll() is None, process.stderr.read()
        os.sched_yield()


def test_backup_while_another_process_writes(open_db, raw_db, tmp_path):
    """On both engines the backup is one SQLite file in the spec's format."""
    db = open_db()
    instance = db.create_instance(make_instance())
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    writer = start_worker("write_until", raw_db.target, instance, str(stop), str(ready))
    try:
        wait_for_file(ready, writer)
        target = tmp_path / "backups" / "copy.db"
        result = db.backup(target)
        after_backup = db.count_events(instance)
    finally:
        stop.touch()
    written = finish_worker(writer)["written"]

    assert result.path == str(target)
    assert result.size_bytes == target.stat().st_size
    assert query(target, "PRAGMA integrity_check") == [("ok",)]
    assert query(target, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert [p.name for p in target.parent.iterdir()] == ["copy.db"]  # no temporary left
    copied = query(target, "SELECT count(*) FROM mcp_events")[0][0]
    assert 50 <= copied <= after_backup <= written
    # the copy's events are exactly the first `copied` events of the source, in order
    assert query(target, "SELECT id, metadata FROM mcp_events ORDER BY id") == raw_db(
        "SELECT id, metadata FROM mcp_events ORDER BY id LIMIT ?", (copied,)
    )
    with initialize_database(DatabaseConfig(local_file=str(target))) as backup_db:
        assert backup_db.get_instance(instance).id == instance
        assert backup_db.count_events(instance) == copied


def corrupt_a_table_page(path: Path) -> None:
    """Scribble over the events table's root page, leaving sqlite_master readable."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'mcp_events'").fetchone()
    con.close()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size + 8)
        handle.write(b"\xff" * 200)


@pytest.mark.sqlite_only(reason="corrupts a page of the SQLite file")
def test_failed_backup_leaves_no_partial_file_and_keeps_the_old_one(open_db, db_path, tmp_path):
    db = open_db()
    instance = db.create_instance(make_instance())
    db.log_mcp_events([make_event(instance) for _ in range(200)])
    target = tmp_path / "backups" / "copy.db"
    db.backup(target)
    good = target.read_bytes()
    db.disconnect()  # checkpoints the WAL into the main file

    corrupt_a_table_page(db_path)
    damaged = open_db()
    error = expect_error(ErrorCode.BACKUP_FAILED, damaged.backup, target)
    assert "integrity_check" in str(error) or "malformed" in str(error)
    assert target.read_bytes() == good
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]


def test_backup_refuses_a_folder(db, tmp_path):
    expect_error(ErrorCode.BACKUP_FAILED, db.backup, tmp_path)


@pytest.mark.sqlite_only(reason="a SQLite store's own file as its backup target")
def test_backup_refuses_its_own_file(db, db_path):
    expect_error(ErrorCode.BACKUP_FAILED, db.backup, db_path)
