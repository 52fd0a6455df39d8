"""The tmux wrappers on a private server: names, existence, panes, errors."""

from __future__ import annotations

import pytest
from agentlab import SLEEPER, Lab, needs_tmux, python

from agents import tmux


@pytest.mark.parametrize("name", ["", "a:b", "a.b", "=a", "with space", "x" * 201])
def test_invalid_session_names(name: str) -> None:
    with pytest.raises(tmux.InvalidSessionName):
        tmux.validate_session_name(name)


def test_safe_session_name() -> None:
    name = tmux.safe_session_name("work-12.a1:x")
    assert tmux.validate_session_name(name) == "work-12_a1_x"


@needs_tmux
def test_session_lifecycle(lab: Lab) -> None:
    assert tmux.list_sessions(socket=lab.socket) == []
    assert not tmux.session_exists("nothing-here", socket=lab.socket)
    assert tmux.pane_pids("nothing-here", socket=lab.socket) == []
    name, pid = lab.session(python(SLEEPER))
    assert tmux.session_exists(name, socket=lab.socket)
    assert tmux.pane_pids(name, socket=lab.socket) == [pid]
    assert name in tmux.list_sessions(socket=lab.socket)
    # exact match: a prefix of the name is not the session
    assert not tmux.session_exists(name[:-1], socket=lab.socket)
    with pytest.raises(tmux.TmuxError, match="already exists"):
        tmux.new_session(name, python(SLEEPER), socket=lab.socket)
    assert tmux.kill_session(name, socket=lab.socket) is True
    assert tmux.kill_session(name, socket=lab.socket) is False


@needs_tmux
def test_environment_reaches_the_pane(lab: Lab) -> None:
    code = "import os, time; print('v=' + os.environ['CODEX_PROBE'], flush=True); time.sleep(60)"
    name = "env-probe"
    lab.sessions.append(name)
    tmux.new_session(name, python(code), env={"CODEX_PROBE": "42"}, socket=lab.socket)
    import time

    deadline = time.monotonic() + 5
    while "v=42" not in tmux.capture_pane(name, socket=lab.socket):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_missing_tmux_raises_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not tmux.tmux_available()
    with pytest.raises(tmux.TmuxNotAvailable, match="not installed"):
        tmux.session_exists("x")


def test_bad_socket_name() -> None:
    with pytest.raises(tmux.TmuxError):
        tmux.list_sessions(socket="../x")


@needs_tmux
def test_asking_while_the_server_shuts_down_is_an_answer(lab: Lab) -> None:
    """When the last session ends the server exits; a query racing that exit used to raise
    ("server exited unexpectedly", "no current target"). Each round asks in a tight loop while another
    thread kills the only session, so the query lands inside the shutdown in most rounds."""
    import threading
    import time

    for _ in range(25):
        name, _pid = lab.session(python(SLEEPER))
        killer = threading.Timer(
            0.01, tmux.kill_session, args=(name,), kwargs={"socket": lab.socket}
        )
        killer.start()
        deadline = time.monotonic() + 5
        while tmux.session_exists(name, socket=lab.socket):
            assert time.monotonic() < deadline
        assert tmux.list_sessions(socket=lab.socket) == []
        killer.join()
