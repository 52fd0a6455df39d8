"""`K` against a real tmux session on a private socket and a real process."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import psutil
import pytest
from testkit import make_instance
from tuilab import (
    NOW,
    make_app,
    open_store,
    record_notifications,
    screen_text,
    select,
    select_settled,
    settle,
    until,
)

from agents import tmux
from agents.process import ProcessIdentity
from tui.screens.confirm import ConfirmScreen

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
LOOP = "import time\nwhile True: time.sleep(0.5)"


def add_instance(path: str, instance_id: str, session: str, pid: int | None) -> None:
    with open_store(path) as db:
        db.create_instance(make_instance(id=instance_id, tmux_session=session, claude_pid=pid))


def status_of(path: str, instance_id: str) -> str:
    with open_store(path) as db:
        record = db.get_instance(instance_id)
        assert record is not None
        return record.status


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process that must survive every kill in these tests."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOOP], stdin=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def agent_session(tmux_socket) -> Iterator[tuple[str, int]]:
    """A real tmux session whose pane runs a python loop (the 'agent'); killed afterwards."""
    name = f"agent-{uuid.uuid4().hex[:8]}"
    pid = tmux.new_session(name, [sys.executable, "-c", LOOP], socket=tmux_socket)
    identity = ProcessIdentity.of(pid)
    try:
        yield name, pid
    finally:
        if tmux.session_exists(name, socket=tmux_socket):
            tmux.kill_session(name, socket=tmux_socket)
        if identity is not None and identity.is_running():
            psutil.Process(pid).kill()


async def test_kill_ends_the_process_and_session_and_terminates(
    demo_db, tmux_socket, agent_session, bystander
):
    session, pid = agent_session
    assert tmux.session_exists(session, socket=tmux_socket)
    assert psutil.pid_exists(pid)
    add_instance(demo_db, "work-140-a1", session, pid)

    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket, kill_grace=2.0)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        await select_settled(app, pilot, "work-140-a1")
        await pilot.press("K")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        assert "work-140-a1" in shown
        assert session in shown
        assert str(pid) in shown
        await pilot.press("y")
        await until(pilot, lambda: bool(notes.matching("kill")), what="the kill report")
        await until(
            pilot,
            lambda: status_of(demo_db, "work-140-a1") == "terminated",
            what="the instance to be terminated",
        )
        await settle(app, pilot)
        assert app.overview is not None
        assert app.overview.rows["work-140-a1"].record.status == "terminated"
        message, title, severity = notes.matching("kill")[-1]
        assert "work-140-a1" in title
        assert str(pid) in message and "terminated" in message, message
        assert severity == "information"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not tmux.session_exists(session, socket=tmux_socket)
    assert bystander.poll() is None, "an unrelated process was killed"


async def test_kill_cancel_leaves_everything_running(demo_db, tmux_socket, agent_session):
    session, pid = agent_session
    add_instance(demo_db, "work-141-a1", session, pid)
    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app, "work-141-a1")
        for keys in (["enter"], ["n"], ["escape"]):
            await pilot.press("K")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(*keys)
            await settle(app, pilot)
            assert app.screen is app.screen_stack[0]
    assert psutil.pid_exists(pid)
    assert tmux.session_exists(session, socket=tmux_socket)
    assert status_of(demo_db, "work-141-a1") == "started"


async def test_kill_of_an_exited_pid_reports_it_gone_and_kills_nothing(
    demo_db, tmux_socket, bystander
):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    assert not psutil.pid_exists(gone.pid)
    missing_session = f"agent-gone-{uuid.uuid4().hex[:6]}"
    add_instance(demo_db, "work-142-a1", missing_session, gone.pid)
    others = set(psutil.pids())

    app = make_app(demo_db, now=NOW, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        select(app, "work-142-a1")
        await pilot.press("K")
        await pilot.pause()
        assert str(gone.pid) in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: bool(notes.matching("kill")), what="the kill report")
        await settle(app, pilot)
        message = notes.matching("kill")[-1][0]
        assert "already gone" in message, message
        assert app.is_running
        assert app.screen is app.screen_stack[0]
        await until(
            pilot,
            lambda: status_of(demo_db, "work-142-a1") == "terminated",
            what="the instance to be terminated",
        )
    assert bystander.poll() is None
    # nothing that was running before the kill was signalled by it (some may end on their own)
    survivors = others & set(psutil.pids())
    assert bystander.pid in survivors
