"""Safe kill, the cases tests/agents and tests/tui leave out: a recorded agent that exited but was
never reaped (a zombie, what the orchestrator's own child looks like) and this process's own group
leader. tests/agents covers pid 0/1/-1, this process, its parent and group members; tests/tui the
dashboard's K on an exited, reaped pid."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime, timedelta

import psutil
from rellab import make_instance, open_store

from agents.kill import kill_agent


def test_recorded_pid_that_exited_unreaped_is_already_gone(db_path) -> None:
    child = subprocess.Popen(["true"], start_new_session=True)  # an agent has its own group
    db = open_store(db_path)
    try:
        db.create_instance(make_instance(id="gone-a1", claude_pid=child.pid))
        record = db.get_instance("gone-a1")
    finally:
        db.disconnect()
    assert record is not None and record.claude_pid == child.pid
    deadline = time.monotonic() + 30
    while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:  # exited, not waited for
        assert time.monotonic() < deadline
        time.sleep(0.01)
    report = kill_agent(record.claude_pid, None, created_at=record.created_at)
    assert report.process == "already_gone", report.message
    assert report.signalled == []
    assert report.ok and f"{child.pid} was already gone" in report.message
    assert child.wait(timeout=5) == 0  # still our child to reap: nothing else touched it


def test_own_group_leader_and_session_leader_are_refused() -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=1)  # even "started before the instance"
    leader_alive = psutil.pid_exists(os.getpgrp())  # without a terminal (CI) it may be gone
    for pid in {os.getpgrp(), os.getsid(0), os.getpid()}:
        report = kill_agent(pid, None, created_at=tomorrow)
        assert report.process == "refused", (pid, report.message)
        assert report.signalled == []
    assert psutil.pid_exists(os.getpgrp()) == leader_alive
