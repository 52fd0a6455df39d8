"""Writer processes for bench.dash_bench: another process committing through the store.

    python -m bench.dash_writer DB probe
        reads commands on stdin, one per line, and answers each with the CLOCK_MONOTONIC time at
        which the commit returned ("ok 12345.678901") or "err MESSAGE":
            event ID            one MCP event on instance ID
            status ID STATUS    update_instance_status
            new ID              create_instance (status started, last_activity now)
    python -m bench.dash_writer DB load RATE ID [ID ...]
        logs RATE events a second, one commit each, on random instances among the IDs, paced on
        the monotonic clock, until stdin closes or the process is terminated.

time.monotonic() is CLOCK_MONOTONIC on Linux: one clock for every process on the machine, so the
benchmark compares this process's commit time with the dashboard's detection time directly.
"""

from __future__ import annotations

import random
import select
import sys
import time

from store import DatabaseConfig, InstanceRecord, MCPEventRecord, initialize_database

TOOLS = ("report_progress", "run_tests", "read_file", "edit_file", "commit_changes")


def probe(path: str) -> int:
    db = initialize_database(DatabaseConfig().with_target(path))
    try:
        print("ready", flush=True)
        for line in sys.stdin:
            parts = line.split()
            if not parts:
                continue
            try:
                if parts[0] == "event":
                    db.log_mcp_event(
                        MCPEventRecord(instance_id=parts[1], tool_name="run_tests", success=True)
                    )
                elif parts[0] == "status":
                    db.update_instance_status(parts[1], parts[2])
                elif parts[0] == "new":
                    iid = parts[1]
                    db.create_instance(
                        InstanceRecord(
                            id=iid,
                            type="coding",
                            status="started",
                            worktree_path=f"/tmp/worktrees/{iid}",
                            branch_name=f"bench/{iid}",
                            tmux_session=f"codex-{iid}",
                            agent_number=1,
                        )
                    )
                else:
                    raise ValueError(f"unknown command {parts[0]!r}")
            except Exception as exc:
                print(f"err {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)
                continue
            print(f"ok {time.monotonic():.6f}", flush=True)
    finally:
        db.disconnect()
    return 0


def load(path: str, rate: float, ids: list[str]) -> int:
    db = initialize_database(DatabaseConfig().with_target(path))
    rng = random.Random(hash((path, tuple(ids))))
    interval = 1.0 / rate
    next_at = time.monotonic()
    print("ready", flush=True)
    try:
        while True:
            delay = next_at - time.monotonic()
            if delay > 0:
                ready, _, _ = select.select([sys.stdin], [], [], delay)
                if ready and not sys.stdin.readline():  # stdin closed: the benchmark is done
                    return 0
            ok = rng.random() > 0.05
            db.log_mcp_event(
                MCPEventRecord(
                    instance_id=rng.choice(ids),
                    tool_name=rng.choice(TOOLS),
                    success=ok,
                    error_message=None if ok else "exit code 1",
                )
            )
            next_at += interval
            if next_at < time.monotonic() - 1.0:  # fell far behind: do not burst to catch up
                next_at = time.monotonic()
    finally:
        db.disconnect()


def main(argv: list[str]) -> int:
    path, mode, *rest = argv
    if mode == "probe":
        return probe(path)
    if mode == "load":
        return load(path, float(rest[0]), rest[1:])
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
