"""The dashboard while its file is deleted, replaced, or checkpointed under it.

It must say so in the header (OFFLINE and the reason), never create an empty database where the
file was, and show rows again once a usable file is back.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rellab import cli, make_event, make_instance, open_store, raw
from rich.console import Console

from store import DatabaseConfig
from tui.app import CodexDashApp
from tui.gateway import DatabaseGateway
from tui.widgets.status_header import StatusHeader

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
WAIT = 20.0  # an upper bound for the app to notice (its safety poll is 2 s); never asserted


def seed(path: Path, *instance_ids: str, events: int = 0) -> None:
    db = open_store(path)
    try:
        for instance_id in instance_ids:
            db.create_instance(make_instance(id=instance_id, tmux_session=instance_id))
            for _ in range(events):
                db.log_mcp_event(make_event(instance_id))
        db.checkpoint("TRUNCATE")
    finally:
        db.disconnect()


def header_text(app: CodexDashApp) -> str:
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(app.query_one(StatusHeader).content)
    return console.export_text()


def dashboard(path: Path) -> CodexDashApp:
    return CodexDashApp(DatabaseGateway(DatabaseConfig(local_file=str(path))), watch=True)


async def until(pilot, condition, what: str, seconds: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await pilot.pause(0.05)


def shows(app: CodexDashApp, *ids: str) -> bool:
    return (
        app.feed.problem is None
        and app.overview is not None
        and set(app.overview.rows) == set(ids)
        and app.table.row_count == len(ids)
    )


def remove_database(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


async def test_deleted_then_recreated(db_path: Path) -> None:
    seed(db_path, "first-a1")
    app = dashboard(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app, "first-a1"), "the first row")
        remove_database(db_path)
        await until(pilot, lambda: app.feed.problem is not None, "the problem to show")
        text = header_text(app)
        assert "OFFLINE" in text and "missing" in text and str(db_path) in app.feed.problem
        for _ in range(3):  # more reloads while missing: still no empty database in its place
            app.feed.request_reload(force=True)
            await pilot.pause(0.2)
        assert not db_path.exists()
        seed(db_path, "second-a1", events=3)
        await until(pilot, lambda: shows(app, "second-a1"), "rows from the new file")
        assert "OFFLINE" not in header_text(app)
        assert app.overview.rows["second-a1"].event_count == 3


async def test_replaced_by_garbage_then_by_another_database(db_path: Path, tmp_path: Path) -> None:
    seed(db_path, "old-a1")
    other = tmp_path / "other.db"
    seed(other, "new-a1", "new-a2", events=2)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database\n" * 200)
    app = dashboard(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app, "old-a1"), "the first row")
        os.replace(garbage, db_path)
        await until(pilot, lambda: app.feed.problem is not None, "the problem to show")
        assert "not a SQLite database" in app.feed.problem, app.feed.problem
        assert "OFFLINE" in header_text(app)
        assert db_path.read_bytes().startswith(b"this is not a database")  # left as it was
        os.replace(other, db_path)
        await until(pilot, lambda: shows(app, "new-a1", "new-a2"), "rows from the other file")
        assert app.overview.rows["new-a2"].event_count == 2


async def test_truncate_checkpoints_while_running(db_path: Path) -> None:
    seed(db_path, "busy-a1")
    app = dashboard(db_path)
    writer = open_store(db_path)
    truncated: list[int] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: shows(app, "busy-a1"), "the first row")
            for round_number in range(1, 6):
                for _ in range(20):
                    writer.log_mcp_event(make_event("busy-a1"))
                con = raw(db_path)
                try:
                    busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    truncated.append(busy)
                finally:
                    con.close()
                expected = 20 * round_number

                def counted(expected: int = expected) -> bool:
                    row = app.overview.rows.get("busy-a1") if app.overview else None
                    return row is not None and row.event_count == expected

                await until(pilot, counted, f"{expected} events after a TRUNCATE checkpoint")
                assert app.feed.problem is None
    finally:
        writer.disconnect()
    assert 0 in truncated  # at least one TRUNCATE went through with the dashboard reading


async def test_cli_backup_updates_the_running_dashboard(db_path: Path, tmp_path: Path) -> None:
    seed(db_path, "watched-a1")
    app = dashboard(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app, "watched-a1"), "the first row")
        assert app.overview.last_backup is None
        assert "backup never" in header_text(app)
        done = await asyncio.to_thread(cli, "backup", "--db", str(db_path))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("backup: ")

        def has_backup() -> bool:
            return app.overview is not None and app.overview.last_backup is not None

        await until(pilot, has_backup, "the header to show the backup")
        assert datetime.now(UTC) - app.overview.last_backup < timedelta(minutes=5)
        assert "backup never" not in header_text(app)
    assert sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
