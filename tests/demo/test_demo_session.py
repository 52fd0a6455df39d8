"""DemoSession end to end: real tmux sessions on a private socket, a real simulator, real kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from demolab import NOW, exited, needs_tmux, open_db, wait_for

from agents import kill_agent, tmux
from demo import DemoSession

ROOT = str(Path(__file__).resolve().parents[2])


def own_children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def run_sessions(prefix: str, socket: str) -> list[str]:
    return [s for s in tmux.list_sessions(socket=socket) if s.startswith(prefix)]


@needs_tmux
def test_session_runs_live_agents_and_leaves_nothing_behind(demo_socket: str) -> None:
    before = own_children()
    with DemoSession(now=NOW, tmux_socket=demo_socket, max_agents=4) as demo:
        folder = demo.folder
        assert os.path.isfile(demo.db_path)
        assert len(demo.agents) == 4
        assert sorted(run_sessions(demo.prefix, demo_socket)) == sorted(
            a.session for a in demo.agents
        )
        assert demo.simulator is not None and demo.simulator.poll() is None
        with open_db(demo.db_path) as db:
            for agent in demo.agents:
                row = db.get_instance(agent.instance_id)
                assert row.claude_pid == agent.pid and row.tmux_session == agent.session
                assert psutil.pid_exists(agent.pid)
            first = db.max_event_id()
            assert wait_for(lambda: db.max_event_id() > first, timeout=10)
        agent_pids = [a.pid for a in demo.agents]
        simulator_pid = demo.simulator.pid
    assert run_sessions(demo.prefix, demo_socket) == []
    assert own_children() - before == set()
    assert not os.path.exists(folder)
    assert not psutil.pid_exists(simulator_pid)
    assert wait_for(lambda: all(exited(p) for p in agent_pids), timeout=5)


@needs_tmux
def test_session_cleans_up_after_an_exception(demo_socket: str) -> None:
    with (
        pytest.raises(RuntimeError, match="boom"),
        DemoSession(now=NOW, tmux_socket=demo_socket, max_agents=2) as demo,
    ):
        assert run_sessions(demo.prefix, demo_socket)
        raise RuntimeError("boom")
    assert run_sessions(demo.prefix, demo_socket) == []
    assert not os.path.exists(demo.folder)
    assert demo.simulator.poll() is not None
    demo.stop()  # idempotent


@needs_tmux
@pytest.mark.parametrize(
    ("signals", "code"),
    [
        ([signal.SIGTERM], 128 + signal.SIGTERM),
        ([signal.SIGHUP], 128 + signal.SIGHUP),
        ([signal.SIGINT, signal.SIGINT], -signal.SIGINT),  # Ctrl-C twice: cleanup not cut short
    ],
    ids=["SIGTERM", "SIGHUP", "double-SIGINT"],
)
def test_signals_to_the_demo_process_clean_up(
    demo_socket: str, signals: list[signal.Signals], code: int
) -> None:
    script = (  # Ctrl-C as a terminal gives it, even when this run inherited SIGINT ignored
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from demo import DemoSession\n"
        f"with DemoSession(tmux_socket={demo_socket!r}, max_agents=2) as d:\n"
        "    print(d.prefix, d.folder, d.simulator.pid, flush=True)\n"
        "    time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        prefix, folder, simulator_pid = proc.stdout.readline().split()
        assert len(run_sessions(prefix, demo_socket)) == 2
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.05)
        assert proc.wait(timeout=15) == code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert run_sessions(prefix, demo_socket) == []
    assert not os.path.exists(folder)
    assert wait_for(lambda: exited(int(simulator_pid)), timeout=5)


@needs_tmux
def test_kill_key_on_a_demo_agent_works_end_to_end(demo_socket: str) -> None:
    with DemoSession(now=NOW, tmux_socket=demo_socket, max_agents=2, simulate=False) as demo:
        with open_db(demo.db_path) as db:
            row = db.get_instance(demo.agents[0].instance_id)
        report = kill_agent(
            row.claude_pid, row.tmux_session, created_at=row.created_at, socket=demo_socket
        )
        assert report.ok, report.message
        assert report.process == "terminated", report.message
        assert wait_for(lambda: exited(row.claude_pid), timeout=5)
        assert not tmux.session_exists(row.tmux_session, socket=demo_socket)
        assert tmux.session_exists(demo.agents[1].session, socket=demo_socket)  # only that one


def test_session_without_tmux_still_runs(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with DemoSession(now=NOW, simulate=False) as demo:
        assert demo.agents == []
        assert os.path.isfile(demo.db_path)
    assert not os.path.exists(demo.folder)
