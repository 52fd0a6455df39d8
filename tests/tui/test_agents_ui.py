"""The dashboard and its agents, end to end: `v` follows real tmux sessions, `a` moves a real tmux
client, notifications come once per transition under live reloads, stalls come with the clock,
`enter` on an event opens it, `z` silences."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import pytest
from tuilab import (
    NOW,
    make_app,
    record_notifications,
    run_writer,
    select,
    select_settled,
    settle,
    until,
)

from agents import tmux
from agents.attach import server_socket_path
from demo.seed import SEED_SESSION_PREFIX
from tui.screens.event_detail import EventDetailScreen
from tui.widgets.field_list import FieldList
from tui.widgets.status_header import StatusHeader
from tui.widgets.terminal_view import TerminalView
from tui.widgets.timeline import EventTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def agent_script(name: str) -> list[str]:
    code = (
        "import sys, time\n"
        f"print('\\033[32m●\\033[0m agent {name} is working', flush=True)\n"
        "n = 0\n"
        "while True:\n"
        "    n += 1\n"
        f"    print('{name} step', n, flush=True)\n"
        "    time.sleep(0.2)\n"
    )
    return [sys.executable, "-c", code]


def start_agent(socket: str, instance_id: str) -> str:
    session = SEED_SESSION_PREFIX + instance_id
    tmux.new_session(session, agent_script(instance_id), width=80, height=20, socket=socket)
    return session


def terminal_text(app) -> str:
    view = app.query_one(TerminalView)
    return view.text(200).plain


def header_text(app) -> str:
    return app.query_one(StatusHeader)._shown.plain  # type: ignore[union-attr]


async def test_v_shows_the_selected_agent_live_and_follows_the_selection(demo_db, tmux_socket):
    start_agent(tmux_socket, "work-121-a1")
    start_agent(tmux_socket, "work-131-a1")
    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        await pilot.press("v")
        await until(pilot, lambda: "work-121-a1 step" in terminal_text(app), what="its output")
        assert not app.query_one("#timeline").display  # in place of the timeline
        steps = terminal_text(app).count("step")
        await until(pilot, lambda: terminal_text(app).count("step") > steps, what="more output")
        await select_settled(app, pilot, "work-131-a1")
        await until(pilot, lambda: "work-131-a1 step" in terminal_text(app), what="the next one")
        assert "work-121-a1" not in terminal_text(app)
        assert app.preview.follower is not None and app.preview.follower.clients_started == 1
        # An agent with no session on this server: said, not hung.
        await select_settled(app, pilot, "work-132-a1")
        await until(pilot, lambda: "gone" in str(app.query_one("#terminal-title").content))
        await pilot.press("v")
        await settle(app, pilot)
        assert app.query_one("#timeline").display
        assert not app.query_one("#terminal-pane").display
    size = tmux._run(
        ["display-message", "-p", "-t", f"={SEED_SESSION_PREFIX}work-121-a1:", "#{window_width}"],
        socket=tmux_socket,
    )
    assert size.stdout.strip() == "80"  # following never resized the agent's window


def clients(socket: str) -> list[tuple[str, str]]:
    result = tmux._run(
        ["list-clients", "-F", "#{client_session} #{client_readonly}"], socket=socket
    )
    return [tuple(line.split()) for line in result.stdout.splitlines() if line]  # type: ignore[misc]


def user_client(socket: str, monkeypatch) -> str:
    """The dashboard 'runs' in a pane of session app-home, with a real client looking at it."""
    tmux.new_session(
        "app-home", [sys.executable, "-c", "import time; time.sleep(600)"], socket=socket
    )
    attach = f"env -u TMUX {tmux.tmux_binary()} -L {socket} attach-session -t =app-home"
    tmux.new_session("viewer", attach, socket=socket)
    deadline = time.monotonic() + 10
    while ("app-home", "0") not in clients(socket) and time.monotonic() < deadline:
        time.sleep(0.05)
    pane = tmux._run(["display-message", "-p", "-t", "=app-home:", "#{pane_id}"], socket=socket)
    monkeypatch.setenv("TMUX", f"{server_socket_path(socket)},1,0")
    monkeypatch.setenv("TMUX_PANE", pane.stdout.strip())
    return "app-home"


@pytest.mark.parametrize("read_only", [False, True])
async def test_a_inside_tmux_moves_a_real_client(demo_db, tmux_socket, monkeypatch, read_only):
    session = start_agent(tmux_socket, "work-121-a1")
    home = user_client(tmux_socket, monkeypatch)
    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket, read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        await pilot.press("a")
        if read_only:  # a popup with a read-only client; the user's own client stays as it was
            await until(pilot, lambda: (session, "1") in clients(tmux_socket), what="popup")
            assert (home, "0") in clients(tmux_socket)
            await until(pilot, lambda: bool(notes.matching("not type")), what="the message")
        else:
            await until(pilot, lambda: clients(tmux_socket) == [(session, "0")], what="switch")
            await until(pilot, lambda: bool(notes.matching("last session")), what="way back")


async def test_a_for_a_session_not_on_this_machine_says_so(demo_db, tmux_socket):
    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        await pilot.press("a")
        await until(pilot, lambda: bool(notes.matching("not on this machine")), what="message")


async def test_one_notification_per_transition_under_live_reloads(demo_db, tmp_path):
    out = tmp_path / "notified.txt"
    command = f'echo "$CODEX_DASH_INSTANCE $CODEX_DASH_STATUS $CODEX_DASH_REASON" >> {out}'
    app = make_app(demo_db, now=NOW, watch=True, notify_command=command)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        before = app.needs_you.count
        assert before >= 1  # the seed has instances waiting: nothing said about them
        assert not notes.matching("needs you")
        run_writer(demo_db, "status", "work-131-a1", "waiting_review")
        for _ in range(6):  # live reloads after the transition
            run_writer(demo_db, "event", "work-131-a1")
        await until(pilot, lambda: app.needs_you.count == before + 1, what="the transition")
        await settle(app, pilot)
        app.needs_you.notifier.wait()
        assert [n for n in notes.items if n[1] == "Needs you"] == [
            ("work-131-a1 is waiting for review", "Needs you", "warning")
        ]
        assert out.read_text().splitlines() == ["work-131-a1 waiting_review waiting_review"]
        assert f"{before + 1} need you" in header_text(app)
        assert app.table.visible_ids.index("work-131-a1") < app.table.visible_ids.index(
            "work-135-a2"
        )  # attention order: it moved up among those that need a person


async def test_a_stall_is_noticed_as_the_clock_moves(demo_db):
    clock = {"now": NOW}
    app = make_app(demo_db, now=NOW)
    app.now = lambda: clock["now"]
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        assert not notes.matching("stalled")
        clock["now"] = NOW + timedelta(hours=3)
        app.needs_you.recheck()
        await pilot.pause()
        stalled = [n for n in notes.items if "has stalled" in n[0]]
        assert stalled and len(stalled) == len({n[0] for n in stalled})
        count = len(stalled)
        app.needs_you.recheck()
        await pilot.pause()
        assert len([n for n in notes.items if "has stalled" in n[0]]) == count  # once


async def test_z_silences_and_no_notify_starts_silent(demo_db):
    app = make_app(demo_db, now=NOW, notify=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.needs_you.notifier.silenced
        await pilot.press("z")
        await settle(app, pilot)
        assert not app.needs_you.notifier.silenced


async def test_enter_on_an_event_opens_it_in_full(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        table = app.query_one("#timeline").query_one(EventTable)
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EventDetailScreen)
        text = app.screen.query_one(FieldList).text(200).plain
        assert "metadata" in text and "time" in text
        await pilot.press("escape")
        await settle(app, pilot)
        # The same from the instance screen, whose timeline has the focus.
        select(app, "work-121-a1")
        app.table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.focused, EventTable)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EventDetailScreen)


async def test_the_terminal_scrolls_back_and_searches_its_history(demo_db, tmux_socket):
    start_agent(tmux_socket, "work-121-a1")
    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        await pilot.press("v")
        await until(pilot, lambda: "work-121-a1 step 30" in terminal_text(app), what="output")
        view = app.query_one(TerminalView)
        view.focus()
        await pilot.press("up")  # scrolling up from the live screen loads the scrollback
        await until(pilot, lambda: view.history, what="the scrollback")
        assert "is working" in terminal_text(app)  # its first line, long scrolled off the pane
        await pilot.press("slash")  # searches the scrollback, not the instances
        await settle(app, pilot)
        assert not app.filter_line_open
        await pilot.press(*"step 3", "enter")
        await settle(app, pilot)
        assert view.matches and all("step 3" in view._plain(i) for i in view.matches)
        await pilot.press("escape")  # back to the live screen
        await settle(app, pilot)
        assert not view.history
