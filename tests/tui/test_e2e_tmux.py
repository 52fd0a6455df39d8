"""End to end: the installed `codex-dash` in a real terminal (tmux on a private socket)."""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil

from agents import tmux
from demo.seed import STORY

CODEX_DASH = str(Path(sys.executable).with_name("codex-dash"))
IDS = {plan.id for plan in STORY}
ID_TOKEN = re.compile(r"(?:work|review|plan)-[0-9][\w-]*")
WAIT_SECONDS = 60.0  # an upper bound for a loaded machine, never a timing assertion


def wait_screen(session: str, socket: str, condition: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    screen = ""
    while time.monotonic() < deadline:
        if not tmux.session_exists(session, socket=socket):
            raise AssertionError(f"the session ended while waiting for {what}:\n{screen}")
        screen = tmux.capture_pane(session, socket=socket)
        if condition(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}; the screen was:\n{screen}")


def send(session: str, socket: str, *keys: str, literal: bool = False) -> None:
    args = ["send-keys", "-t", f"={session}:"]
    if literal:
        args.append("-l")
    result = tmux._run([*args, *keys], socket=socket)
    assert result.returncode == 0, result.stderr


def table_lines(screen: str) -> list[str]:
    """The lines inside the instances table's border."""
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if "Instances" in line)
    end = next(i for i in range(start + 1, len(lines)) if "╰" in lines[i])
    return lines[start + 1 : end]


def start_dashboard(db: str, socket: str, width: int, height: int) -> tuple[str, int]:
    """The dashboard starts only once the pane has its final size (a held `read`, then exec):
    a detached session can start its program before tmux applies -x/-y. COLUMNS/LINES are
    unset: under pytest the pane inherits COLUMNS=80 LINES=24, which shutil.get_terminal_size
    (and so Textual) trusts over the terminal's real size."""
    session = f"dash-{uuid.uuid4().hex[:8]}"
    pid = tmux.new_session(
        session,
        ["sh", "-c", 'unset COLUMNS LINES; read _ready; exec "$@"', "sh", CODEX_DASH, "--db", db],
        width=width,
        height=height,
        socket=socket,
        cwd=str(Path(db).parent),
        env={"CODEX_DASH_KEY_FILE": str(Path(db).with_name("secret.key"))},
    )
    deadline = time.monotonic() + WAIT_SECONDS
    size = ""
    while time.monotonic() < deadline:
        result = tmux._run(
            ["display-message", "-p", "-t", f"={session}:", "#{pane_width}x#{pane_height}"],
            socket=socket,
        )
        size = result.stdout.strip()
        if size == f"{width}x{height}":
            break
        time.sleep(0.1)
    assert size == f"{width}x{height}", size
    send(session, socket, "Enter")
    return session, pid


def quit_and_check_gone(session: str, socket: str, pid: int) -> None:
    send(session, socket, "q")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and tmux.session_exists(session, socket=socket):
        time.sleep(0.2)
    assert not tmux.session_exists(session, socket=socket), "q did not end the dashboard"
    try:
        proc = psutil.Process(pid)
        proc.wait(timeout=WAIT_SECONDS)
    except psutil.NoSuchProcess:
        pass
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_dashboard_in_a_real_terminal_filter_help_quit(demo_db, tmux_socket):
    session, pid = start_dashboard(demo_db, tmux_socket, 120, 40)
    screen = wait_screen(
        session,
        tmux_socket,
        lambda s: "Instance" in s and "Status" in s and "work-121-a1" in s and "plan-130-a1" in s,
        "the instances table",
    )
    assert "LIVE" in screen
    assert "claude-codex.db" in screen

    send(session, tmux_socket, "/")
    send(session, tmux_socket, "work-121-a1", literal=True)
    screen = wait_screen(
        session,
        tmux_socket,
        lambda s: "plan-130-a1" not in "\n".join(table_lines(s)),
        "the filter to narrow the table",
    )
    rows = "\n".join(table_lines(screen))
    assert "work-121-a1" in rows
    assert "work-118-a1" not in rows
    assert "Instances (1 of 15)" in screen

    send(session, tmux_socket, "Escape")
    screen = wait_screen(
        session,
        tmux_socket,
        lambda s: "plan-130-a1" in "\n".join(table_lines(s)),
        "escape to restore every row",
    )
    assert "Instances (15)" in screen

    send(session, tmux_socket, "?")
    screen = wait_screen(
        session, tmux_socket, lambda s: "Show keys and what they do" in s, "the help screen"
    )
    assert "Change the status" in screen
    send(session, tmux_socket, "Escape")
    wait_screen(
        session,
        tmux_socket,
        lambda s: "Show keys and what they do" not in s and "work-121-a1" in s,
        "help to close",
    )
    quit_and_check_gone(session, tmux_socket, pid)


def test_dashboard_fits_80x24(demo_db, tmux_socket):
    session, pid = start_dashboard(demo_db, tmux_socket, 80, 24)
    screen = wait_screen(
        session,
        tmux_socket,
        lambda s: "Instance " in s and "Timeline ·" in s and "q Quit" in s,
        "the instances table at 80x24",
    )
    lines = screen.splitlines()
    assert len(lines) <= 24
    assert all(len(line) <= 80 for line in lines)
    rows = table_lines(screen)
    header = next(line for line in rows if "Instance" in line)
    for label in ("Instance", "Status", "Issue"):
        assert label in header
    shown = [token for line in rows for token in ID_TOKEN.findall(line)]
    assert shown, screen
    cut = [token for token in shown if token not in IDS]
    assert not cut, f"instance ids cut in the middle: {cut}\n{screen}"
    assert "q Quit" in lines[-1], f"the footer is not on the last line:\n{screen}"
    quit_and_check_gone(session, tmux_socket, pid)
