"""A separate process for the store tests: `python store_worker.py [--as-nobody] COMMAND ARGS...`.

Prints one JSON line as its report. A DatabaseError is reported as {"error_code", "message"}, not
raised, so the test sees which error a real process got. With --as-nobody (when run as root) the
process first warms up every import it will need (the interpreter's stdlib lives under /root, which
uid 65534 cannot read), then drops to uid/gid 65534 before touching the database under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from store import (
    DatabaseConfig,
    DatabaseError,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
    initialize_database,
)

NOBODY = 65534


def drop_to_nobody() -> None:
    if os.geteuid() != 0:
        return  # not root: plain file permissions already apply to this user
    with tempfile.TemporaryDirectory() as scratch:  # load every lazily imported module first
        warm = initialize_database(DatabaseConfig(local_file=os.path.join(scratch, "w.db")))
        warm.create_instance(
            InstanceRecord(
                id="w",
                type="coding",
                status="started",
                worktree_path="/w",
                branch_name="w",
                tmux_session="w",
            )
        )
        warm.log_mcp_event(MCPEventRecord(instance_id="w", tool_name="t", success=True))
        warm.list_instances()
        warm.get_mcp_events("w")
        warm.get_config("k")
        warm.disconnect()
        with contextlib.suppress(DatabaseError):
            initialize_database(
                DatabaseConfig(local_file=os.path.join(scratch, "none.db"), read_only=True)
            )
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    assert os.geteuid() == NOBODY and os.getegid() == NOBODY


def _config(target: str, **settings: object) -> DatabaseConfig:
    """A file path, or a postgresql:// URL (the PostgreSQL tests run the same commands)."""
    return DatabaseConfig(**settings).with_target(target)  # type: ignore[arg-type]


def _attempt(call: object) -> dict:
    try:
        return {"ok": call()}  # type: ignore[operator]
    except DatabaseError as exc:
        return {"error_code": exc.code, "message": exc.message}


def cmd_race(target: str, go_file: str, operation: str, *args: str) -> dict:
    """One contested write at the go signal: its result, or the spec's error code."""
    db = initialize_database(_config(target, busy_timeout=10_000))
    db.list_instances()  # connected and warm before the race
    calls = {
        "relate": lambda: db.create_relationship(
            RelationshipRecord(
                parent_instance=args[0], child_instance=args[1], relationship_type=args[2]
            )
        ),
        "status": lambda: db.update_instance_status(args[0], args[1]),
        "delete": lambda: db.delete_instance(args[0]),
        "create": lambda: db.create_instance(
            InstanceRecord(
                id=args[0],
                type="coding",
                status="started",
                worktree_path="/w",
                branch_name="b",
                tmux_session="s",
            )
        ),
    }
    wait_for(go_file)
    try:
        return _attempt(calls[operation])
    finally:
        db.disconnect()


def cmd_write_through(target: str, instance_id: str, count: str, go_file: str) -> dict:
    """Log `count` numbered events, going on after failures (a server restart): which seqs were
    reported written, and the codes of the failures."""
    db = initialize_database(_config(target, busy_timeout=3000))
    Path(go_file + ".ready").touch()
    written, failures = [], []
    for seq in range(int(count)):
        if os.path.exists(go_file + ".stop"):
            break
        try:
            db.log_mcp_event(
                MCPEventRecord(
                    instance_id=instance_id,
                    tool_name="through",
                    success=True,
                    metadata={"seq": seq},
                )
            )
            written.append(seq)
        except DatabaseError as exc:
            failures.append([seq, exc.code, exc.message[:200]])
            time.sleep(0.05)
    db.disconnect()
    return {"written": written, "failures": failures}


def wait_for(go_file: str) -> None:
    while not os.path.exists(go_file):
        time.sleep(0.005)


def cmd_events(path: str, instance_id: str, count: str, go_file: str, worker: str) -> dict:
    db = initialize_database(_config(path, busy_timeout=5000))
    wait_for(go_file)
    errors = []
    for seq in range(int(count)):
        try:
            db.log_mcp_event(
                MCPEventRecord(
                    instance_id=instance_id,
                    tool_name="worker_tool",
                    success=True,
                    metadata={"worker": worker, "seq": seq},
                )
            )
        except DatabaseError as exc:
            errors.append(str(exc))
    db.disconnect()
    return {"written": int(count) - len(errors), "errors": errors}


def cmd_statuses(path: str, instance_id: str, count: str, go_file: str) -> dict:
    db = initialize_database(_config(path, busy_timeout=5000))
    wait_for(go_file)
    errors = []
    for step in range(int(count)):
        try:
            db.update_instance_status(instance_id, "waiting_review" if step % 2 == 0 else "started")
        except DatabaseError as exc:
            errors.append(str(exc))
    db.disconnect()
    return {"changes": int(count) - len(errors), "errors": errors}


def cmd_init(path: str, go_file: str) -> dict:
    wait_for(go_file)
    db = initialize_database(_config(path, busy_timeout=5000))
    db.disconnect()
    return {"ok": True}


def cmd_write_until(path: str, instance_id: str, stop_file: str, ready_file: str) -> dict:
    db = initialize_database(_config(path, busy_timeout=5000))
    written = 0
    while not os.path.exists(stop_file):
        db.log_mcp_event(
            MCPEventRecord(
                instance_id=instance_id, tool_name="writer", success=True, metadata={"n": written}
            )
        )
        written += 1
        if written == 50:
            Path(ready_file).touch()
    db.disconnect()
    return {"written": written}


def cmd_open(path: str, read_only: str) -> dict:
    db = initialize_database(_config(path, read_only=read_only == "ro"))
    try:
        return {
            "instances": [i.id for i in db.list_instances()],
            "events": sum(db.count_events(i.id) for i in db.list_instances()),
        }
    finally:
        db.disconnect()


def cmd_follow(path: str, ready_file: str, go_file: str) -> dict:
    """Read-only in a folder it cannot write: a snapshot first; once a writer has opened the file
    (its -shm is there) a reconnect follows it live, as the dashboard's loader does."""
    db = initialize_database(DatabaseConfig(local_file=path, read_only=True))
    try:
        first = {"snapshot": db.is_snapshot, "events": db.max_event_id()}
        Path(ready_file).touch()
        wait_for(go_file)
        if db.is_snapshot and os.path.exists(path + "-shm"):
            db.disconnect()
            db.connect()
        version = db.data_version()
        events = db.max_event_id()
        Path(ready_file + ".2").touch()
        wait_for(go_file + ".2")
        return {
            "first": first,
            "after_writer": {"snapshot": db.is_snapshot, "events": events},
            "live": db.data_version() != version and db.max_event_id() > events,
        }
    finally:
        db.disconnect()


def cmd_whoami() -> dict:
    return {"uid": os.geteuid(), "gid": os.getegid(), "groups": os.getgroups()}


COMMANDS = {
    "follow": cmd_follow,
    "events": cmd_events,
    "statuses": cmd_statuses,
    "init": cmd_init,
    "write_until": cmd_write_until,
    "open": cmd_open,
    "whoami": cmd_whoami,
    "race": cmd_race,
    "write_through": cmd_write_through,
}


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--as-nobody":
        drop_to_nobody()
        argv = argv[1:]
    command, *args = argv
    try:
        report = COMMANDS[command](*args)
    except DatabaseError as exc:
        report = {"error_code": exc.code, "message": exc.message}
    except Exception as exc:
        report = {"exception": repr(exc), "traceback": traceback.format_exc()}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
