"""The simulator: a real process that writes within seconds and stops when told or orphaned."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from demolab import NOW, open_db, wait_for

from demo import build_demo_database
from demo.simulator import Simulator, run
from store import DatabaseError, ErrorCode, InstanceFilter
from store.transitions import allowed_next

ROOT = str(Path(__file__).resolve().parents[2])


def simulator_command(db: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "demo.simulator", "--db", db, "--seed", "3", *extra]


def start(db: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        simulator_command(db, *extra),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_process_writes_within_seconds_and_exits_on_sigterm(tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    with open_db(info.path) as db:
        before = db.max_event_id()
        proc = start(info.path, "--rate", "4")
        try:
            started = time.monotonic()
            assert wait_for(lambda: db.max_event_id() > before, timeout=8), "no event written"
            first = time.monotonic() - started
            assert wait_for(lambda: db.max_event_id() > before + 3, timeout=6)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=5) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = proc.stdout.read() if proc.stdout else ""
    assert "SIGTERM: stopping" in output and "Traceback" not in output
    print(f"first event {first:.2f}s after spawn (includes interpreter and Pony import)")


def test_exits_when_its_parent_dies(tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    db = open_db(info.path)
    before = db.max_event_id()
    launcher = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen({simulator_command(info.path)!r}, cwd={ROOT!r},"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", launcher], stdout=subprocess.PIPE, text=True)
    child_pid = None
    try:
        child_pid = int(parent.stdout.readline())
        child = psutil.Process(child_pid)
        assert wait_for(lambda: db.max_event_id() > before, timeout=8)  # it is running
        parent.kill()
        parent.wait(timeout=5)
        child.wait(timeout=8)  # it notices getppid() changed and stops
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child_pid is not None and psutil.pid_exists(child_pid):
            psutil.Process(child_pid).kill()
        db.disconnect()
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == "zombie"


def test_missing_database_is_one_clear_line(tmp_path) -> None:
    result = subprocess.run(
        simulator_command(str(tmp_path / "nope.db")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nope.db").exists()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_steps_follow_allowed_transitions_and_spawn_reviews(tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    clock = FakeClock()
    with open_db(info.path) as db:
        sim = Simulator(db, rate=3, rng=random.Random(11), clock=clock)
        for _ in range(600):
            clock.now += 3.0
            sim.step()
        instances = db.list_instances(InstanceFilter())
        assert len(instances) > len(info.instance_ids)  # new coding instances appeared
        for instance in instances:
            moves = [e for e in reversed(db.get_mcp_events(instance.id, 10_000))
                     if e.is_status_updating]  # fmt: skip
            status = "started"
            for event in moves:
                assert event.status_change in allowed_next(status), (instance.id, status)
                status = event.status_change
            assert status == instance.status
        new_reviews = [
            r
            for i in instances
            for r in db.get_relationships(i.id)
            if r.child_instance == i.id
            and r.relationship_type == "spawned_review"
            and i.id not in info.instance_ids
        ]
        assert new_reviews, "no review was spawned"
        for rel in new_reviews:
            siblings = [
                r.review_iteration
                for r in db.get_relationships(rel.parent_instance)
                if r.parent_instance == rel.parent_instance
                and r.relationship_type == "spawned_review"
            ]
            assert sorted(siblings) == list(range(1, len(siblings) + 1))
        assert sim.events_written > 300


class FlakySim:
    """Stands in for a Simulator whose store keeps failing, then recovers."""

    def __init__(self, stop: threading.Event) -> None:
        self.calls = 0
        self.stop = stop

    def step(self) -> float:
        self.calls += 1
        if self.calls <= 4:
            raise DatabaseError(ErrorCode.LOG_FAILED, "log failed: database is locked")
        self.stop.set()
        return 0.0


def test_run_survives_database_errors(caplog, monkeypatch) -> None:
    stop = threading.Event()
    sim = FlakySim(stop)
    monkeypatch.setattr(threading.Event, "wait", lambda self, timeout=None: self.is_set())
    with caplog.at_level(logging.WARNING, logger="codex_dash.demo.simulator"):
        assert run(sim, stop, parent_pid=os.getppid()) == 0  # type: ignore[arg-type]
    assert sim.calls == 5
    warnings = [r for r in caplog.records if "store error" in r.getMessage()]
    assert len(warnings) == 3  # the first three, then rate-limited
    assert all(r.exc_info is None for r in caplog.records)


def test_exits_when_its_owner_is_gone_before_it_starts(tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    gone = subprocess.Popen(["true"])
    gone.wait()
    result = subprocess.run(
        [*simulator_command(info.path), "--owner", str(gone.pid)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert "already gone" in result.stderr
