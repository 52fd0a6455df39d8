"""Bad input through the store API and the command line: the spec's error code, a message naming
what was wrong, and the database exactly as it was (a typed dump of every table, before and after).
Command-line cases exit 2 with one `codex-dash: ...` line on stderr and no traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rellab import (
    NOBODY,
    PROJECT_ROOT,
    assert_one_line_failure,
    cli,
    dump,
    env,
    make_event,
    make_instance,
    open_store,
    raw,
)

from store import Database, DatabaseConfig, DatabaseError, RelationshipRecord
from store.validation import MAX_DOCUMENT, MAX_MESSAGE

BASE, DONE = "base-a1", "done-a1"


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Database], Any]
    code: str
    words: tuple[str, ...]


def relationship(parent: str, child: str, kind: str = "spawned_review") -> RelationshipRecord:
    return RelationshipRecord(parent_instance=parent, child_instance=child, relationship_type=kind)


class Unserialisable:
    pass


V = "DATABASE_VALIDATION_FAILED"
API_CASES = [
    Case("unknown status on create", lambda db: db.create_instance(make_instance(status="running")), V, ("status", "running")),
    Case("unknown status on update", lambda db: db.update_instance_status(BASE, "done"), V, ("status", "done")),
    Case("status through update_instance", lambda db: db.update_instance(BASE, {"status": "terminated"}), V, ("status",)),
    Case("transition out of a final status", lambda db: db.update_instance_status(DONE, "started"), "DATABASE_INVALID_STATUS_TRANSITION", (DONE, "terminated", "started")),
    Case("status of an unknown id", lambda db: db.update_instance_status("ghost-a1", "terminated"), "DATABASE_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("duplicate id", lambda db: db.create_instance(make_instance(id=BASE)), "DATABASE_INSTANCE_EXISTS", (BASE,)),
    Case("unknown parent on create", lambda db: db.create_instance(make_instance(parent_instance_id="ghost-a1")), "DATABASE_PARENT_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("missing worktree_path", lambda db: db.create_instance(make_instance(worktree_path=None)), V, ("worktree_path", "required")),
    Case("empty branch_name", lambda db: db.create_instance(make_instance(branch_name="  ")), V, ("branch_name", "empty")),
    Case("unknown type", lambda db: db.create_instance(make_instance(type="testing")), V, ("type", "testing")),
    Case("id with spaces", lambda db: db.create_instance(make_instance(id="bad id!")), V, ("id", "bad id!")),
    Case("pid as text", lambda db: db.create_instance(make_instance(claude_pid="123")), V, ("claude_pid", "str")),
    Case("pid as bool", lambda db: db.create_instance(make_instance(claude_pid=True)), V, ("claude_pid", "bool")),
    Case("oversized system_prompt", lambda db: db.create_instance(make_instance(system_prompt="x" * (MAX_DOCUMENT + 1))), V, ("system_prompt", "limit")),
    Case("unknown field in update", lambda db: db.update_instance(BASE, {"colour": "red"}), V, ("colour",)),
    Case("update of an unknown id", lambda db: db.update_instance("ghost-a1", {"branch_name": "x"}), "DATABASE_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("delete of an unknown id", lambda db: db.delete_instance("ghost-a1"), "DATABASE_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("event for an unknown instance", lambda db: db.log_mcp_event(make_event("ghost-a1")), "DATABASE_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("batch with one unknown instance", lambda db: db.log_mcp_events([make_event(BASE), make_event("ghost-a1")]), "DATABASE_INSTANCE_NOT_FOUND", ("ghost-a1", "no event was logged")),
    Case("success as text", lambda db: db.log_mcp_event(make_event(BASE, success="yes")), V, ("success", "yes")),
    Case("malformed JSON metadata", lambda db: db.log_mcp_event(make_event(BASE, metadata='{"a": ')), V, ("metadata", "JSON")),
    Case("metadata that is not JSON", lambda db: db.log_mcp_event(make_event(BASE, metadata={"x": Unserialisable()})), V, ("metadata",)),
    Case("oversized error_message", lambda db: db.log_mcp_event(make_event(BASE, error_message="e" * (MAX_MESSAGE + 1))), V, ("error_message", "limit")),
    Case("NUL in tool_name", lambda db: db.log_mcp_event(make_event(BASE, tool_name="run\x00tests")), V, ("tool_name", "NUL")),
    Case("missing tool_name", lambda db: db.log_mcp_event(make_event(BASE, tool_name=None)), V, ("tool_name", "required")),
    Case("status_change not a status", lambda db: db.log_mcp_event(make_event(BASE, status_change="merged")), V, ("status_change", "merged")),
    Case("timestamp as text", lambda db: db.log_mcp_event(make_event(BASE, timestamp="yesterday")), V, ("timestamp", "str")),
    Case("negative timestamp", lambda db: db.log_mcp_event(make_event(BASE, timestamp=-5)), V, ("timestamp", "-5")),
    Case("relationship to an unknown parent", lambda db: db.create_relationship(relationship("ghost-a1", BASE)), "DATABASE_PARENT_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("relationship to an unknown child", lambda db: db.create_relationship(relationship(BASE, "ghost-a1")), "DATABASE_CHILD_INSTANCE_NOT_FOUND", ("ghost-a1",)),
    Case("duplicate relationship", lambda db: db.create_relationship(relationship(BASE, DONE)), "DATABASE_RELATIONSHIP_EXISTS", (BASE, DONE)),
    Case("unknown relationship type", lambda db: db.create_relationship(relationship(BASE, DONE, "adopted")), V, ("relationship_type", "adopted")),
    Case("update of an unknown relationship", lambda db: db.update_relationship(999, {"review_iteration": 2}), "DATABASE_RELATIONSHIP_NOT_FOUND", ("999",)),
    Case("config value of a wrong type", lambda db: db.set_config("theme", 42), V, ("value", "int")),
]  # fmt: skip


@pytest.fixture
def base_db(db_path: Path) -> Iterator[Database]:
    """Two instances (one final), a relationship, a few events, a config value."""
    db = open_store(db_path)
    db.create_instance(make_instance(id=BASE, tmux_session=BASE))
    db.create_instance(make_instance(id=DONE, tmux_session=DONE, status="started"))
    db.update_instance_status(DONE, "terminated")
    db.create_relationship(relationship(BASE, DONE))
    db.log_mcp_events([make_event(BASE, metadata={"n": n}) for n in range(5)])
    db.set_config("theme", "dark")
    yield db
    db.disconnect()


@pytest.mark.parametrize("case", API_CASES, ids=[c.name for c in API_CASES])
def test_store_rejects_bad_input(case: Case, base_db: Database, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(DatabaseError) as info:
        case.call(base_db)
    assert info.value.code == case.code, str(info.value)
    for word in case.words:
        assert word in info.value.message, (word, info.value.message)
    assert dump(db_path) == before


# --- files that are not (usable) claude-codex databases -----------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def real_db(path: Path, events: int = 0) -> Path:
    db = open_store(path)
    db.create_instance(make_instance(id=BASE, tmux_session=BASE))
    if events:
        db.log_mcp_events(
            [make_event(BASE, metadata={"pad": "x" * 400, "n": n}) for n in range(events)]
        )
    db.checkpoint("TRUNCATE")
    db.disconnect()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def not_a_database(path: Path) -> Path:
    path.write_text("name,status\nwork-1,started\n" * 100)
    return path


def truncated(path: Path) -> Path:
    real_db(path, events=400)
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 3)
    return path


def corrupted_pages(path: Path) -> Path:
    """The schema (page 1) intact, the events' pages overwritten: it opens, its data is bad."""
    real_db(path, events=400)
    size = os.path.getsize(path)
    with open(path, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xa5" * (size // 4))
    return path


def newer_schema(path: Path) -> Path:
    real_db(path)
    con = raw(path)
    con.execute(
        "INSERT INTO codex_dash_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
    )
    con.close()
    return path


FILE_CASES = [
    ("not a database", not_a_database, "DATABASE_INITIALIZATION_FAILED", "not a SQLite database"),
    ("truncated", truncated, "DATABASE_INITIALIZATION_FAILED", "corrupted"),
    ("newer schema", newer_schema, "DATABASE_SCHEMA_MIGRATION_FAILED", "newer version"),
]


@pytest.mark.parametrize("read_only", [False, True], ids=["rw", "ro"])
@pytest.mark.parametrize(
    ("name", "make", "code", "words"), FILE_CASES, ids=[c[0] for c in FILE_CASES]
)
def test_store_refuses_unusable_files(db_path, name, make, code, words, read_only) -> None:
    make(db_path)
    before = digest(db_path)
    with pytest.raises(DatabaseError) as info:
        Database(DatabaseConfig(local_file=str(db_path), read_only=read_only)).connect()
    assert info.value.code == code, str(info.value)
    assert words in info.value.message and str(db_path) in info.value.message
    assert digest(db_path) == before


def test_corrupted_pages_are_found_by_backup(db_path: Path, tmp_path: Path) -> None:
    """The schema page survives, so it opens; the backup's integrity check refuses the copy."""
    corrupted_pages(db_path)
    before = digest(db_path)
    db = open_store(db_path)
    try:
        with pytest.raises(DatabaseError) as info:
            db.backup(tmp_path / "copy.db")
    finally:
        db.disconnect()
    assert info.value.code == "DATABASE_BACKUP_FAILED"
    assert "malformed" in info.value.message and str(db_path) in info.value.message
    assert not (tmp_path / "copy.db").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")] == []
    assert digest(db_path) == before


def test_missing_file_in_read_only_mode_is_not_created(db_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        Database(DatabaseConfig(local_file=str(db_path), read_only=True)).connect()
    assert info.value.code == "DATABASE_INITIALIZATION_FAILED"
    assert str(db_path) in info.value.message and "does not exist" in info.value.message
    assert not db_path.exists()


# --- the command line -----------------------------------------------------------------------------


def snapshot(path: Path) -> Any:
    """A table dump when SQLite can read the file, else its bytes' digest."""
    if not path.exists():
        return None
    try:
        return dump(path)
    except Exception:
        return digest(path)


CLI_CASES = [
    ("missing file", None, ["backup"], ("does not exist",)),
    ("not a database", not_a_database, ["backup"], ("not a SQLite database",)),
    ("truncated", truncated, ["vacuum"], ("corrupted",)),
    ("corrupted pages", corrupted_pages, ["backup"], ("malformed", "DATABASE_BACKUP_FAILED")),
    ("newer schema", newer_schema, ["maintain"], ("newer version", "DATABASE_SCHEMA_MIGRATION_FAILED")),
    ("bad age", real_db, ["prune", "--older-than", "3x"], ("--older-than", "3x")),
    ("negative age", real_db, ["prune", "--older-than", "-5d"], ("--older-than",)),
    ("age missing", real_db, ["prune"], ("--older-than", "required")),
    ("unknown option", real_db, ["vacuum", "--fast"], ("--fast",)),
    ("backup onto itself", real_db, ["backup", "--to", "{db}"], ("cannot overwrite its own",)),
    ("backup into a file's folder", real_db, ["backup", "--to", "{db}/x.db"], ("backup",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "make", "args", "words"), CLI_CASES, ids=[c[0] for c in CLI_CASES]
)
def test_cli_failures_are_one_line(db_path, name, make, args, words) -> None:
    if make is not None:
        make(db_path)
    before = snapshot(db_path)
    argv = [a.format(db=db_path) for a in args]
    done = cli(argv[0], "--db", str(db_path), *argv[1:])
    line = assert_one_line_failure(done, *words)
    if make is not None and name not in (
        "bad age",
        "negative age",
        "age missing",
        "unknown option",
    ):
        assert str(db_path) in line
    assert snapshot(db_path) == before
    assert done.stdout == ""
    if make is None:
        assert not db_path.exists()


def test_cli_bad_database_url(tmp_path: Path) -> None:
    done = cli("vacuum", DATABASE_URL="libsql://example.turso.io/db")
    assert_one_line_failure(done, "DATABASE_URL", "TURSO_DATABASE_URL")


def test_cli_database_url_is_honoured(tmp_path: Path) -> None:
    path = real_db(tmp_path / "from-env.db")
    done = cli("backup", cwd=tmp_path, DATABASE_URL=f"file:{path}")
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / "backups" / "from-env-") in done.stdout


# --- permissions and a full disk: as uid 65534, and on a 200 KB tmpfs ---------------------------

AS_NOBODY = """
import os, sys
from tui.cli import main   # imported as root: the interpreter lives under /root
# What the commands import on first use, after the drop; the stdlib under /root is out of reach
# then (argparse imports shutil for the terminal width, gettext imports locale):
import pony.orm, cryptography.fernet, shutil, locale
os.setgroups([]); os.setgid({uid}); os.setuid({uid})
sys.exit(main(sys.argv[1:]))
"""


def cli_as_nobody(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", AS_NOBODY.format(uid=NOBODY), *args],
        cwd=PROJECT_ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_to_a_folder_without_write_permission(needs_root, world_dir: Path) -> None:
    path = real_db(world_dir / "claude-codex.db")
    os.chown(path, NOBODY, NOBODY)
    world_dir.chmod(0o777)
    locked = world_dir / "locked"
    locked.mkdir(mode=0o755)  # root's: uid 65534 may read it, not write
    before = snapshot(path)
    done = cli_as_nobody("backup", "--db", str(path), "--to", f"{locked}/")
    assert_one_line_failure(done, str(locked), "not writable", "DATABASE_FILE_PERMISSION_DENIED")
    assert list(locked.iterdir()) == []
    assert snapshot(path) == before


def test_database_in_a_folder_without_write_permission(needs_root, world_dir: Path) -> None:
    path = real_db(world_dir / "claude-codex.db")
    os.chown(path, NOBODY, NOBODY)  # the file is theirs, the folder is not: no -wal, no -shm
    before = snapshot(path)
    done = cli_as_nobody("vacuum", "--db", str(path))
    assert_one_line_failure(done, str(world_dir), "DATABASE_FILE_PERMISSION_DENIED")
    assert snapshot(path) == before


@pytest.fixture
def tiny_disk(needs_root, tmp_path: Path) -> Iterator[Path]:
    """A 200 KB tmpfs (root may mount one); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_backup_onto_a_full_disk(tiny_disk: Path, db_path: Path) -> None:
    real_db(db_path, events=1500)  # about 1 MB: does not fit in 200 KB
    earlier = tiny_disk / "claude-codex-20250101-000000.db"
    earlier.write_bytes(b"an earlier backup")
    before = snapshot(db_path)
    done = cli("backup", "--db", str(db_path), "--to", f"{tiny_disk}/")
    assert_one_line_failure(done, "disk is full", str(tiny_disk), "DATABASE_BACKUP_FAILED")
    assert sorted(p.name for p in tiny_disk.iterdir()) == [earlier.name]  # no partial file left
    assert earlier.read_bytes() == b"an earlier backup"
    assert snapshot(db_path) == before


def test_store_backup_onto_a_full_disk(tiny_disk: Path, db_path: Path) -> None:
    real_db(db_path, events=1500)
    db = open_store(db_path)
    try:
        before = dump(db_path)
        with pytest.raises(DatabaseError) as info:
            db.backup(tiny_disk / "copy.db")
        assert info.value.code == "DATABASE_BACKUP_FAILED"
        assert "disk is full" in info.value.message
        assert list(tiny_disk.iterdir()) == []
        assert dump(db_path) == before
    finally:
        db.disconnect()
    shutil.rmtree(tiny_disk / "nothing", ignore_errors=True)
    assert datetime.now(UTC)  # the store stayed usable: nothing above raised past the check
