"""Pictures of every screen, with a pinned clock and the seeded demo database.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then
look at the report (or screenshots/) before committing.
"""

from __future__ import annotations

import sys
import time

import pytest
from tuilab import NOW

from store import DatabaseConfig
from tui.app import CodexDashApp
from tui.automation import settle_and_press
from tui.gateway import DatabaseGateway

WIDE = (120, 40)
SMALL = (80, 24)


def make_app(path: str, *, read_only: bool = False) -> CodexDashApp:
    config = DatabaseConfig(local_file=path, read_only=read_only, clock=lambda: NOW)
    return CodexDashApp(DatabaseGateway(config), clock=config.clock, watch=False)


settled = settle_and_press


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_main_screen(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=settled())


def test_main_screen_a_few_rows_down(snap_compare, demo_db):
    """The selection drives the relationship tree and the timeline."""
    keys = ("down", "down", "down")
    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=settled(*keys))


def test_filter(snap_compare, demo_db):
    keys = ("slash", "r", "e", "v", "i", "e", "w", "space", "1", "1", "8")
    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=settled(*keys))


@pytest.mark.parametrize(
    "key", ["s", "t", "K", "question_mark"], ids=["status", "terminate", "kill", "help"]
)
def test_dialogs(snap_compare, demo_db, key):
    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=settled(key))


def test_help_small(snap_compare, demo_db):
    assert snap_compare(make_app(demo_db), terminal_size=SMALL, run_before=settled("question_mark"))


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_instance_view(snap_compare, demo_db, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=settled("enter"))


def test_read_only(snap_compare, demo_db):
    app = make_app(demo_db, read_only=True)
    assert snap_compare(app, terminal_size=WIDE, run_before=settled())


def test_read_only_help(snap_compare, demo_db):
    app = make_app(demo_db, read_only=True)
    assert snap_compare(app, terminal_size=WIDE, run_before=settled("question_mark"))


def still_agents(socket: str, *instance_ids: str) -> None:
    """Agents that look like Claude Code and stay still, in real tmux sessions named as the seed
    records them, so `v` shows the same picture every run."""
    from agents import tmux
    from demo.agents import PROJECT_ROOT
    from demo.seed import SEED_SESSION_PREFIX

    for instance_id in instance_ids:
        command = [sys.executable, "-m", "demo.fake_agent", instance_id, "--still", "--seed", "3"]
        tmux.new_session(
            SEED_SESSION_PREFIX + instance_id,
            command,
            width=100,
            height=30,
            cwd=PROJECT_ROOT,
            socket=socket,
        )


def showing_terminal(*keys: str):
    """Press v, wait for the agent's screen (its input box), then press `keys`."""

    async def run(pilot) -> None:
        app = pilot.app
        await settled()(pilot)
        await pilot.press("v")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            text = app.query_one("#terminal-view").text(200).plain
            if "? for shortcuts" in text:
                break
            await pilot.pause(0.05)
        await settled(*keys)(pilot)

    return run


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_agent_terminal(snap_compare, demo_db, tmux_socket, size):
    still_agents(tmux_socket, "work-121-a1")
    app = make_app(demo_db)
    app.tmux_socket = tmux_socket
    assert snap_compare(app, terminal_size=size, run_before=showing_terminal())


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_event_detail(snap_compare, demo_db, size):
    async def open_event(pilot) -> None:
        await settled()(pilot)
        pilot.app.query_one("#timeline").query_one("EventTable").focus()
        await settled("down", "down", "enter")(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=open_event)
