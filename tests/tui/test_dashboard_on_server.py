"""The dashboard on a real PostgreSQL server: live through NOTIFY, DISCONNECTED and back by itself
when the server restarts, a read-only monitor on a real streaming standby, and `K` refusing an
agent that runs on another machine."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pglab import PgServer, running_server
from tuilab import NOW, record_notifications, run_writer, settle, static_text, until

from demo.seed import build_demo_database
from store import DatabaseConfig, DatabaseError, initialize_database
from store.transfer import copy_database
from tui.app import CodexDashApp
from tui.gateway import DatabaseGateway
from tui.live.change_source import LinkState
from tui.widgets.status_header import StatusHeader

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
REPLAY_SECONDS = 30.0  # an upper bound for a standby to replay a new database on a loaded machine


def seed_server(url: str, tmp_path: Path) -> None:
    """The demo's 15 instances (seed 7 at NOW), made as a file and copied onto the server."""
    demo = str(tmp_path / "demo.db")
    build_demo_database(demo, seed=7, now=NOW)
    source = initialize_database(DatabaseConfig(local_file=demo, read_only=True))
    target = initialize_database(DatabaseConfig(server_url=url))
    try:
        copy_database(source, target)
    finally:
        source.disconnect()
        target.disconnect()


@pytest.fixture
def server_url(pg_server: PgServer, tmp_path: Path) -> Iterator[str]:
    name = pg_server.create_database()
    url = pg_server.url(name)
    seed_server(url, tmp_path)
    yield url
    pg_server.drop_database(name)


def server_app(url: str, *, read_only: bool = False, **kwargs: object) -> CodexDashApp:
    config = DatabaseConfig(server_url=url, read_only=read_only, clock=lambda: NOW)
    return CodexDashApp(DatabaseGateway(config), watch=True, **kwargs)  # type: ignore[arg-type]


def header(app: CodexDashApp) -> str:
    return static_text(app.query_one(StatusHeader), width=200)


def create_later(url: str, instance_id: str, minutes: int = 1) -> None:
    run_writer(url, "create", instance_id, (NOW + timedelta(minutes=minutes)).isoformat())


async def test_another_machines_commit_appears_through_notify(server_url: str) -> None:
    app = server_app(server_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.table.row_count == 15
        await until(pilot, lambda: app.feed.link is LinkState.LIVE, what="the LISTEN link")
        assert "LIVE" in header(app) and "postgresql://" in header(app)
        create_later(server_url, "remote-1")
        await until(pilot, lambda: "remote-1" in app.table.visible_ids, what="the new row")
        run_writer(server_url, "status", "remote-1", "waiting_review")
        await until(
            pilot,
            lambda: "waiting_review" in app.table.cell_text("remote-1", "status"),
            what="the status change",
        )


async def test_server_restart_keeps_the_data_says_disconnected_and_comes_back(
    tmp_path: Path,
) -> None:
    """A private server, since it is stopped: the rows stay, the header says DISCONNECTED, and
    the dashboard is LIVE again by itself and shows what was committed after the restart."""
    with running_server() as server:
        name = server.create_database()
        url = server.url(name)
        seed_server(url, tmp_path)
        app = server_app(url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await until(pilot, lambda: app.feed.link is LinkState.LIVE, what="LIVE")
            await asyncio.to_thread(server.stop)
            await until(pilot, lambda: app.feed.disconnected, what="DISCONNECTED")
            await pilot.pause(0.3)
            text = header(app)
            assert "DISCONNECTED" in text and "retrying" in text and "data as of 12:00:00" in text
            assert "OFFLINE" not in text and "started" in text  # the last counts stay
            assert app.table.row_count == 15  # the last data stays
            await asyncio.to_thread(server.start)
            await until(pilot, lambda: app.feed.link is LinkState.LIVE, what="LIVE again")
            create_later(url, "after-restart")
            await until(
                pilot, lambda: "after-restart" in app.table.visible_ids, what="a new commit"
            )
            assert "DISCONNECTED" not in header(app) and "LIVE" in header(app)


async def test_read_only_monitor_on_a_standby_stays_live(
    pg_server: PgServer, pg_standby: PgServer, tmp_path: Path
) -> None:
    name = pg_server.create_database()
    primary_url = pg_server.url(name)
    seed_server(primary_url, tmp_path)
    standby_url = pg_standby.url(name)
    deadline = time.monotonic() + REPLAY_SECONDS
    while True:  # the new database and its rows reach the standby by replay
        try:
            if pg_standby.sql("SELECT count(*) FROM instances", name) == [(15,)]:
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the standby never replayed the seeded database")
        await asyncio.sleep(0.05)
    app = server_app(standby_url, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.table.row_count == 15 and "READ-ONLY" in header(app)
        await until(pilot, lambda: app.feed.link is LinkState.LIVE, what="the replay link")
        create_later(primary_url, "from-primary")
        await until(
            pilot, lambda: "from-primary" in app.table.visible_ids, what="the primary's commit"
        )
        with pytest.raises(DatabaseError):  # read-only at the server, not just hidden
            await app.gateway.run(
                lambda: app.gateway.db.update_instance_status("from-primary", "terminated")
            )
    pg_server.drop_database(name)


async def test_kill_refuses_an_agent_of_another_machine(server_url: str, tmux_socket: str) -> None:
    """On a shared server `K` acts only on agents whose tmux session is on this machine: for the
    others it says so and asks nothing; `t` still works from anywhere."""
    app = server_app(server_url, tmux_socket=tmux_socket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        notes = record_notifications(app)
        app.table.move_cursor(row=0, animate=False)
        await settle(app, pilot)
        chosen = app.table.selected_id
        assert chosen is not None
        before = app.table.cell_text(chosen, "status")
        await pilot.press("K")
        await until(pilot, lambda: notes.matching("another machine"), what="the refusal")
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]  # no confirmation was asked for
        assert chosen in notes.matching("another machine")[0][0]
        check = initialize_database(DatabaseConfig(server_url=server_url))
        try:  # nothing was written
            assert check.get_instance(chosen).status in before
        finally:
            check.disconnect()


async def test_backup_key_writes_the_server_as_a_sqlite_file(
    server_url: str, tmp_path: Path
) -> None:
    """`b` on a server: one consistent snapshot written as a claude-codex.db file that opens
    offline, and the header's last backup follows."""
    folder = tmp_path / "backups"
    app = server_app(server_url, backup_dir=str(folder))
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        assert "backup never" in header(app)
        await pilot.press("b")
        await until(pilot, lambda: bool(notes.matching("backup")), what="the backup notice")
        await settle(app, pilot)
        assert notes.matching("Backup written"), notes.texts()
        assert "backup never" not in header(app)
    (written,) = folder.glob("*.db")
    con = sqlite3.connect(written)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM instances").fetchone() == (15,)
    finally:
        con.close()
    offline = initialize_database(DatabaseConfig(local_file=str(written), read_only=True))
    try:
        assert len(offline.list_instances()) == 15
    finally:
        offline.disconnect()
