"""Every error code: one table of code -> how to produce it, plus the file-system errors."""

from __future__ import annotations

import os

import pytest
from store_helpers import (
    expect_error,
    make_event,
    make_instance,
    run_worker,
)

from store import Database, DatabaseConfig, ErrorCode, RelationshipRecord

# The codes the spec names (core-database.md, Error Conditions of each function).
SPEC_CODES = {
    "DATABASE_INITIALIZATION_FAILED",
    "DATABASE_SCHEMA_MIGRATION_FAILED",
    "DATABASE_TURSO_CONNECTION_FAILED",
    "DATABASE_FILE_PERMISSION_DENIED",
    "DATABASE_INSTANCE_EXISTS",
    "DATABASE_VALIDATION_FAILED",
    "DATABASE_INSERT_FAILED",
    "DATABASE_INSTANCE_NOT_FOUND",
    "DATABASE_INVALID_STATUS_TRANSITION",
    "DATABASE_UPDATE_FAILED",
    "DATABASE_LOG_FAILED",
    "DATABASE_PARENT_INSTANCE_NOT_FOUND",
    "DATABASE_CHILD_INSTANCE_NOT_FOUND",
    "DATABASE_RELATIONSHIP_EXISTS",
}


def rel(parent, child):
    return RelationshipRecord(
        parent_instance=parent, child_instance=child, relationship_type="spawned_review"
    )


# Each trigger gets (open_db, raw_db, tmp_path) with a fresh database holding instances "a-1" and
# "b-1" (started), on the test's engine.
def not_a_database(open_db, raw_db, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database\n" * 100)
    open_db(bad)


def tampered_migration(open_db, raw_db, tmp_path):
    raw_db("UPDATE codex_dash_migrations SET checksum = 'edited' WHERE version = 1")
    open_db()


def cloud_sync(open_db, raw_db, tmp_path):
    Database(
        DatabaseConfig(local_file=raw_db.target, enable_cloud_sync=True, sync_url="libsql://x.io")
    ).connect()


def existing_file_not_writable(open_db, raw_db, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes; test_existing_file_not_writable_as_nobody covers it")
    os.chmod(raw_db.target, 0o444)
    open_db()


def insert_refused_by_the_engine(open_db, raw_db, tmp_path):
    raw_db.refuse("instances")
    open_db().create_instance(make_instance())


def update_refused_by_the_engine(open_db, raw_db, tmp_path):
    raw_db.refuse("instances", when="UPDATE")
    open_db().update_instance("a-1", {"claude_pid": 5})


def log_refused_by_the_engine(open_db, raw_db, tmp_path):
    raw_db.refuse("mcp_events")
    open_db().log_mcp_event(make_event("a-1"))


def delete_refused_by_the_engine(open_db, raw_db, tmp_path):
    raw_db.refuse("instances", when="DELETE")
    open_db().delete_instance("a-1")


def table_dropped_under_us(open_db, raw_db, tmp_path):
    db = open_db()
    raw_db("DROP TABLE mcp_events")
    db.get_mcp_events("a-1")


def vacuum_while_locked(open_db, raw_db, tmp_path):
    db = open_db(busy_timeout=50)
    with raw_db.write_lock():
        db.vacuum()


def backup_into_a_folder(open_db, raw_db, tmp_path):
    open_db().backup(tmp_path)


def not_connected(open_db, raw_db, tmp_path):
    db = open_db()
    db.disconnect()
    db.get_instance("a-1")


def bad_key_file(open_db, raw_db, tmp_path):
    tmp_path.joinpath("keys").mkdir()
    tmp_path.joinpath("keys", "secret.key").write_text("bad key")
    open_db().set_config("k", "v", encrypted=True)


ERROR_TABLE = {
    "DATABASE_INITIALIZATION_FAILED": not_a_database,
    "DATABASE_SCHEMA_MIGRATION_FAILED": tampered_migration,
    "DATABASE_TURSO_CONNECTION_FAILED": cloud_sync,
    "DATABASE_FILE_PERMISSION_DENIED": existing_file_not_writable,
    "DATABASE_INSTANCE_EXISTS": lambda o, r, t: o().create_instance(make_instance(id="a-1")),
    "DATABASE_VALIDATION_FAILED": lambda o, r, t: o().create_instance(make_instance(type="x")),
    "DATABASE_INSERT_FAILED": insert_refused_by_the_engine,
    "DATABASE_INSTANCE_NOT_FOUND": lambda o, r, t: o().update_instance_status("zz-9", "terminated"),
    "DATABASE_INVALID_STATUS_TRANSITION": lambda o, r, t: o().update_instance_status(
        "a-1", "pr_merged"
    ),
    "DATABASE_UPDATE_FAILED": update_refused_by_the_engine,
    "DATABASE_LOG_FAILED": log_refused_by_the_engine,
    "DATABASE_PARENT_INSTANCE_NOT_FOUND": lambda o, r, t: o().create_relationship(
        rel("zz-9", "a-1")
    ),
    "DATABASE_CHILD_INSTANCE_NOT_FOUND": lambda o, r, t: o().create_relationship(
        rel("a-1", "zz-9")
    ),
    "DATABASE_RELATIONSHIP_EXISTS": lambda o, r, t: [
        o().create_relationship(rel("a-1", "b-1")) for _ in range(2)
    ],
    "DATABASE_RELATIONSHIP_NOT_FOUND": lambda o, r, t: o().update_relationship(
        404, {"review_iteration": 2}
    ),
    "DATABASE_NOT_CONNECTED": not_connected,
    "DATABASE_READ_ONLY": lambda o, r, t: o(read_only=True).set_config("k", "v"),
    "DATABASE_QUERY_FAILED": table_dropped_under_us,
    "DATABASE_DELETE_FAILED": delete_refused_by_the_engine,
    "DATABASE_CONFIG_FAILED": bad_key_file,
    "DATABASE_BACKUP_FAILED": backup_into_a_folder,
    "DATABASE_VACUUM_FAILED": vacuum_while_locked,
}
# Codes that come from the SQLite file itself (a file that is not a database, a file's mode,
# cloud sync of the local file): on a server they have no cause to reproduce.
FILE_CODES = {
    "DATABASE_INITIALIZATION_FAILED",
    "DATABASE_TURSO_CONNECTION_FAILED",
    "DATABASE_FILE_PERMISSION_DENIED",
}


def test_every_code_is_in_the_table():
    assert {code.value for code in ErrorCode} == set(ERROR_TABLE)
    assert set(ERROR_TABLE) >= SPEC_CODES


def produce(code, trigger, open_db, raw_db, tmp_path):
    setup = open_db()
    setup.create_instance(make_instance(id="a-1"))
    setup.create_instance(make_instance(id="b-1"))
    setup.disconnect()
    with pytest.raises(Exception) as info:
        trigger(open_db, raw_db, tmp_path)
    assert getattr(info.value, "code", None) == code, repr(info.value)
    assert str(info.value).startswith(code + ": ")


@pytest.mark.parametrize(
    ("code", "trigger"),
    [(c, t) for c, t in ERROR_TABLE.items() if c not in FILE_CODES],
    ids=[c for c in ERROR_TABLE if c not in FILE_CODES],
)
def test_error_code(open_db, raw_db, tmp_path, code, trigger):
    produce(code, trigger, open_db, raw_db, tmp_path)


@pytest.mark.sqlite_only(
    reason="these codes come from the SQLite file itself (its bytes, its mode)"
)
@pytest.mark.parametrize("code", sorted(FILE_CODES))
def test_error_code_of_the_file(open_db, raw_db, tmp_path, code):
    produce(code, ERROR_TABLE[code], open_db, raw_db, tmp_path)


@pytest.mark.sqlite_only(reason="a file that is not a SQLite database")
def test_not_a_database_names_the_path(open_db, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"\x00junk" * 1000)
    error = expect_error(ErrorCode.INITIALIZATION_FAILED, open_db, bad)
    assert str(bad) in str(error)
    assert bad.read_bytes() == b"\x00junk" * 1000  # left untouched


@pytest.mark.sqlite_only(reason="paths of the SQLite file that cannot be one")
@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("missing-folder/x.db", ErrorCode.INITIALIZATION_FAILED),
        ("", ErrorCode.INITIALIZATION_FAILED),  # the path is a folder
    ],
)
def test_bad_paths_name_the_path(open_db, tmp_path, where, code):
    path = tmp_path / where if where else tmp_path
    error = expect_error(code, open_db, path)
    assert str(path) in str(error)


