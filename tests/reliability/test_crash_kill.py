"""Writers killed with SIGKILL at random moments: no commit that returned is ever lost.

Each writer appends an event's unique id to a side file right after `log_mcp_event` returned; a
kill can land anywhere (inside a transaction, between commit and the side file, in the WAL
checkpoint). Afterwards the file passes integrity_check, holds every listed id exactly once, and
the store opens it and writes to it again.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from rellab import integrity, make_event, make_instance, open_store, raw, start_writer

ROUNDS = 20  # one writer killed per round; a steady writer beside it keeps the lock contended


def wait_for_commits(path: Path, process, at_least: int) -> None:
    """Until the writer has committed `at_least` events (an upper bound, never an assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if path.read_bytes().count(b"\n") >= at_least:
                return
        except FileNotFoundError:
            pass
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.01)
    raise AssertionError(f"writer never committed {at_least} events")


def test_sigkilled_writers_lose_no_committed_event(tmp_path: Path) -> None:
    db_path = tmp_path / "claude-codex.db"
    setup = open_store(db_path)
    for n in range(ROUNDS + 1):
        setup.create_instance(make_instance(id=f"w-{n}", tmux_session=f"w-{n}"))
    setup.disconnect()
    chance = random.Random(20261127)
    steady_file = tmp_path / f"committed-{ROUNDS}.txt"
    steady = start_writer("forever", db_path, ROUNDS, steady_file)
    sidefiles: list[Path] = [steady_file]
    for writer in range(ROUNDS):
        sidefile = tmp_path / f"committed-{writer}.txt"
        sidefiles.append(sidefile)
        proc = start_writer("forever", db_path, writer, sidefile)
        wait_for_commits(sidefile, proc, chance.randint(1, 50))
        time.sleep(chance.uniform(0.0, 0.05))  # a random moment: mid-transaction or not
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    os.kill(steady.pid, signal.SIGKILL)  # and the steady one too, wherever it is
    steady.communicate(timeout=30)

    assert integrity(db_path) == "ok"
    listed = [line for path in sidefiles for line in path.read_text().splitlines() if line.strip()]
    con = raw(db_path)
    try:
        stored = [
            uid for (uid,) in con.execute("SELECT json_extract(metadata, '$.uid') FROM mcp_events")
        ]
    finally:
        con.close()
    assert len(stored) == len(set(stored)), "an event was stored twice"
    missing = set(listed) - set(stored)
    assert not missing, f"{len(missing)} committed events lost, e.g. {sorted(missing)[:3]}"
    # At most one event per writer committed without reaching its side file (killed in between).
    assert len(stored) - len(listed) <= ROUNDS + 1

    db = open_store(db_path)  # the store recovers the WAL the dead writers left and writes on
    try:
        db.log_mcp_event(make_event("w-0", metadata={"uid": "after"}))
        assert db.count_events("w-0") >= 2
    finally:
        db.disconnect()
    assert integrity(db_path) == "ok"
