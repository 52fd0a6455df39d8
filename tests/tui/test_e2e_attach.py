"""End to end, `a` outside the agents' tmux: the installed `codex-dash` in a real terminal (a tmux
pane on one private server) suspends, runs `tmux attach` to the agent's session on another server,
and comes back when that client detaches. Read-only attaches read-only."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e_tmux import CODEX_DASH, WAIT_SECONDS, send, wait_screen

from agents import tmux
from demo.seed import SEED_SESSION_PREFIX


@pytest.fixture
def agents_socket() -> Iterator[str]:
    """The agents' own tmux server: not the one the dashboard's terminal runs in."""
    if not tmux.tmux_available():
        pytest.skip("tmux is not installed")
    name = f"codex-test-agents-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        tmux.kill_server(socket=name)


def clients(socket: str) -> list[tuple[str, str]]:
    result = tmux._run(
        ["list-clients", "-F", "#{client_session} #{client_readonly}"], socket=socket
    )
    return [tuple(line.split()) for line in result.stdout.splitlines() if line]  # type: ignore[misc]


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.parametrize("read_only", [False, True], ids=["attach", "read-only"])
def test_a_outside_tmux_suspends_attaches_and_comes_back(
    demo_db, tmux_socket, agents_socket, read_only
):
    agent = SEED_SESSION_PREFIX + "work-121-a1"
    code = "import time\nprint('agent here', flush=True)\ntime.sleep(600)"
    tmux.new_session(agent, [sys.executable, "-c", code], socket=agents_socket)
    args = [CODEX_DASH, "--db", demo_db, "--tmux-socket", agents_socket]
    if read_only:
        args.append("--read-only")
    session = f"dash-{uuid.uuid4().hex[:8]}"
    tmux.new_session(
        session,
        ["sh", "-c", 'unset COLUMNS LINES; exec "$@"', "sh", *args],
        width=120,
        height=40,
        socket=tmux_socket,
        cwd=str(Path(demo_db).parent),
        env={"CODEX_DASH_KEY_FILE": str(Path(demo_db).with_name("secret.key"))},
    )
    wait_screen(session, tmux_socket, lambda s: "work-121-a1" in s and "LIVE" in s, "the rows")
    send(session, tmux_socket, "a")  # work-121-a1 waits for review: the first row, selected
    expected = (agent, "1" if read_only else "0")
    wait_for(lambda: expected in clients(agents_socket), "a client on the agent's session")
    wait_screen(session, tmux_socket, lambda s: "agent here" in s, "the agent in the terminal")
    tmux._run(["detach-client", "-s", f"={agent}"], socket=agents_socket)
    wait_screen(session, tmux_socket, lambda s: "Instances" in s, "the dashboard back")
    assert clients(agents_socket) == []
    send(session, tmux_socket, "q")
    wait_for(lambda: not tmux.session_exists(session, socket=tmux_socket), "the dashboard to quit")
