"""kill_agent against real processes and real tmux sessions on a private socket (no mocks)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psutil
from agentlab import SLEEPER, STUBBORN, Lab, gone, needs_tmux, python
from testkit import wait_for

from agents import kill_agent, tmux
from agents.process import ProcessIdentity, belongs_to_agent, describe, protection_reason


def now() -> datetime:
    return datetime.now(UTC)


@needs_tmux
def test_kills_agent_and_its_session(lab: Lab) -> None:
    name, pid = lab.session(python(SLEEPER))
    report = kill_agent(pid, name, created_at=now(), socket=lab.socket, grace=3)
    assert report.ok, report.message
    assert report.process == "terminated"
    assert report.session in ("killed", "not_found")  # the pane may close with its process
    assert pid in report.signalled
    assert gone(pid)
    assert not tmux.session_exists(name, socket=lab.socket)
    assert f"Agent process {pid} terminated" in report.message


@needs_tmux
def test_kills_agent_below_a_shell_with_its_children(lab: Lab) -> None:
    # The pane runs a shell; the agent is its child and has a child of its own.
    code = "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)"
    name, shell_pid = lab.session(f'{sys.executable} -c "{code}"; sleep 300')
    assert wait_for(lambda: len(psutil.Process(shell_pid).children(recursive=True)) >= 2)
    agent = next(
        p for p in psutil.Process(shell_pid).children() if "python" in " ".join(p.cmdline())
    )
    grandchild = agent.children()[0].pid
    report = kill_agent(agent.pid, name, created_at=now(), socket=lab.socket)
    assert report.ok, report.message
    assert report.process == "terminated"
    assert report.session == "killed"
    assert gone(agent.pid) and gone(grandchild)
    assert wait_for(lambda: gone(shell_pid))  # the session's end takes the shell with it


@needs_tmux
def test_exited_process_is_already_gone_and_nothing_is_signalled(lab: Lab) -> None:
    name, pid = lab.session(["true"])
    assert wait_for(lambda: gone(pid))
    report = kill_agent(pid, name, created_at=now(), socket=lab.socket)
    assert report.process == "already_gone"
    assert report.signalled == []
    assert report.session == "not_found"
    assert report.ok
    assert "already gone" in report.message


@needs_tmux
def test_pid_outside_the_session_is_refused_and_left_alive(lab: Lab) -> None:
    name, _pane = lab.session(python(SLEEPER))
    stranger = lab.spawn(["sleep", "300"])
    report = kill_agent(stranger.pid, name, created_at=now(), socket=lab.socket)
    assert report.process == "refused"
    assert not report.ok
    assert report.signalled == []
    assert "not in the agent's tmux session" in report.reason
    assert report.session == "kept"
    assert stranger.poll() is None
    assert tmux.session_exists(name, socket=lab.socket)


def test_recycled_pid_is_refused_when_session_is_gone(lab: Lab) -> None:
    # The instance was created an hour ago; this process started now, so its pid was reused.
    stranger = lab.spawn(["sleep", "300"])
    report = kill_agent(
        stranger.pid,
        "codex-test-gone-session",
        created_at=now() - timedelta(hours=1),
        socket=lab.socket,
    )
    assert report.process == "refused", report.message
    assert "reused" in report.reason
    assert report.signalled == []
    assert stranger.poll() is None


def test_no_session_and_no_created_at_is_refused(lab: Lab) -> None:
    stranger = lab.spawn(["sleep", "300"])
    report = kill_agent(stranger.pid, None, created_at=None)
    assert report.process == "refused"
    assert "start time is unknown" in report.reason
    assert stranger.poll() is None


def test_process_without_session_started_before_created_at_is_killed(lab: Lab) -> None:
    proc = lab.spawn(["sleep", "300"])
    report = kill_agent(proc.pid, None, created_at=now(), grace=2)
    assert report.ok, report.message
    assert report.process == "terminated"
    assert proc.wait(timeout=5) == -15


def test_protected_pids_are_refused(lab: Lab) -> None:
    own_group = lab.spawn(["sleep", "300"], new_session=False)
    for pid in (0, 1, -1, -os.getpgrp(), os.getpid(), os.getppid(), own_group.pid):
        report = kill_agent(pid, None, created_at=now() + timedelta(days=1))
        assert report.process == "refused", (pid, report.message)
        assert report.signalled == []
        assert not report.ok
    assert protection_reason(1) == "pid 1 is init"
    assert "process group" in (protection_reason(own_group.pid) or "")
    assert own_group.poll() is None
    assert psutil.pid_exists(os.getppid())


@needs_tmux
def test_process_ignoring_sigterm_is_killed_after_grace(lab: Lab) -> None:
    name, pid = lab.session(python(STUBBORN))
    assert wait_for(lambda: "ready" in tmux.capture_pane(name, socket=lab.socket))
    started = time.monotonic()
    report = kill_agent(pid, name, created_at=now(), socket=lab.socket, grace=0.5)
    assert time.monotonic() - started >= 0.5
    assert report.ok, report.message
    assert report.process == "killed"
    assert "SIGKILL" in report.message
    assert gone(pid)
    assert not tmux.session_exists(name, socket=lab.socket)


def test_tmux_missing_is_reported(lab: Lab, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not tmux.tmux_available()
    report = kill_agent(None, "codex-test-some-session", created_at=now(), socket=lab.socket)
    assert report.session == "tmux_missing"
    assert not report.ok
    assert "tmux is not installed" in report.message

    proc = lab.spawn(["/bin/sleep", "300"])
    report = kill_agent(proc.pid, "codex-test-some-session", created_at=now(), socket=lab.socket)
    assert report.process == "terminated", report.message
    assert report.session == "tmux_missing"
    proc.wait(timeout=5)


def test_invalid_session_name_is_reported_not_raised() -> None:
    report = kill_agent(None, "bad:name.0", created_at=None)
    assert report.session == "error"
    assert "target separators" in report.message
    assert not report.ok


def test_identity_and_describe(lab: Lab) -> None:
    proc = lab.spawn(["sleep", "300"])
    identity = ProcessIdentity.of(proc.pid)
    assert identity is not None and identity.is_running()
    deadline = time.monotonic() + 10  # right after fork the child may not have exec'd yet
    while "sleep 300" not in describe(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "sleep 300" in describe(proc.pid)
    assert ProcessIdentity(proc.pid, identity.create_time - 100).is_running() is False
    ok, why = belongs_to_agent(proc.pid, pane_pids=[], created_at=None)
    assert not ok and "not in the agent's tmux session" in why
    proc.kill()
    proc.wait(timeout=5)
    assert not identity.is_running()
    assert "no such process" in describe(proc.pid)


def test_exited_child_reaped_is_already_gone() -> None:
    done = subprocess.run(["true"], check=True)
    assert done.returncode == 0
    proc = subprocess.Popen(["true"])
    proc.wait(timeout=5)
    report = kill_agent(proc.pid, None, created_at=now())
    assert report.process == "already_gone"
    assert report.ok
