"""Read-only mode: reads work and stay live, every write is refused, the file is left alone."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_helpers import (
    T0,
    expect_error,
    finish_worker,
    make_event,
    make_instance,
    make_issue,
    run_worker,
    start_worker,
)

from store import ErrorCode, InstanceFilter, RelationshipRecord


@pytest.fixture
def populated(open_db):
    db = open_db()
    for name in ("a-1", "b-1"):
        db.create_instance(make_instance(id=name))
    db.log_mcp_events([make_event("a-1") for _ in range(3)])
    rid = db.create_relationship(
        RelationshipRecord(
            parent_instance="a-1", child_instance="b-1", relationship_type="created_fork"
        )
    )
    db.upsert_github_issue(make_issue(1))
    db.set_config("theme", "dark")
    db.disconnect()  # SQLite: checkpointed, the main file holds everything, no -wal left
    return rid


WRITES = {
    "create_instance": lambda db, rid: db.create_instance(make_instance()),
    "update_instance": lambda db, rid: db.update_instance("a-1", {"claude_pid": 3}),
    "update_instance_status": lambda db, rid: db.update_instance_status("a-1", "terminated"),
    "delete_instance": lambda db, rid: db.delete_instance("a-1"),
    "log_mcp_event": lambda db, rid: db.log_mcp_event(make_event("a-1")),
    "log_mcp_events": lambda db, rid: db.log_mcp_events([make_event("a-1")]),
    "create_relationship": lambda db, rid: db.create_relationship(
        RelationshipRecord(
            parent_instance="b-1", child_instance="a-1", relationship_type="created_fork"
        )
    ),
    "update_relationship": lambda db, rid: db.update_relationship(rid, {"review_iteration": 2}),
    "upsert_github_issue": lambda db, rid: db.upsert_github_issue(make_issue(2)),
    "sync_github_issues": lambda db, rid: db.sync_github_issues([make_issue(3)]),
    "set_config": lambda db, rid: db.set_config("theme", "light"),
    "delete_config": lambda db, rid: db.delete_config("theme"),
    "vacuum": lambda db, rid: db.vacuum(),
    "prune_events": lambda db, rid: db.prune_events(datetime(2100, 1, 1, tzinfo=UTC)),
    "checkpoint": lambda db, rid: db.checkpoint(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=list(WRITES))
def test_every_write_is_refused(open_db, raw_db, populated, write):
    before = raw_db.state()
    ro = open_db(read_only=True)
    expect_error(ErrorCode.READ_ONLY, write, ro, populated)
    ro.disconnect()
    assert raw_db.state() == before


def test_reads_work_and_leave_the_database_unchanged(open_db, raw_db, populated, tmp_path):
    before = raw_db.state()
    ro = open_db(read_only=True)
    assert ro.read_only
    assert {i.id for i in ro.list_instances(InstanceFilter(types=["coding"]))} == {"a-1", "b-1"}
    assert len(ro.get_mcp_events("a-1")) == 3
    assert len(ro.get_recent_mcp_events(T0)) == 3
    assert [r.id for r in ro.get_relationships("b-1")] == [populated]
    assert ro.get_github_issue(1).title == "Issue 1"
    assert ro.get_config("theme") == "dark"
    ro.backup(tmp_path / "copy.db")  # a backup reads only
    ro.disconnect()
    assert raw_db.state() == before


def test_sees_other_connections_commits(open_db, populated):
    ro = open_db(read_only=True)
    version = ro.data_version()
    assert ro.get_instance("c-1") is None
    assert len(ro.get_mcp_events("a-1")) == 3

    writer = open_db()
    writer.create_instance(make_instance(id="c-1"))
    writer.log_mcp_event(make_event("a-1"))
    writer.update_instance_status("b-1", "waiting_review")

    assert ro.get_instance("c-1").id == "c-1"
    assert ro.get_instance("b-1").status == "waiting_review"
    assert len(ro.get_mcp_events("a-1")) == 4
    assert ro.data_version() != version


@pytest.mark.sqlite_only(reason="whether the SQLite file gets created")
def test_missing_file_is_not_created(open_db, db_path):
    error = expect_error(ErrorCode.INITIALIZATION_FAILED, open_db, read_only=True)
    assert str(db_path) in str(error)
    assert not db_path.exists()


@pytest.mark.sqlite_only(reason="whether the SQLite file gets created")
def test_create_false_never_makes_a_database(open_db, db_path):
    """The dashboard and maintenance commands open existing files only: a mistyped path, or a file
    deleted while the dashboard runs, must not turn into a new empty database."""
    error = expect_error(ErrorCode.INITIALIZATION_FAILED, open_db, create=False)
    assert str(db_path) in str(error) and "does not exist" in str(error)
    assert not db_path.exists()


def make_shared_db(open_db, folder, **config):
    path = folder / "claude-codex.db"
    db = open_db(path, **config)
    db.create_instance(make_instance(id="a-1"))
    db.log_mcp_events([make_event("a-1") for _ in range(2)])
    return db, path


@pytest.mark.sqlite_only(
    reason="the SQLite file, its -wal and -shm in a folder uid 65534 cannot write"
)
def test_rollback_journal_database_in_a_folder_nobody_can_write(open_db, world_dir):
    db, path = make_shared_db(open_db, world_dir, enable_wal=False)
    db.disconnect()
    report = run_worker("open", str(path), "ro", as_nobody=True)
    assert report == {"instances": ["a-1"], "events": 2}


@pytest.mark.sqlite_only(
    reason="the SQLite file, its -wal and -shm in a folder uid 65534 cannot write"
)
def test_wal_database_in_a_folder_nobody_can_write_while_a_writer_has_it_open(open_db, world_dir):
    _writer, path = make_shared_db(open_db, world_dir)
    assert path.with_name(path.name + "-shm").exists()  # the writer's -wal and -shm are there
    report = run_worker("open", str(path), "ro", as_nobody=True)
    assert report == {"instances": ["a-1"], "events": 2}


@pytest.mark.sqlite_only(
    reason="the SQLite file, its -wal and -shm in a folder uid 65534 cannot write"
)
def test_checkpointed_wal_database_in_a_folder_nobody_can_write(open_db, world_dir):
    """SQLite cannot read a WAL-mode file live without a -shm it can create
    (SQLITE_READONLY_DIRECTORY). With no -shm no writer has it open, so the store reads it as an
    immutable snapshot; nothing is written."""
    db, path = make_shared_db(open_db, world_dir)
    db.disconnect()
    assert sorted(p.name for p in world_dir.iterdir()) == ["claude-codex.db"]
    before = path.read_bytes()
    report = run_worker("open", str(path), "ro", as_nobody=True)
    assert report == {"instances": ["a-1"], "events": 2}
    assert path.read_bytes() == before
    assert sorted(p.name for p in world_dir.iterdir()) == ["claude-codex.db"]


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.01)


@pytest.mark.sqlite_only(
    reason="the SQLite file, its -wal and -shm in a folder uid 65534 cannot write"
)
def test_snapshot_follows_a_writer_live_after_reconnecting(open_db, world_dir, needs_root):
    db, path = make_shared_db(open_db, world_dir)
    db.disconnect()
    signals = Path(tempfile.mkdtemp(prefix="codex-dash-signals-", dir="/tmp"))
    signals.chmod(0o777)  # the reader (uid 65534) touches its ready files here
    ready, go = signals / "ready", signals / "go"
    reader = start_worker("--as-nobody", "follow", str(path), str(ready), str(go))
    wait_until(ready.exists)
    writer = open_db(path)  # a writer arrives: -wal and -shm appear
    writer.log_mcp_event(make_event("a-1"))
    go.touch()
    wait_until(Path(str(ready) + ".2").exists)
    writer.log_mcp_event(make_event("a-1"))  # a commit the reconnected reader must see live
    Path(str(go) + ".2").touch()
    report = finish_worker(reader)
    shutil.rmtree(signals, ignore_errors=True)
    assert report["first"] == {"snapshot": True, "events": 2}
    assert report["after_writer"] == {"snapshot": False, "events": 3}
    assert report["live"] is True
