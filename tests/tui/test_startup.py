"""Start-up: the first load runs on the database thread and is waited for (briefly) before Textual
is imported, and its rows are in the first frame; the command line imports nothing heavy before
that load is started."""

from __future__ import annotations

import concurrent.futures
import gc
import subprocess
import sys
import threading
import time

import pytest
from tuilab import NOW, make_app, record_frames, settle, until

from store import DatabaseConfig, DatabaseError, ErrorCode
from tui.model import first_overview
from tui.widgets.relationship_tree import RelationshipTree

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def preloaded(app) -> concurrent.futures.Future:
    """What `codex-dash` does before importing the app: the first load, on the app's own thread."""
    gateway = app.gateway
    gateway.open_sync()
    return gateway.submit(lambda: first_overview(gateway.db, app.now, None))


def table_rows(app):
    """What record_frames takes at each frame: the instances table's row count (-1 for a frame
    of another screen)."""
    return lambda screen: app.table.row_count if screen is app.screen_stack[0] else -1


async def test_the_preloaded_rows_are_in_the_first_frame(demo_db):
    app = make_app(demo_db, now=NOW)
    preload = app.feed.preload = preloaded(app)
    loader, overview = preload.result()
    frames = record_frames(app, table_rows(app))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert frames and frames[0] == len(overview.rows) > 0
        assert app.feed.loader is loader  # the app goes on from the preloaded loader's counts
        assert app.table.row_count == len(overview.rows)
        assert "…" not in app.table.cell_text(app.table.selected_id, "events")  # counted since


@pytest.mark.parametrize("load_seconds", [0.0, 1.0])
def test_the_command_line_waits_for_a_quick_first_load_only(demo_db, monkeypatch, load_seconds):
    """Beside Textual's import the load was starved of the GIL (sqlite lets it go for every row)
    and came after the first frame; a quick one is waited for, a slow one is left to the app."""
    from tui import cli, model

    real = model.first_overview

    def first_overview(*args, **kwargs):
        time.sleep(load_seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "first_overview", first_overview)
    preload_done: list[bool] = []

    def fake_run(app, *args, **kwargs):  # no terminal here: what the app would start with
        preload_done.append(app.feed.preload.done())
        app.feed.preload.result()
        app.gateway.close()

    monkeypatch.setattr("tui.app.CodexDashApp.run", fake_run)
    assert cli.run_dashboard(DatabaseConfig(local_file=demo_db, read_only=True)) == 0
    assert preload_done == [load_seconds < cli.PRELOAD_WAIT_SECONDS]


async def test_a_failed_preload_is_loaded_again_by_the_app(demo_db):
    app = make_app(demo_db, now=NOW)
    failed: concurrent.futures.Future = concurrent.futures.Future()
    failed.set_exception(DatabaseError(ErrorCode.NOT_CONNECTED, "gone for a moment"))
    app.feed.preload = failed
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.table.row_count > 0
        assert app.feed.loader is not None


async def test_a_preload_still_running_is_awaited_without_blocking_the_screen(demo_db):
    app = make_app(demo_db, now=NOW)
    gateway = app.gateway
    gateway.open_sync()
    release = threading.Event()
    gateway.submit(release.wait, 10)  # the database thread is busy until released
    app.feed.preload = gateway.submit(lambda: first_overview(gateway.db, app.now, None))
    frames = record_frames(app, table_rows(app))
    threading.Timer(0.5, release.set).start()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert frames[0] == 0  # drawn while the load was still running
        assert app.table.row_count > 0


def test_the_command_line_starts_without_textual_or_package_metadata():
    """`codex-dash` starts the first load before importing Textual (~0.3 s here); package
    metadata (~50 ms) is read only for --version."""
    probe = (
        "import sys, tui.cli; "
        "print(sorted(m for m in ('textual', 'importlib.metadata', 'pony') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


def test_collection_is_paused_for_start_up_and_back_on_after_a_failed_start(tmp_path, monkeypatch):
    """`codex-dash` turns the garbage collector off until the first data shows (tui/memory.py);
    a start that fails must not leave it off."""
    from tui import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    seen: list[bool] = []
    real_open = cli._open_and_run

    def observed(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_open(*args, **kwargs)

    monkeypatch.setattr(cli, "_open_and_run", observed)
    assert cli.main(["--read-only", "--db", "missing.db"]) == 2
    assert seen == [False]
    assert gc.isenabled()


async def test_the_detail_panes_come_after_the_first_frame_into_a_place_kept_for_them(demo_db):
    app = make_app(demo_db, now=NOW)
    app.feed.preload = preloaded(app)
    frames = record_frames(
        app, lambda screen: (bool(app.query("#tree, #timeline")), app.table.region)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        panes_there, table_region = frames[0]
        assert not panes_there
        assert app.table.region == table_region  # nothing moved when they came
        tree = app.query_one("#tree", RelationshipTree)
        assert app.detail is not None and app.detail.instance_id == app.table.selected_id
        assert app.table.selected_id in tree.text(60).plain  # the detail loop runs


async def test_the_detail_panes_come_when_the_first_load_fails_too(tmp_path):
    """No rows will come (the file is not there): the panes still take their place."""
    app = make_app(str(tmp_path / "missing.db"), now=NOW, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.query("#tree")), what="the panes")
        assert app.table.row_count == 0
        assert app.feed.problem is not None  # the header says why


async def test_what_the_first_frame_does_not_need_comes_after_it(demo_db, tmp_path):
    """The backup bar is mounted on the first backup; the watcher starts after the first frame
    and still sees every commit."""
    app = make_app(demo_db, now=NOW, watch=True, backup_dir=str(tmp_path / "backups"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.query("#progress")
        assert app.feed.change_source is not None
        await pilot.press("b")
        await until(pilot, lambda: any((tmp_path / "backups").glob("*")), what="the backup")
        assert app.query("#progress")