@pytest.mark.parametrize("folder_mode", [0o755, 0o000])
def test_folder_without_permission_as_nobody(world_dir, folder_mode):
    """uid 65534 (or, when not root, this user) cannot create the database's files there."""
    folder = world_dir / "locked"
    folder.mkdir()
    folder.chmod(folder_mode)
    path = folder / "claude-codex.db"
    report = run_worker("open", str(path), "rw", as_nobody=True)
    assert report.get("error_code") == "DATABASE_FILE_PERMISSION_DENIED", report
    assert str(folder) in report["message"]
    assert not path.exists()


@pytest.mark.sqlite_only(reason="the mode of the SQLite file")
def test_existing_file_not_writable_as_nobody(world_dir, open_db):
    path = world_dir / "claude-codex.db"
    open_db(path).disconnect()
    path.chmod(0o644)
    world_dir.chmod(0o777)  # the folder is writable: only the file's mode denies
    report = run_worker("open", str(path), "rw", as_nobody=True)
    assert report.get("error_code") == "DATABASE_FILE_PERMISSION_DENIED", report
    assert str(path) in report["message"]


@pytest.mark.parametrize("read_only", [False, True])
def test_a_mapped_column_missing_fails_at_connect_naming_it(open_db, raw_db, read_only):
    """The store binds Pony on first use; the schema is still checked when connecting."""
    first = open_db()
    where = first.config.display_name  # the file's path, or the server URL without a password
    first.disconnect()
    raw_db("ALTER TABLE instances DROP COLUMN system_prompt")
    error = expect_error(ErrorCode.INITIALIZATION_FAILED, open_db, read_only=read_only)
    assert "system_prompt" in error.message and where in error.message


def test_plain_reads_never_import_pony_and_the_first_entity_use_binds_it(db_path):
    """What the dashboard's first screen needs runs without Pony (0.2-0.3 s of imports here)."""
    import subprocess
    import sys

    code = f"""
import sys
from store import DatabaseConfig, initialize_database
db = initialize_database(DatabaseConfig(local_file={str(db_path)!r}))
db.list_instances(); db.max_event_id(); db.data_version(); db.get_mcp_events('nobody')
db.get_config('last_backup_at'); db.github_issue_titles([1])
print('pony' in sys.modules, 'cryptography' in sys.modules)
from store import InstanceRecord
db.create_instance(InstanceRecord(id='a', type='coding', status='started', worktree_path='/a',
                                  branch_name='a', tmux_session='a'))
print('pony' in sys.modules, db.get_instance('a').id)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True", "a"]
