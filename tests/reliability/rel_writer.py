"""Another process using the store, as an MCP server or the orchestrator would.

    python rel_writer.py events DB WRITER COUNT SIDEFILE   log COUNT events, one call each
    python rel_writer.py forever DB WRITER SIDEFILE        log events until killed
    python rel_writer.py secret DB KEY VALUE FOLDER        store a secret with DEBUG logging on

Every event carries a unique id in its metadata ({"uid": "WRITER-N"}); it is appended to SIDEFILE
only after log_mcp_event returned, i.e. after the commit. The last stdout line is a JSON report.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from store import DatabaseConfig, DatabaseError, MCPEventRecord, initialize_database


def log_events(path: str, writer: str, count: int | None, sidefile: str) -> dict:
    db = initialize_database(DatabaseConfig(local_file=path))
    instance = f"w-{writer}"
    lock_errors, errors, written = 0, [], 0
    started = time.monotonic()
    fd = os.open(sidefile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        n = 0
        while count is None or n < count:
            uid = f"{writer}-{n}"
            n += 1
            try:
                db.log_mcp_event(
                    MCPEventRecord(
                        instance_id=instance,
                        tool_name="run_tests",
                        success=n % 7 != 0,
                        metadata={"uid": uid, "n": n},
                    )
                )
            except DatabaseError as exc:
                lock_errors += "locked" in exc.message or "busy" in exc.message
                errors.append(f"{exc.code}: {exc.message}")
                continue
            os.write(fd, (uid + "\n").encode())  # a syscall: survives SIGKILL of this process
            written += 1
    finally:
        os.close(fd)
        db.disconnect()
    return {
        "written": written,
        "lock_errors": lock_errors,
        "errors": errors[:5],
        "seconds": time.monotonic() - started,
    }


def store_secret(path: str, key: str, value: str, folder: str) -> dict:
    from store.maintenance import backup_to_folder

    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    config = DatabaseConfig.from_env(local_file=path)  # DATABASE_LOG_QUERIES comes from the env
    assert config.log_queries, "the test must set DATABASE_LOG_QUERIES=true"
    db = initialize_database(config)
    try:
        db.set_config(key, value, encrypted=True)
        same = db.get_config(key) == value
        result = backup_to_folder(db, folder)
        db.checkpoint("PASSIVE")
    finally:
        db.disconnect()
    return {"round_trip": same, "backup": result.path}


def main(argv: list[str]) -> int:
    command, path, *rest = argv
    if command == "events":
        report = log_events(path, rest[0], int(rest[1]), rest[2])
    elif command == "forever":
        report = log_events(path, rest[0], None, rest[1])
    elif command == "secret":
        report = store_secret(path, *rest)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
